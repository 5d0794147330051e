"""The measurements of `make bench` (docs/product.md §8), one function each.

Each works on the app database Django is connected to and on a running sandbox whose
demo data is already seeded; `bench/run.py` drives them over several sizes, and the smoke
test in `make test` drives them at tiny sizes to keep the exact invariants honest.
Ratios are measured side by side in one run, alternating the two sides, median of repeats.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jsm.models import Customer, JiraProject, Organization, Request
from portal.models import ReportSettings
from portal.periods import Period
from portal.reports import report_aggregate, request_rows
from portal.visibility import ORGANIZATION, requests_visible_to
from sync.runs import sync_jira, sync_tempo
from tempo_integration.client import MAX_PAGE_SIZE, TempoClient
from tempo_integration.models import ProjectSyncState, TempoIntegration, Worklog
from tempo_integration.sync import enabled_projects


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


def prepare(sandbox, page_size: int = MAX_PAGE_SIZE) -> Prepared:
    """Sync Jira, store a token, enable every project with organization sharing."""
    run = sync_jira()
    assert run.status == "succeeded", run.error
    admin, _ = get_user_model().objects.get_or_create(username="bench-admin", is_staff=True)
    token = sandbox.client.mint_token(name="bench", scopes={"worklogs": "view"})
    TempoIntegration.store(token, admin)
    projects = list(JiraProject.objects.order_by("key"))
    for project in projects:
        settings = ReportSettings.for_project(project)
        settings.enabled = True
        settings.visibility = ReportSettings.Visibility.ORGANIZATIONS
        settings.save()
    # The largest organization (by shared requests) and one of its members with an account.
    organization = max(Organization.objects.all(), key=lambda o: o.requests.count())
    member = Customer.objects.filter(organizations=organization, user__isnull=False).first()
    with TempoClient(token) as client:
        per_project = {
            p.jira_id: sum(len(page["results"]) for page in download_pages(client, p, page_size))
            for p in projects
        }
    today = timezone.localdate()
    period = Period(today - dt.timedelta(days=400), today, "custom")
    return Prepared(token, member.user, organization, projects, per_project, period)


def download_pages(client: TempoClient, project: JiraProject, page_size: int = MAX_PAGE_SIZE):
    """The physical limit of a sync: Tempo's pages downloaded and parsed, nothing stored."""
    yield from client.iter_pages(
        f"/4/worklogs/project/{int(project.jira_id)}", {"limit": page_size}
    )


def download_everything(prepared: Prepared, page_size: int = MAX_PAGE_SIZE) -> int:
    """Every page a full sync reads, through one client like the sync's (same spacing)."""
    with TempoClient(prepared.token) as client:
        return sum(
            len(page["results"])
            for project in prepared.projects
            for page in download_pages(client, project, page_size)
        )


def forget_worklogs() -> None:
    Worklog.objects.all().delete()
    ProjectSyncState.objects.all().delete()


def full_sync(page_size: int = MAX_PAGE_SIZE):
    forget_worklogs()
    run = sync_tempo(full=True, page_size=page_size)
    assert run.status == "succeeded", run.error
    return run


def expected_requests(prepared: Prepared, page_size: int = MAX_PAGE_SIZE) -> int:
    # An empty project still costs one request (its empty first page).
    return sum(max(1, math.ceil(n / page_size)) for n in prepared.worklogs_per_project.values())


def sync_memory_peak(page_size: int = MAX_PAGE_SIZE) -> int:
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
