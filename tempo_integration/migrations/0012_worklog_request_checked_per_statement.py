"""A worklog's request is checked by triggers, per statement, instead of a foreign key.

Why: PostgreSQL checks a foreign key row by row — one look-up of the request (and a lock)
per new worklog, at commit for Django's deferred constraints: about 60 ms of a 5,000-worklog
page's write, a third of the database's work in a first full sync (docs/benchmarks.md). The
same guarantee costs one statement per write here:

- writing worklogs (an INSERT, or an UPDATE that changes their request): an ``AFTER …
  FOR EACH STATEMENT`` trigger with the statement's new rows locks their requests ``FOR KEY
  SHARE`` — the lock a foreign key check takes, so the requests cannot be deleted (or their
  key changed) until the writer's transaction ends — and refuses the statement when fewer
  requests were found than the rows name (one deleted meanwhile, or never there);
- deleting requests: an ``AFTER DELETE … FOR EACH STATEMENT`` trigger refuses the statement
  when a worklog still names one of them (Django's cascade deletes the worklogs first);
- changing a request's key (never done: Django does not update primary keys): a row
  trigger refuses it while worklogs name the old key.

Both sides raise ``foreign_key_violation`` (Django's ``IntegrityError``), as the foreign key
did. One difference: the check runs at the end of each statement, not at commit (the
foreign key was ``DEFERRABLE INITIALLY DEFERRED``); every writer writes a request before its
worklogs and deletes worklogs before their request, so none relies on the deferral.
Concurrency is the foreign key's: a request deleted by a transaction that has not committed
makes the worklogs' lock wait, then find it gone and refuse; worklogs written by a
transaction that has not committed make the deletion wait for their lock, then (read
committed: a new snapshot per statement) see them and refuse. A ``TRUNCATE`` of the requests
alone is no longer refused (Django's ``flush`` truncates both). Sources: PostgreSQL 15
manual, CREATE TRIGGER (transition tables), SELECT (The Locking Clause: ``FOR KEY SHARE``
is what foreign key checks take), §13.2.1 (read committed).

SQLite has no statement triggers with transition tables: there row triggers do the same
checks (as its foreign keys did, row by row). SQLite drops a table's triggers when Django
rebuilds the table in a later migration: tests/tempo_integration/test_worklog_request_check.py
then fails, and that migration must run ``SQLITE`` again.
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
  IF TG_OP = 'INSERT' THEN
    SELECT count(DISTINCT request_id) INTO named FROM new_rows;
    SELECT count(*) INTO locked FROM (SELECT 1 FROM {REQUEST} r
      WHERE r.id IN (SELECT request_id FROM new_rows) ORDER BY r.id FOR KEY SHARE OF r) l;
  ELSE
    SELECT count(DISTINCT n.request_id) INTO named FROM new_rows n
      JOIN old_rows o ON o.id = n.id WHERE o.request_id <> n.request_id;
    IF named = 0 THEN
      RETURN NULL;
    END IF;
    SELECT count(*) INTO locked FROM (SELECT 1 FROM {REQUEST} r WHERE r.id IN (
        SELECT n.request_id FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE o.request_id <> n.request_id)
      ORDER BY r.id FOR KEY SHARE OF r) l;
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
CREATE TRIGGER {WORKLOG}_request_updated AFTER UPDATE ON {WORKLOG}
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION {WORKLOG}_request_check();
CREATE FUNCTION {REQUEST}_tempo_worklogs_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM 1 FROM {WORKLOG} w WHERE w.request_id IN (SELECT id FROM old_rows) LIMIT 1;
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

_REFUSE = "BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed'); END"
# Only while SQLite's foreign keys are on, as a foreign key would: Django turns them off
# to flush a test database (a DELETE per table, requests before worklogs) and to rebuild
# tables.
_ON = "(SELECT foreign_keys FROM pragma_foreign_keys())"
SQLITE = [
    f"CREATE TRIGGER {WORKLOG}_request_inserted BEFORE INSERT ON {WORKLOG} WHEN {_ON} "
    f"AND NOT EXISTS (SELECT 1 FROM {REQUEST} WHERE id = NEW.request_id) {_REFUSE}",
    f"CREATE TRIGGER {WORKLOG}_request_updated BEFORE UPDATE OF request_id ON {WORKLOG} "
    f"WHEN {_ON} AND NEW.request_id IS NOT OLD.request_id "
    f"AND NOT EXISTS (SELECT 1 FROM {REQUEST} WHERE id = NEW.request_id) {_REFUSE}",
    f"CREATE TRIGGER {REQUEST}_tempo_worklogs_deleted BEFORE DELETE ON {REQUEST} WHEN {_ON} "
    f"AND EXISTS (SELECT 1 FROM {WORKLOG} WHERE request_id = OLD.id) {_REFUSE}",
    f"CREATE TRIGGER {REQUEST}_tempo_worklogs_rekeyed BEFORE UPDATE OF id ON {REQUEST} "
    f"WHEN {_ON} AND NEW.id IS NOT OLD.id "
    f"AND EXISTS (SELECT 1 FROM {WORKLOG} WHERE request_id = OLD.id) {_REFUSE}",
]
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {WORKLOG}_request_inserted",
    f"DROP TRIGGER IF EXISTS {WORKLOG}_request_updated",
    f"DROP TRIGGER IF EXISTS {REQUEST}_tempo_worklogs_deleted",
    f"DROP TRIGGER IF EXISTS {REQUEST}_tempo_worklogs_rekeyed",
]


def _run(schema_editor, postgresql: str, sqlite: list[str]) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(postgresql)
    elif vendor == "sqlite":
        for statement in sqlite:
            schema_editor.execute(statement)
    else:  # pragma: no cover - the app runs on these two
        raise NotImplementedError(f"No request check for {vendor}.")


def forward(apps, schema_editor):
    _run(schema_editor, POSTGRESQL, SQLITE)


def backward(apps, schema_editor):
    _run(schema_editor, POSTGRESQL_DROP, SQLITE_DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("jsm", "0009_worklog_request_index_in_covering"),
        ("tempo_integration", "0011_worklog_request_index_in_covering"),
    ]

    operations = [
        migrations.AlterField(
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
