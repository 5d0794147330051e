"""The measurements of `make bench` (docs/product.md §8), one function each.

Each works on the app database Django is connected to and on a running sandbox whose
demo data is already seeded; `bench/run.py` drives them over several sizes, and the smoke
test in `make test` drives them at tiny sizes to keep the exact invariants honest.
Ratios are measured side by side in one run, alternating the two sides, median of repeats.
"""

from __future__ import annotations

import csv as csv_module
import datetime as dt
import io
import math
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jsm.models import Customer, JiraProject, Organization, Request
from portal.models import Contract, ReportSettings
from portal.periods import Period, preset_period
from portal.reports import build_report, report_aggregate, request_rows
from portal.templatetags.hours import decimal_hours
from portal.visibility import ORGANIZATION, requests_visible_to
from sync.runs import sync_jira, sync_tempo
from tempo_integration.client import MAX_PAGE_SIZE, TempoClient
from tempo_integration.models import ProjectSyncState, TempoIntegration, Worklog, WorklogMonth
from tempo_integration.sync import enabled_projects
from worklog_report.heap import long_lived_objects_frozen


@dataclass
class Prepared:
    token: str
    customer_user: object
    organization: Organization
    projects: list[JiraProject]
    worklogs_per_project: dict[str, int]
    period: Period


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def side_by_side(
    a: Callable[[], object], b: Callable[[], object], repeat: int
) -> tuple[float, float]:
    """Median seconds of a and b, run alternately so machine noise hits both alike."""
    times_a, times_b = [], []
    for _ in range(repeat):
        times_a.append(timed(a))
        times_b.append(timed(b))
    return statistics.median(times_a), statistics.median(times_b)


def sync_and_enable() -> None:
    """Sync Jira, enable every project with organization sharing: what ``prepare`` sets up
    from the sandbox alone, which bench/app_cache.py keeps between runs (no token: it is
    minted per sandbox and encrypted with this process's keys)."""
    run = sync_jira()
    assert run.status == "succeeded", run.error
    for project in JiraProject.objects.order_by("key"):
        settings = ReportSettings.for_project(project)
        settings.enabled = True
        settings.visibility = ReportSettings.Visibility.ORGANIZATIONS
        settings.save()


def prepare(
    sandbox, page_size: int = MAX_PAGE_SIZE, *, count: bool = True, synced: bool = False
) -> Prepared:
    """Sync Jira, enable every project with organization sharing (``sync_and_enable``, left
    out when ``synced``: the database already holds it), store a new token.

    ``count``: download every project's worklogs once to count them (the expected number
    of sync requests); without it ``worklogs_per_project`` is empty until a
    ``download_everything(prepared, page_size, count_into=prepared.worklogs_per_project)``
    fills it (the benchmark's timed download does, saving one whole download at 500k)."""
    if not synced:
        sync_and_enable()
    admin, _ = get_user_model().objects.get_or_create(username="bench-admin", is_staff=True)
    token = sandbox.client.mint_token(name="bench", scopes={"worklogs": "view"})
    TempoIntegration.store(token, admin)
    projects = list(JiraProject.objects.order_by("key"))
    # The largest organization (by shared requests) and one of its members with an account.
    organization = max(Organization.objects.all(), key=lambda o: o.requests.count())
    member = Customer.objects.filter(organizations=organization, user__isnull=False).first()
    per_project: dict[str, int] = {}
    if count:
        download_everything_with(token, projects, page_size, per_project)
    today = timezone.localdate()
    period = Period(today - dt.timedelta(days=400), today, "custom")
    return Prepared(token, member.user, organization, projects, per_project, period)


def download_pages(client: TempoClient, project: JiraProject, page_size: int = MAX_PAGE_SIZE):
    """The physical limit of a sync: Tempo's pages downloaded and parsed, nothing stored."""
    yield from client.iter_pages(
        f"/4/worklogs/project/{int(project.jira_id)}", {"limit": page_size}
    )


def download_everything(
    prepared: Prepared, page_size: int = MAX_PAGE_SIZE, count_into: dict | None = None
) -> int:
    """Every page a full sync reads, through one client like the sync's (same spacing);
    the worklogs of each project are counted into ``count_into`` when given."""
    return download_everything_with(prepared.token, prepared.projects, page_size, count_into)


def download_everything_with(token, projects, page_size: int, count_into: dict | None) -> int:
    """The pages read as the sync reads them: through one client, under the sync's garbage
    collection (``sync.runs``: the objects alive before are frozen)."""
    total = 0
    with TempoClient(token) as client, long_lived_objects_frozen():
        for project in projects:
            n = sum(len(page["results"]) for page in download_pages(client, project, page_size))
            if count_into is not None:
                count_into[project.jira_id] = n
            total += n
    return total


def forget_worklogs() -> None:
    """Every stored worklog gone, in one DELETE: not the ORM's delete, which loads each row
    and sends it a post_delete signal (the portal listens) — minutes at 500,000 worklogs,
    and not what a benchmark of the sync measures."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(Worklog._meta.db_table)}")  # noqa: S608
    ProjectSyncState.objects.all().delete()
    settle()


def settle() -> None:
    """On PostgreSQL, VACUUM (ANALYZE) the worklogs and their month summaries, as autovacuum
    would in production: a full sync after forgetting every worklog otherwise writes beside
    as many dead rows, the report reads an index twice its size, and the planner plans the
    refilled summary with the statistics of its emptied one. Never timed."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        for model in (Worklog, WorklogMonth):
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(model._meta.db_table)}")


def full_sync(page_size: int = MAX_PAGE_SIZE):
    forget_worklogs()
    run = sync_tempo(full=True, page_size=page_size)
    assert run.status == "succeeded", run.error
    return run


def expected_requests(prepared: Prepared, page_size: int = MAX_PAGE_SIZE) -> int:
    # An empty project still costs one request (its empty first page).
    return sum(max(1, math.ceil(n / page_size)) for n in prepared.worklogs_per_project.values())


def sync_memory_peak(page_size: int = MAX_PAGE_SIZE) -> int:
    """The tracemalloc peak of a full sync (tracemalloc traces every thread: the page
    being downloaded in the background counts too)."""
    forget_worklogs()
    tracemalloc.start()
    try:
        sync_tempo(full=True, page_size=page_size)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def page_memory(prepared: Prepared, page_size: int = MAX_PAGE_SIZE) -> int:
    """Peak Python memory of fetching and parsing the largest project's first page alone:
    the unit in which a sync's memory may grow (one page in flight at a time)."""
    project = largest_project(prepared)
    with TempoClient(prepared.token) as client:
        tracemalloc.start()
        try:
            page = client.get_page(
                f"/4/worklogs/project/{int(project.jira_id)}", {"limit": page_size}
            )
            return tracemalloc.get_traced_memory()[1] if page else 0
        finally:
            tracemalloc.stop()


def this_year_url(prepared: Prepared, project: JiraProject, csv: bool = False) -> str:
    """The largest organization's **This year** (the report's period choice)."""
    url = f"/portal/{project.key}/worklog-report/?period=this_year&scope=organization"
    return url + ("&format=csv" if csv else "")


def add_contract(prepared: Prepared) -> Contract:
    """A monthly contract of the largest organization on the largest project over this
    year, so the report page shows the contract panel (its usage is part of the page)."""
    project = largest_project(prepared)
    today = timezone.localdate()
    contract, _ = Contract.objects.get_or_create(
        project=project,
        organization=prepared.organization,
        start_date=today.replace(month=1, day=1),
        end_date=today.replace(month=12, day=31),
        defaults={"hours": 10_000, "type": Contract.Type.MONTHLY, "description": "bench"},
    )
    return contract


def computing_reports():
    """The report cache off (``REPORT_CACHE_SECONDS=0``): every page computes its report, as
    the first page after a change of the data does (portal/report_cache.py)."""
    return override_settings(REPORT_CACHE_SECONDS=0)


def report_p95(
    prepared: Prepared, requests: int = 20, *, cached: bool = False
) -> tuple[float, float, str]:
    """(p95, median, what was shown) in seconds over ``requests`` GETs of the largest
    organization's This year on the largest project, after one warm-up GET. Each GET
    computes its report — the cache is emptied before it, untimed — unless ``cached``: then
    they read the report the warm-up computed (the pages between two changes of the data)."""
    client = report_client(prepared)
    url = this_year_url(prepared, largest_project(prepared))
    first = client.get(url, secure=True)
    assert first.status_code == 200, first.status_code
    shown = "contract panel shown" if b"contract" in first.content.lower() else "no contract"
    times = []
    for _ in range(requests):
        if not cached:
            cache.clear()
        started = time.perf_counter()
        response = client.get(url, secure=True)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    return percentile(times, 95), statistics.median(times), shown


def percentile(values: list[float], pct: float) -> float:
    """The nearest-rank percentile (p95 of 20 values: the 19th smallest)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def report_vs_csv(prepared: Prepared) -> dict[str, object]:
    """The report of the largest organization's This year against its CSV export: the
    CSV's total line, the sum of its rows and the report's own total, in hours."""
    project = largest_project(prepared)
    settings = ReportSettings.objects.get(project=project)
    visible = requests_visible_to(prepared.customer_user, project, settings, ORGANIZATION)
    report = build_report(settings, visible, preset_period("this_year", timezone.localdate()))
    response = report_client(prepared).get(this_year_url(prepared, project, csv=True), secure=True)
    assert response.status_code == 200, response.status_code
    lines = list(csv_module.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    body, total_line = lines[1:-1], lines[-1]
    rows_sum = sum((Decimal(line[3]) for line in body), Decimal(0))
    # Each row is rounded to 0.01 h on its own: their sum may differ by half a cent a row.
    equal = (
        total_line[3] == decimal_hours(report.total_seconds)
        and [line[0] for line in body] == [row.key for row in report.rows]
        and [line[3] for line in body] == [decimal_hours(row.seconds) for row in report.rows]
        and abs(rows_sum - Decimal(report.total_seconds) / 3600)
        <= Decimal("0.005") * max(1, len(body))
    )
    return {
        "report_hours": report.total_seconds / 3600,
        "csv_total_hours": float(total_line[3]),
        "csv_rows_hours": float(rows_sum),
        "rows": len(body),
        "equal": equal,
    }


def report_url(prepared: Prepared, project: JiraProject) -> str:
    p = prepared.period
    return (
        f"/portal/{project.key}/worklog-report/?scope=organization"
        f"&from={p.start:%Y-%m-%d}&to={p.end:%Y-%m-%d}"
    )


def largest_project(prepared: Prepared) -> JiraProject:
    return max(prepared.projects, key=lambda p: prepared.worklogs_per_project[p.jira_id])


def report_client(prepared: Prepared) -> Client:
    client = Client()
    client.force_login(prepared.customer_user)
    return client


def report_queries(prepared: Prepared) -> int:
    client = report_client(prepared)
    url = report_url(prepared, largest_project(prepared))
    client.get(url, secure=True)  # the session is loaded once either way
    cache.clear()  # the page computes its report (a cached one reads fewer)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, secure=True)
    assert response.status_code == 200, response.status_code
    assert len(queries) > 0
    return len(queries)


def report_vs_aggregate(prepared: Prepared, repeat: int) -> tuple[float, float, int]:
    """(page seconds, aggregate seconds, worklogs in the report) for the largest org."""
    project = largest_project(prepared)
    settings = ReportSettings.objects.get(project=project)
    client = report_client(prepared)
    url = report_url(prepared, project)
    visible = requests_visible_to(prepared.customer_user, project, settings, ORGANIZATION)

    def page():
        with computing_reports():  # the page's own aggregate, not a cached report
            assert client.get(url, secure=True).status_code == 200

    def aggregate():
        list(report_aggregate(settings, visible, prepared.period))

    page()  # warm up: templates compiled, session cached
    page_s, aggregate_s = side_by_side(page, aggregate, repeat)
    worklogs = Worklog.objects.filter(
        request__in=visible,
        start_date__range=(prepared.period.start, prepared.period.end),
    ).count()
    return page_s, aggregate_s, worklogs


def peer_report(prepared: Prepared) -> dict[str, int]:
    """What an app without a local store does on every view: fetch the project's worklogs
    for the period from Tempo and add up the visible requests' billable seconds."""
    project = largest_project(prepared)
    settings = ReportSettings.objects.get(project=project)
    visible = dict(
        requests_visible_to(prepared.customer_user, project, settings, ORGANIZATION).values_list(
            "jira_id", "key"
        )
    )
    totals: dict[str, int] = {}
    p = prepared.period
    with TempoClient(prepared.token) as client:
        for page in client.iter_pages(
            f"/4/worklogs/project/{int(project.jira_id)}",
            {"from": f"{p.start:%Y-%m-%d}", "to": f"{p.end:%Y-%m-%d}", "limit": MAX_PAGE_SIZE},
        ):
            for item in page["results"]:
                key = visible.get(str(item["issue"]["id"]))
                if key:
                    totals[key] = totals.get(key, 0) + int(item.get("billableSeconds") or 0)
    return totals


def ours_equals_peer(prepared: Prepared) -> bool:
    """Both designs must report the same hours, or the comparison means nothing."""
    project = largest_project(prepared)
    settings = ReportSettings.objects.get(project=project)
    visible = requests_visible_to(prepared.customer_user, project, settings, ORGANIZATION)
    ours = {row.key: row.seconds for row in request_rows(settings, visible, prepared.period)}
    peer = {k: v for k, v in peer_report(prepared).items() if v}
    return ours == peer


def requests_in_enabled_projects() -> int:
    return Request.objects.filter(project__in=enabled_projects()).count()


def loglog_slope(xs: list[float], ys: list[float]) -> float | None:
    """The exponent k of y ≈ c·x^k by least squares on logs (1 = linear)."""
    points = [(math.log(x), math.log(y)) for x, y in zip(xs, ys, strict=True) if x > 0 and y > 0]
    if len(points) < 2:
        return None
    mean_x = sum(p[0] for p in points) / len(points)
    mean_y = sum(p[1] for p in points) / len(points)
    var = sum((p[0] - mean_x) ** 2 for p in points)
    if not var:
        return None
    return sum((p[0] - mean_x) * (p[1] - mean_y) for p in points) / var
