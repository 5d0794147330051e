"""`manage.py rebuild_month_summaries`: refill the month summaries from the worklogs.

PostgreSQL's triggers keep them (worklog_report/month_summary.py); only rows written with the
triggers off — a restore with ``--disable-triggers``, ``session_replication_role = replica`` —
leave them behind. This recounts both in one transaction (about 2 s at 490,000 worklogs).
Nothing to do on SQLite, which keeps none.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from jsm.models import JiraWorklog, JiraWorklogMonth
from worklog_report import month_summary

from ...models import Worklog, WorklogMonth

SUMMARIES = (
    (Worklog, WorklogMonth, "billable_seconds", "approved"),
    (JiraWorklog, JiraWorklogMonth, "time_spent_seconds", None),
)


class Command(BaseCommand):
    help = "Refill the month summaries of Tempo and Jira worklogs from the worklogs (PostgreSQL)."

    def handle(self, *args, **options) -> None:
        if not month_summary.available():
            self.stdout.write("Nothing to do: SQLite keeps no month summaries.")
            return
        with transaction.atomic(), connection.cursor() as cursor:
            for source, summary, seconds, approved in SUMMARIES:
                cursor.execute(
                    month_summary.backfill_sql(
                        source._meta.db_table, summary._meta.db_table, seconds, approved
                    )
                )
        rows = WorklogMonth.objects.count() + JiraWorklogMonth.objects.count()
        self.stdout.write(f"Month summaries refilled: {rows:,} rows.")
