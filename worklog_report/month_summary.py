"""Worklogs summed per request and month, kept by the database (docs/product.md §8).

A report over months (This year, a quarter, the contract's year) adds up tens of thousands of
worklogs per page at 500,000 worklogs. Its hours per request and month are the same on every
view until a worklog changes, so on PostgreSQL a summary table holds them: one row per
(request, month, approved) with the worklog count and the seconds summed four ways — as they
are, and each worklog rounded up to 15, 30 and 60 minutes (the project's rounding,
``portal.models.ReportSettings.Rounding``). A report reads whole months from the summary and
only the period's partial edge months (and day charts) from the worklogs.

Nothing in the app writes the summary. Statement-level ``AFTER INSERT / UPDATE / DELETE``
triggers on the worklog table, with transition tables, add what a statement inserted and
subtract what it deleted (an update does both), so every writer is covered: the syncs'
upserts, the webhook drains, deletions, cascades, ``QuerySet.update`` of approvals, raw SQL.
One statement costs one grouped ``INSERT … ON CONFLICT`` per direction, whatever its row
count; an update moves only the rows whose request, day, seconds or approval changed (a
re-read rewriting a worklog as it was moves nothing), and a ``TRUNCATE`` empties the summary.
Each statement takes the summary's rows in key order, so concurrent writers queue instead
of deadlocking. Sources: PostgreSQL 15 manual, CREATE TRIGGER ("REFERENCING … TABLE", a trigger with
transition tables may name one event only; INSERT … ON CONFLICT DO UPDATE fires the INSERT
and the UPDATE statement triggers, each with its own rows) and §43.10 (PL/pgSQL triggers).

SQLite has row-level triggers only (one upsert per worklog would slow every sync); there the
summary stays empty and reports read the worklogs (``available``): the 500k target is
PostgreSQL's.
"""

from __future__ import annotations

from django.db import connection, migrations, models

# The roundings a summary row carries, in minutes, each with its column (0: not rounded).
ROUNDINGS = {0: "seconds", 15: "seconds_15", 30: "seconds_30", 60: "seconds_60"}


def available(using=None) -> bool:
    """Whether the summaries are kept: on PostgreSQL (its triggers), not on SQLite."""
    return (using or connection).vendor == "postgresql"


def seconds_column(rounding_minutes: int) -> str:
    """The summary column of seconds rounded up per worklog to ``rounding_minutes`` (0, 15,
    30 or 60); KeyError for another value (the settings' check constraint allows no other)."""
    return ROUNDINGS[rounding_minutes]


class MonthSummary(models.Model):
    """One request's worklogs that started in one month (``month``: its first day, the
    worker's local day as the worklog's ``start_date``), apart for approved and not approved
    ones: how many, and their seconds (``seconds``: as stored; ``seconds_15|30|60``: each
    worklog rounded up first). Written only by the database's triggers (see the module)."""

    request = models.ForeignKey(
        "jsm.Request",
        on_delete=models.DO_NOTHING,  # its worklogs' deletion empties the row first
        db_constraint=False,
        db_index=False,  # the unique key below starts with it
        related_name="+",
    )
    month = models.DateField()
    approved = models.BooleanField()
    worklogs = models.BigIntegerField()
    seconds = models.BigIntegerField()
    seconds_15 = models.BigIntegerField()
    seconds_30 = models.BigIntegerField()
    seconds_60 = models.BigIntegerField()

    class Meta:
        abstract = True
        constraints = [
            # The triggers' ON CONFLICT target; it also serves the reports' lookups.
            models.UniqueConstraint(
                fields=["request", "month", "approved"], name="%(app_label)s_%(class)s_key"
            )
        ]


# Table, column and expression names below come from the migrations' constants, never from
# input: these builders splice identifiers only (ruff's S608 is about values).


def _sums(rows: str, sign: str, seconds: str, approved: str | None) -> str:
    """Rows of (request_id, month, approved, count, sums…) of ``rows`` with ``sign``, in key
    order: every statement locks summary rows in the same order, so two writers of the same
    rows wait for each other instead of deadlocking."""
    rounded = ", ".join(
        f"{sign}sum(({seconds}::bigint + {m * 60 - 1}) / {m * 60} * {m * 60})" for m in (15, 30, 60)
    )
    return (
        "SELECT request_id, date_trunc('month', start_date::timestamp)::date, "  # noqa: S608
        f"{approved or 'false'}, {sign}count(*), {sign}sum({seconds}::bigint), {rounded} "
        f"FROM {rows} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
    )


def _changed(side: str, seconds: str, approved: str | None) -> str:
    """The rows of an UPDATE's ``side`` (old_rows or new_rows) whose request, day, seconds
    or approval changed: a re-read that rewrites a worklog as it was moves no sum."""
    columns = ["request_id", "start_date", seconds, *([approved] if approved else [])]
    old = ", ".join(f"o.{c}" for c in columns)
    new = ", ".join(f"n.{c}" for c in columns)
    alias = "o" if side == "old_rows" else "n"
    return (
        f"(SELECT {alias}.* FROM old_rows o JOIN new_rows n ON n.id = o.id "  # noqa: S608
        f"WHERE ({old}) IS DISTINCT FROM ({new})) changed"
    )


def apply_function_sql(summary: str, seconds: str, approved: str | None = None) -> str:
    """The SQL creating (or replacing) ``{summary}_apply()``, the function of the
    triggers of ``trigger_sql``.

    Every statement runs through ``EXECUTE``: planned on each call for the rows it has.
    PL/pgSQL plans a static statement on its first call and keeps that plan for the
    connection's life, and a transition table's size is part of the plan. ``INSERT … ON
    CONFLICT DO UPDATE`` fires the UPDATE trigger (and the INSERT one) even when it writes no
    row, so a connection's first upsert cached plans made for empty tables: the join of an
    UPDATE's old and new rows (``_changed``) a nested loop, and an UPDATE of 5,000 changed
    worklogs at 490,000 took 3.85 s instead of 0.10 s (its three joins compared 25 million
    pairs each); the removal of emptied rows a scan of the whole summary per statement.
    Planning each call costs well under a millisecond. Source: PostgreSQL 15 manual,
    §43.11.2 (Plan Caching) and §43.5.4 (Executing Dynamic Commands).
    """
    columns = ", ".join(["worklogs", *ROUNDINGS.values()])
    add = ", ".join(f"{c} = s.{c} + EXCLUDED.{c}" for c in ["worklogs", *ROUNDINGS.values()])

    def upsert(rows: str, sign: str) -> str:
        return (
            f"INSERT INTO {summary} AS s (request_id, month, approved, {columns}) "
            f"{_sums(rows, sign, seconds, approved)} "
            f"ON CONFLICT (request_id, month, approved) DO UPDATE SET {add}"
        )

    def drop_empty(rows: str) -> str:
        return f"""DELETE FROM {summary} s USING (SELECT DISTINCT request_id,
        date_trunc('month', start_date::timestamp)::date AS month,
        {approved or "false"} AS approved FROM {rows}) o
      WHERE s.request_id = o.request_id AND s.month = o.month AND s.approved = o.approved
        AND s.worklogs = 0"""  # noqa: S608

    def planned_each_call(statement: str) -> str:
        return f"EXECUTE $sql${statement}$sql$;"

    old_changed = _changed("old_rows", seconds, approved)
    new_changed = _changed("new_rows", seconds, approved)
    return f"""
CREATE OR REPLACE FUNCTION {summary}_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {planned_each_call(upsert("new_rows", ""))}
  ELSIF TG_OP = 'DELETE' THEN
    {planned_each_call(upsert("old_rows", "-"))}
    {planned_each_call(drop_empty("old_rows"))}
  ELSE
    {planned_each_call(upsert(old_changed, "-"))}
    {planned_each_call(upsert(new_changed, ""))}
    {planned_each_call(drop_empty(old_changed))}
  END IF;
  RETURN NULL;
END $$;
"""  # noqa: S608


def trigger_sql(source: str, summary: str, seconds: str, approved: str | None = None) -> str:
    """The SQL creating the triggers that keep ``summary`` equal to ``source``'s worklogs.

    ``source``/``summary``: table names; ``seconds``: the column summed; ``approved``: the
    worklog's approval column (Tempo's ``approved``), None where there is none (Jira's:
    every row false). Run by a migration on PostgreSQL only (``available``), with
    ``backfill_sql`` after it. The functions are created from this code when the migration
    runs: a change of ``apply_function_sql`` needs a new migration that replaces it
    (``function_replaced``), a change of the triggers one that drops and re-creates them
    (``drop_sql``).
    """
    function = f"{summary}_apply"
    return f"""{apply_function_sql(summary, seconds, approved)}
CREATE FUNCTION {summary}_empty() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- DELETE, not TRUNCATE: a TRUNCATE naming both tables (Django's flush) has the summary in
  -- use and would refuse a second TRUNCATE of it.
  DELETE FROM {summary};
  RETURN NULL;
END $$;
CREATE TRIGGER {summary}_inserted AFTER INSERT ON {source}
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}();
CREATE TRIGGER {summary}_updated AFTER UPDATE ON {source}
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION {function}();
CREATE TRIGGER {summary}_deleted AFTER DELETE ON {source}
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}();
CREATE TRIGGER {summary}_truncated AFTER TRUNCATE ON {source}
  FOR EACH STATEMENT EXECUTE FUNCTION {summary}_empty();
"""  # noqa: S608


def backfill_sql(source: str, summary: str, seconds: str, approved: str | None = None) -> str:
    """The SQL filling ``summary`` from the worklogs already stored (after ``trigger_sql``),
    then gathering its statistics: without them the planner takes a new table for a few
    rows and picks nested loops over thousands (autovacuum would only analyze it later).
    The worklogs are locked against writes meanwhile (reads go on), so no write falls
    between the recount and the summary."""
    columns = ", ".join(["worklogs", *ROUNDINGS.values()])
    return (
        f"LOCK TABLE {source} IN SHARE MODE; DELETE FROM {summary}; "  # noqa: S608
        f"INSERT INTO {summary} (request_id, month, approved, {columns}) "
        f"{_sums(source, '', seconds, approved)}; ANALYZE {summary};"
    )


def drop_sql(source: str, summary: str) -> str:
    """The SQL removing what ``trigger_sql`` created (a migration's reverse)."""
    triggers = ("inserted", "updated", "deleted", "truncated")
    return " ".join(
        [f"DROP TRIGGER IF EXISTS {summary}_{t} ON {source};" for t in triggers]
        + [f"DROP FUNCTION IF EXISTS {summary}_apply(); DROP FUNCTION IF EXISTS {summary}_empty();"]
    )


def kept_by_triggers(source: str, summary: str, seconds: str, approved: str | None = None):
    """A migration operation that creates the triggers and fills ``summary`` on PostgreSQL
    (nothing on SQLite: ``available``); its reverse drops them."""

    def forward(apps, schema_editor):
        if available(schema_editor.connection):
            schema_editor.execute(trigger_sql(source, summary, seconds, approved))
            schema_editor.execute(backfill_sql(source, summary, seconds, approved))

    def backward(apps, schema_editor):
        if available(schema_editor.connection):
            schema_editor.execute(drop_sql(source, summary))

    return migrations.RunPython(forward, backward, elidable=False)


def function_replaced(summary: str, seconds: str, approved: str | None = None):
    """A migration operation that replaces ``{summary}_apply()`` with the one
    ``apply_function_sql`` makes now, on PostgreSQL (nothing on SQLite). Its reverse keeps
    the new function: every version sums the same rows."""

    def forward(apps, schema_editor):
        if available(schema_editor.connection):
            schema_editor.execute(apply_function_sql(summary, seconds, approved))

    return migrations.RunPython(forward, migrations.RunPython.noop, elidable=False)
