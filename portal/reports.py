"""The Worklog Report's numbers, computed with SQL aggregates (docs/product.md §5.2, §8).

Every function here takes the queryset of visible requests from ``portal.visibility`` and
returns plain data; the number of queries never depends on how many requests or worklogs
there are. Hours follow the project's settings, which own the rules
(``ReportSettings.source``: Tempo billable or Jira logged; ``ReportSettings.shown_seconds``:
each worklog rounded up, in SQL), so totals, rows, chart, CSV and contracts agree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import DateField, QuerySet, Sum
from django.db.models.functions import Cast, TruncDay, TruncMonth

from jsm.models import JiraWorklog, Request, Worker
from sync.models import SyncRun
from tempo_integration.models import TempoIntegration, Worklog
from worklog_report import month_summary

from .models import ReportSettings
from .periods import Period, add_months, month_end


def hours_available(
    report_settings: ReportSettings, integration_active: bool | None = None
) -> bool:
    """Whether the project's hours have a working source (docs/product.md §5.2).

    Tempo billable hours need a stored token that Tempo has not refused, and a sync that has
    read the project with it: after a Revoke the synced worklogs are gone (and the project's
    sync state with them) until a new token's first read, and while the token is Invalid
    they are no longer kept. On approved timesheets only, the approvals must have been read
    too, and not refused (403): without them approved hours are unknown, not 0. Without
    either, a report would say "no work" where the truth is "no data". Jira's logged time is
    always available. Reads the project's ``tempo_sync_state`` (select it with the project to
    save a query), and the Tempo integration unless ``integration_active`` says whether it is
    active (``report_cache.page_state`` reads it with the data's version).
    """
    if not report_settings.shows_tempo_hours:
        return True
    if not tempo_worklogs_read(report_settings, integration_active):
        return False
    if report_settings.approved_only:
        state = report_settings.project.tempo_sync_state
        return state.approvals_synced_at is not None and not state.approvals_problem
    return True


def tempo_worklogs_read(
    report_settings: ReportSettings, integration_active: bool | None = None
) -> bool:
    """A working Tempo integration has read the project's worklogs (see ``hours_available``)."""
    if integration_active is None:
        integration = TempoIntegration.current()
        integration_active = integration is not None and integration.is_active
    if not integration_active:
        return False
    state = getattr(report_settings.project, "tempo_sync_state", None)
    return state is not None and state.last_full_sync_at is not None


def worklogs_in(
    report_settings: ReportSettings, requests: QuerySet[Request], period: Period
) -> QuerySet:
    """The worklogs that count (on approved timesheets only: the approved ones)."""
    return report_settings.counted_worklogs().filter(
        request__in=requests, start_date__gte=period.start, start_date__lte=period.end
    )


def pending_seconds(
    report_settings: ReportSettings, requests: QuerySet[Request], period: Period
) -> int:
    """On approved timesheets only: the shown seconds of the period's worklogs whose
    timesheet is not approved yet ("awaiting approval"; one query, over the month summary for
    whole months on PostgreSQL as ``report_aggregate``). 0 on other settings, without a
    query."""
    if not report_settings.approved_only:
        return 0
    months = whole_months(period)
    if months is None or not month_summary.available():
        total = Worklog.objects.filter(
            request__in=requests,
            start_date__gte=period.start,
            start_date__lte=period.end,
            approved=False,
        ).aggregate(seconds=Sum(report_settings.shown_seconds()))["seconds"]
        return int(total or 0)
    try:
        per_month, params = _per_month_sql(report_settings, requests, period, months, False)
    except EmptyResultSet:  # nothing visible
        return 0
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT SUM(per.seconds) FROM ({per_month}) per (r, m, seconds)", params)  # noqa: S608
        return int(cursor.fetchone()[0] or 0)


@dataclass
class RequestRow:
    request_id: int
    key: str
    summary: str
    status: str
    status_category: str
    seconds: int


@dataclass
class ChartBar:
    start: dt.date
    label: str
    seconds: int


@dataclass
class Report:
    period: Period
    rows: list[RequestRow]
    bars: list[ChartBar] = field(default_factory=list)
    # On approved timesheets only: seconds awaiting approval, in no total, row or bar.
    pending_seconds: int = 0

    @cached_property
    def total_seconds(self) -> int:
        return sum(row.seconds for row in self.rows)


def report_as_tuples(report: Report) -> tuple:
    """``report`` as plain tuples, for the report cache: unpickling a thousand dataclass
    instances cost more than the rest of a cached page (``report_from_tuples`` undoes it).
    Fields are read by hand: ``dataclasses.astuple`` deep-copies every value, which cost
    18 ms for the 1,200 rows of a large organization's year, more than the report's SQL."""
    return (
        [
            (r.request_id, r.key, r.summary, r.status, r.status_category, r.seconds)
            for r in report.rows
        ],
        [(b.start, b.label, b.seconds) for b in report.bars],
        report.pending_seconds,
    )


def report_from_tuples(period: Period, data: tuple) -> Report:
    """The ``Report`` of ``period`` that ``report_as_tuples`` made ``data`` of."""
    rows, bars, pending = data
    return Report(
        period=period,
        rows=[RequestRow(*row) for row in rows],
        bars=[ChartBar(*bar) for bar in bars],
        pending_seconds=pending,
    )


def report_aggregate(report_settings, requests, period: Period) -> list[tuple]:
    """The one SQL statement behind the page's numbers, folded by the database.

    Rows of (request_id, key, summary, status, status_category, None, seconds) — one per
    visible request with shown seconds in the period (more than 0), newest request first —
    then rows of (None, None, None, None, None, bucket, seconds), one per chart bucket with
    worklogs (``bucket``: the day, or the month's first day, as a date). Shown seconds follow
    the project's hours source, approvals and rounding. Rows, total and chart come from it
    without a loop over worklogs in Python: at 500,000 worklogs folding 3,000 (request,
    month) rows in Python cost as much as the database's work (docs/product.md §8).

    A period of months on PostgreSQL reads its whole months from the month summary
    (``worklog_report.month_summary``) and only its partial edge months from the worklogs;
    a period of days, and SQLite, read the worklogs. Either way one statement.
    """
    months = whole_months(period)
    try:
        if period.by_day or months is None or not month_summary.available():
            per_bucket, params = _per_bucket_of_worklogs(report_settings, requests, period)
        else:
            approved = True if report_settings.approved_only else None
            per_bucket, params = _per_month_sql(report_settings, requests, period, months, approved)
    except EmptyResultSet:  # nothing visible (e.g. ``Request.objects.none()``)
        return []
    # The parts are the ORM's own SQL with their parameters; only a table name is spliced.
    statement = f"""
        WITH per (request_id, bucket, seconds) AS ({per_bucket})
        SELECT * FROM (
            SELECT r.id, r.key, r.summary, r.status, r.status_category, NULL,
                   CAST(t.seconds AS BIGINT),
                   ROW_NUMBER() OVER (ORDER BY r.created DESC, r.id DESC) AS newest
            FROM (SELECT request_id, SUM(seconds) AS seconds FROM per GROUP BY request_id) t
            JOIN {Request._meta.db_table} r ON r.id = t.request_id
            WHERE t.seconds > 0
            UNION ALL
            SELECT NULL, NULL, NULL, NULL, NULL, bucket, CAST(SUM(seconds) AS BIGINT), NULL
            FROM per GROUP BY bucket
        ) folded ORDER BY newest IS NULL, newest
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return [row[:7] for row in cursor.fetchall()]


def _per_bucket_of_worklogs(report_settings, requests, period: Period) -> tuple[str, list]:
    """SQL and parameters of rows (request_id, bucket, seconds) read from the worklogs:
    buckets of days for a period of a month or less, else of months."""
    trunc = TruncDay if period.by_day else TruncMonth
    queryset = _per_bucket(report_settings, worklogs_in(report_settings, requests, period), trunc)
    sql, params = queryset.query.sql_with_params()
    return sql, list(params)


def _per_bucket(report_settings, worklogs: QuerySet, trunc) -> QuerySet:
    """(request_id, bucket, shown seconds) of ``worklogs`` per request and ``trunc`` bucket
    (``TruncDay`` or ``TruncMonth``), the bucket as a date."""
    return (
        worklogs.annotate(bucket=Cast(trunc("start_date"), DateField()))
        .values("request_id", "bucket")
        .annotate(seconds=Sum(report_settings.shown_seconds()))
        .values_list("request_id", "bucket", "seconds")
        .order_by()
    )


def whole_months(period: Period) -> tuple[dt.date, dt.date] | None:
    """The first days of the first and last months that lie wholly in ``period``, or None
    when no month does."""
    first = period.start if period.start.day == 1 else add_months(period.start.replace(day=1), 1)
    last = period.end.replace(day=1)
    if period.end != month_end(period.end):
        last = add_months(last, -1)
    return (first, last) if first <= last else None


def _per_month_sql(report_settings, requests, period, months, approved: bool | None):
    """SQL and parameters of rows (request_id, bucket, seconds): the shown seconds of
    ``requests`` per month of ``period`` — the whole ``months`` from the source's summary,
    the edges from its worklogs (PostgreSQL). ``approved``: only approved worklogs (True),
    only the others (False), or all (None)."""
    source = report_settings.source
    first, last = months
    column = month_summary.seconds_column(report_settings.rounding_minutes)
    summary = source.summary.objects.filter(request__in=requests, month__gte=first, month__lte=last)
    worklogs = source.model.objects.filter(request__in=requests)
    if approved is not None:
        summary = summary.filter(approved=approved)
        worklogs = worklogs.filter(approved=approved)
    parts = [
        summary.values("request_id", "month")
        .annotate(seconds=Sum(column))
        .values_list("request_id", "month", "seconds")
        .order_by()
    ]
    for start, end in (
        (period.start, first - dt.timedelta(days=1)),
        (add_months(last, 1), period.end),
    ):
        if start <= end:
            edge = worklogs.filter(start_date__gte=start, start_date__lte=end)
            parts.append(_per_bucket(report_settings, edge, TruncMonth))
    sql, params = [], []
    for queryset in parts:
        part_sql, part_params = queryset.query.sql_with_params()
        sql.append(f"({part_sql})")
        params.extend(part_params)
    return " UNION ALL ".join(sql), params


def build_report(report_settings, requests, period: Period) -> Report:
    """The report of ``requests`` over ``period``: its rows (newest request first), chart
    and, on approved timesheets only, the seconds awaiting approval (two queries at most)."""
    rows: list[RequestRow] = []
    per_bucket: dict[dt.date, int] = {}
    for request_id, key, summary, status, category, bucket, seconds in report_aggregate(
        report_settings, requests, period
    ):
        if request_id is None:
            per_bucket[_as_date(bucket)] = seconds
        else:
            rows.append(RequestRow(request_id, key, summary, status, category, seconds))
    return Report(
        period=period,
        rows=rows,
        bars=_bars(per_bucket, period),
        pending_seconds=pending_seconds(report_settings, requests, period),
    )


def request_rows(report_settings, requests, period: Period) -> list[RequestRow]:
    """One row per visible request with hours in the period, newest request first."""
    return build_report(report_settings, requests, period).rows


def _bars(per_bucket: dict[dt.date, int], period: Period) -> list[ChartBar]:
    """Every bucket of the period (days for a month or less, else months), zeros included."""
    bars = []
    day = period.start if period.by_day else period.start.replace(day=1)
    while day <= period.end:
        label = f"{day:%-d}" if period.by_day else f"{day:%b %Y}"
        bars.append(ChartBar(day, label, per_bucket.get(day, 0)))
        day = day + dt.timedelta(days=1) if period.by_day else add_months(day, 1)
    return bars


@dataclass
class WorklogLine:
    date: dt.date
    seconds: int
    description: str
    worker: str
    # A Jira worklog restricted to a group or role: its hours count, its comment was never
    # stored, and the description says INTERNAL_WORKLOG instead.
    internal: bool = False


# What an internal worklog's line shows where the description would be.
INTERNAL_WORKLOG = "Internal worklog"


def worklog_lines(report_settings, request: Request, period: Period) -> list[WorklogLine]:
    """The worklogs behind one request's hours in the period, oldest first."""
    source = report_settings.source
    fields = ["start_date", "shown", "description", "author_account_id"]
    if source.model is JiraWorklog:
        fields.append("internal")  # Tempo has no restricted worklogs
    rows = list(
        report_settings.counted_worklogs()
        .filter(request=request, start_date__gte=period.start, start_date__lte=period.end)
        .annotate(shown=report_settings.shown_seconds())
        .filter(shown__gt=0)
        .order_by("start_date", "pk")
        .values(*fields)
    )
    names = {}
    if report_settings.show_worker_names:
        names = dict(
            Worker.objects.filter(
                account_id__in={r["author_account_id"] for r in rows}
            ).values_list("account_id", "display_name")
        )
    return [
        WorklogLine(
            date=r["start_date"],
            seconds=r["shown"],
            description=_description(r) if report_settings.show_descriptions else "",
            worker=names.get(r["author_account_id"], "")
            if report_settings.show_worker_names
            else "",
            internal=r.get("internal", False),
        )
        for r in rows
    ]


def _description(row: dict) -> str:
    # The sync stores no comment for an internal worklog; the page does not rely on it.
    return INTERNAL_WORKLOG if row.get("internal") else row["description"]


def last_updated(report_settings) -> dt.datetime | None:
    """When the data behind the hours last arrived: the end of the newest run that read this
    project — a successful one, or one that succeeded partly while this project was read.
    A project whose last read failed (``sync_problem`` / Tempo's ``problem``) counts only
    fully successful runs, so its page never claims fresher data than it has."""
    return last_updated_query(report_settings).first()


def last_updated_query(report_settings) -> QuerySet:
    """``last_updated`` as a query of one value (at most one row), to read with others."""
    source = report_settings.source
    project = report_settings.project
    if source.sync_kind == SyncRun.Kind.JIRA:
        troubled = bool(project.sync_problem)
    else:
        troubled = bool(getattr(getattr(project, "tempo_sync_state", None), "problem", ""))
    statuses = [SyncRun.Status.SUCCEEDED]
    if not troubled:
        statuses.append(SyncRun.Status.PARTLY)
    return (
        SyncRun.objects.filter(kind=source.sync_kind, status__in=statuses)
        .order_by("-finished_at")
        .values_list("finished_at", flat=True)[:1]
    )


def _as_date(value) -> dt.date:
    """A bucket as the database gave it (a date; SQLite's raw cursor: "YYYY-MM-DD")."""
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    return value.date() if isinstance(value, dt.datetime) else value
