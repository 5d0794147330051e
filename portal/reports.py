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

from django.db.models import DateField, F, QuerySet, Sum, Window
from django.db.models.functions import Cast, DenseRank, TruncDay, TruncMonth

from jsm.models import JiraWorklog, Request, Worker
from sync.models import SyncRun
from tempo_integration.models import TempoIntegration, Worklog

from .models import ReportSettings
from .periods import Period, add_months


def hours_available(report_settings: ReportSettings) -> bool:
    """Whether the project's hours have a working source (docs/product.md §5.2).

    Tempo billable hours need a stored token that Tempo has not refused, and a sync that has
    read the project with it: after a Revoke the synced worklogs are gone (and the project's
    sync state with them) until a new token's first read, and while the token is Invalid
    they are no longer kept. On approved timesheets only, the approvals must have been read
    too, and not refused (403): without them approved hours are unknown, not 0. Without
    either, a report would say "no work" where the truth is "no data". Jira's logged time is
    always available. Reads the project's ``tempo_sync_state`` (select it with the project to
    save a query).
    """
    if not report_settings.shows_tempo_hours:
        return True
    if not tempo_worklogs_read(report_settings):
        return False
    if report_settings.approved_only:
        state = report_settings.project.tempo_sync_state
        return state.approvals_synced_at is not None and not state.approvals_problem
    return True


def tempo_worklogs_read(report_settings: ReportSettings) -> bool:
    """A working Tempo integration has read the project's worklogs (see ``hours_available``)."""
    integration = TempoIntegration.current()
    if integration is None or not integration.is_active:
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
    timesheet is not approved yet ("awaiting approval"; one query). 0 on other settings,
    without a query."""
    if not report_settings.approved_only:
        return 0
    total = Worklog.objects.filter(
        request__in=requests,
        start_date__gte=period.start,
        start_date__lte=period.end,
        approved=False,
    ).aggregate(seconds=Sum(report_settings.shown_seconds()))["seconds"]
    return int(total or 0)


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

    @property
    def total_seconds(self) -> int:
        return sum(row.seconds for row in self.rows)


def report_aggregate(report_settings, requests, period: Period):
    """The one SQL aggregate behind the page: shown seconds per request and chart bucket.

    Rows, total and chart are all folded from it in Python, so the worklogs are read once.
    Each row also says where its request comes in the table (``newest``: 1 for the most
    recently created request), numbered by the database: the bucket comes as a date and the
    creation time not at all, because turning thousands of timestamps with a time zone into
    Python objects was a third of the page's time at 500,000 worklogs (docs/product.md §8).
    """
    trunc = TruncDay if period.by_day else TruncMonth
    return (
        worklogs_in(report_settings, requests, period)
        .annotate(bucket=Cast(trunc("start_date"), DateField()))
        .values(
            "request_id",
            "request__key",
            "request__summary",
            "request__status",
            "request__status_category",
            "bucket",
        )
        .annotate(seconds=Sum(report_settings.shown_seconds()))
        .annotate(
            newest=Window(
                DenseRank(), order_by=[F("request__created").desc(), F("request_id").desc()]
            )
        )
        .order_by()
    )


def build_report(report_settings, requests, period: Period) -> Report:
    rows: dict[int, RequestRow] = {}
    place: dict[int, int] = {}
    per_bucket: dict[dt.date, int] = {}
    for r in report_aggregate(report_settings, requests, period):
        seconds = r["seconds"] or 0
        bucket = _as_date(r["bucket"])
        per_bucket[bucket] = per_bucket.get(bucket, 0) + seconds
        row = rows.get(r["request_id"])
        if row is None:
            row = rows[r["request_id"]] = RequestRow(
                request_id=r["request_id"],
                key=r["request__key"],
                summary=r["request__summary"],
                status=r["request__status"],
                status_category=r["request__status_category"],
                seconds=0,
            )
            place[row.request_id] = r["newest"]
        row.seconds += seconds
    ordered = sorted(
        (row for row in rows.values() if row.seconds > 0),
        key=lambda row: place[row.request_id],  # newest request first
    )
    return Report(
        period=period,
        rows=ordered,
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
        .values_list("finished_at", flat=True)
        .first()
    )


def _as_date(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value
