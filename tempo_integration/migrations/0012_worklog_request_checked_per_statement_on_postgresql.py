"""On PostgreSQL, triggers check a worklog's request once per statement, in place of a foreign key.
SQLite keeps its real foreign key.

Why: PostgreSQL checks a foreign key one row at a time. Each new worklog means one look-up
of its request (and a lock), at commit for Django's deferred constraints. docs/benchmarks.md
puts that at about 60 ms of a 5,000-worklog page's write, against 3-4 ms for the same check
once per statement. Measured again on 1 Dec 2026 (2 CPUs, 5,000 new worklogs over 200
requests in one upsert, commit included), a page took 44-47 ms with the foreign key and
32-38 ms with the triggers.

PostgreSQL (``AlterFieldOnPostgreSQL`` drops the foreign key; ``POSTGRESQL`` adds):

- inserting worklogs: an ``AFTER INSERT … FOR EACH STATEMENT`` trigger with the
  statement's new rows (a transition table) locks their requests ``FOR KEY SHARE``. That is
  the lock a foreign key check takes: the requests cannot be deleted, and their keys cannot
  change, until the writer's transaction ends. The trigger refuses the statement when it
  finds fewer requests than the rows name (one was deleted meanwhile, or never existed);
- moving a worklog to another request (an UPDATE that changes ``request_id``: rare, a
  worklog moved to another issue): a row trigger whose ``WHEN`` lets through only the rows
  whose request changed locks the new request the same way, or refuses. An UPDATE that
  keeps the request (the sync's rewrite of a changed worklog) costs nothing, as with the
  foreign key. A statement trigger would see every updated row (a transition table cannot
  be limited to some columns) and have to compare old and new rows;
- deleting requests: an ``AFTER DELETE … FOR EACH STATEMENT`` trigger refuses the statement
  when a worklog still names one of them. Django's cascade deletes the worklogs first;
- changing a request's key (never done: Django does not update primary keys): a row
  trigger refuses it while worklogs name the old key.

Both sides raise ``foreign_key_violation``, which Django turns into ``IntegrityError``, as
it did for the foreign key. One difference: the check runs at the end of each statement,
not at commit (the foreign key was ``DEFERRABLE INITIALLY DEFERRED``). Every writer writes
a request before its worklogs, and deletes worklogs before their request, so none relies
on the deferral.

Concurrency is the same as with the foreign key. Say a transaction that has not committed
yet deletes a request: the worklogs' lock waits, then finds the request gone and refuses.
Say a transaction that has not committed yet writes worklogs: the deletion waits for
their lock, then sees them and refuses (read committed takes a new snapshot per
statement). A ``TRUNCATE`` of the requests alone is no longer refused; Django's ``flush``
truncates both tables.

PL/pgSQL plans a statement without parameters on its first call and keeps that plan. So the
queries on transition tables stay linear whatever that first call's row count. The INSERT
trigger reads ``new_rows`` alone, and the DELETE trigger probes the worklogs' index once
per deleted request. A join of ``old_rows`` and ``new_rows`` would not stay linear. An
``INSERT … ON CONFLICT DO UPDATE`` fires the UPDATE statement triggers even when it
updates nothing, with empty tables, and a join planned for those is a nested loop: 5,000
updated rows then compare 25 million pairs, seconds a page.

Sources: the PostgreSQL 15 manual: CREATE TRIGGER (transition tables); SELECT, The Locking
Clause (``FOR KEY SHARE`` is the lock foreign key checks take); §13.2.1 (read committed).

SQLite keeps its real foreign key: nothing changes in its database. A foreign key check is
cheap there, and the triggers of an earlier attempt (row triggers: SQLite has no statement
triggers with transition tables) broke Django's ``flush`` on SQLite, so ``make bench``
crashed. The model state says ``db_constraint=False`` on every database, so makemigrations
finds no change on either one. On SQLite, that state and the table differ. Django rebuilds
a SQLite table from the model state when a later migration alters it (a new column, a
changed field), and the rebuilt worklog table would have no foreign key and no other
check. tests/tempo_integration/test_worklog_request_check.py then fails (``PRAGMA
foreign_key_list``), and that migration must put the foreign key back on SQLite. For the
same reason, a squash must keep this operation as it is (``reduce`` stops the optimizer
folding it into another one).
"""

from django.db import migrations, models

WORKLOG = "tempo_integration_worklog"
REQUEST = "jsm_request"

POSTGRESQL = f"""
CREATE FUNCTION {WORKLOG}_request_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  named bigint;
  locked bigint;
BEGIN
  IF TG_LEVEL = 'ROW' THEN
    -- An UPDATE that moved this worklog to another request (the trigger's WHEN).
    PERFORM 1 FROM {REQUEST} r WHERE r.id = NEW.request_id FOR KEY SHARE OF r;
    locked := CASE WHEN FOUND THEN 1 ELSE 0 END;
    named := 1;
  ELSE
    SELECT count(DISTINCT request_id) INTO named FROM new_rows;
    SELECT count(*) INTO locked FROM (SELECT 1 FROM {REQUEST} r
      WHERE r.id IN (SELECT request_id FROM new_rows) ORDER BY r.id FOR KEY SHARE OF r) l;
  END IF;
  IF locked < named THEN
    RAISE EXCEPTION 'insert or update on table "{WORKLOG}" names a request that does not exist'
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER {WORKLOG}_request_inserted AFTER INSERT ON {WORKLOG}
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION {WORKLOG}_request_check();
CREATE TRIGGER {WORKLOG}_request_updated AFTER UPDATE OF request_id ON {WORKLOG}
  FOR EACH ROW WHEN (OLD.request_id IS DISTINCT FROM NEW.request_id)
  EXECUTE FUNCTION {WORKLOG}_request_check();
CREATE FUNCTION {REQUEST}_tempo_worklogs_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    -- One look-up in the worklogs' index per deleted request, whatever the plan kept from
    -- the first call (never a scan of every worklog).
    PERFORM 1 FROM old_rows o,
      LATERAL (SELECT 1 FROM {WORKLOG} w WHERE w.request_id = o.id LIMIT 1) w LIMIT 1;
  ELSE
    PERFORM 1 FROM {WORKLOG} w WHERE w.request_id = OLD.id LIMIT 1;
  END IF;
  IF FOUND THEN
    RAISE EXCEPTION 'update or delete on table "{REQUEST}" leaves Tempo worklogs without it'
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER {REQUEST}_tempo_worklogs_deleted AFTER DELETE ON {REQUEST}
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION {REQUEST}_tempo_worklogs_check();
CREATE TRIGGER {REQUEST}_tempo_worklogs_rekeyed AFTER UPDATE OF id ON {REQUEST}
  FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id)
  EXECUTE FUNCTION {REQUEST}_tempo_worklogs_check();
"""  # noqa: S608 - table names are the constants above

POSTGRESQL_DROP = f"""
DROP TRIGGER IF EXISTS {WORKLOG}_request_inserted ON {WORKLOG};
DROP TRIGGER IF EXISTS {WORKLOG}_request_updated ON {WORKLOG};
DROP FUNCTION IF EXISTS {WORKLOG}_request_check();
DROP TRIGGER IF EXISTS {REQUEST}_tempo_worklogs_deleted ON {REQUEST};
DROP TRIGGER IF EXISTS {REQUEST}_tempo_worklogs_rekeyed ON {REQUEST};
DROP FUNCTION IF EXISTS {REQUEST}_tempo_worklogs_check();
"""


def on_postgresql(schema_editor) -> bool:
    return schema_editor.connection.vendor == "postgresql"


class AlterFieldOnPostgreSQL(migrations.AlterField):
    """``AlterField`` that changes the database on PostgreSQL only. The model state changes
    on every database."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if on_postgresql(schema_editor):
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if on_postgresql(schema_editor):
            super().database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        return f"{super().describe()} (PostgreSQL only)"

    def reduce(self, operation, app_label):
        return False  # never merged into another AlterField, nor optimized across


def forward(apps, schema_editor):
    if on_postgresql(schema_editor):
        schema_editor.execute(POSTGRESQL)


def backward(apps, schema_editor):
    if on_postgresql(schema_editor):
        schema_editor.execute(POSTGRESQL_DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("jsm", "0009_worklog_request_index_in_covering"),
        ("tempo_integration", "0011_worklog_request_index_in_covering"),
    ]

    operations = [
        AlterFieldOnPostgreSQL(
            model_name="worklog",
            name="request",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=models.deletion.CASCADE,
                related_name="tempo_worklogs",
                to="jsm.request",
            ),
        ),
        migrations.RunPython(forward, backward, elidable=False),
    ]
