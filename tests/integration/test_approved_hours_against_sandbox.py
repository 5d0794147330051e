"""Approved hours only (issue 18 §4) against the real sandbox process: the pending hours are
the sandbox's worklogs whose timesheet is not approved; approving a timesheet in the sandbox
moves its hours into the total at the next sync, and reopening it moves them back."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest
import requests as http
from django.db.models import Sum
from django.utils import timezone

from jsm.models import JiraProject, Request
from portal.models import ReportSettings
from portal.periods import Period
from portal.reports import build_report, hours_available
from sync.models import SyncRun
from sync.runs import sync_jira, sync_tempo
from tempo_integration import approvals
from tempo_integration.models import ProjectSyncState, TempoIntegration, Worklog

pytestmark = pytest.mark.integration

EVERYTHING = Period(dt.date(2000, 1, 1), dt.date(2100, 12, 31), "custom")


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


@pytest.fixture
def itsd(fresh_sandbox, admin_user):
    assert sync_jira().status == SyncRun.Status.SUCCEEDED
    project = JiraProject.objects.get(key="ITSD")
    ReportSettings.objects.update_or_create(
        project=project,
        defaults={"enabled": True, "hours_source": ReportSettings.HoursSource.TEMPO_APPROVED},
    )
    return project


def settings_of(project) -> ReportSettings:
    return ReportSettings.objects.select_related("project__tempo_sync_state").get(project=project)


def sandbox_statuses(sandbox, token, project) -> dict[tuple[str, dt.date], str]:
    """The sandbox's status of every (author, month) with a worklog of the project, read
    directly from its Tempo (not through the app's sync)."""
    pairs = set(
        Worklog.objects.filter(request__project=project)
        .values_list("author_account_id", "start_date")
        .distinct()
    )
    statuses = {}
    for account, first in {(a, month_of(day)) for a, day in pairs}:
        answer = http.get(
            f"{sandbox.tempo_url}/4/timesheet-approvals/user/{account}",
            params={"from": first.isoformat()},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        answer.raise_for_status()
        statuses[(account, first)] = answer.json()["status"]["key"]
    return statuses


def seconds_by_pair(project) -> dict[tuple[str, dt.date], int]:
    seconds: defaultdict[tuple[str, dt.date], int] = defaultdict(int)
    rows = (
        Worklog.objects.filter(request__project=project)
        .values("author_account_id", "start_date")
        .annotate(s=Sum("billable_seconds"))
    )
    for row in rows:
        seconds[(row["author_account_id"], month_of(row["start_date"]))] += row["s"]
    return seconds


def report_numbers(project) -> tuple[int, int]:
    report = build_report(settings_of(project), Request.objects.filter(project=project), EVERYTHING)
    return report.total_seconds, report.pending_seconds


def test_pending_hours_follow_the_sandbox_approvals(fresh_sandbox, itsd, admin_user):
    token = fresh_sandbox.client.mint_token(full=True)
    TempoIntegration.store(token, admin_user)
    run = sync_tempo()
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert hours_available(settings_of(itsd))

    statuses = sandbox_statuses(fresh_sandbox, token, itsd)
    seconds = seconds_by_pair(itsd)
    assert set(statuses.values()) - {"APPROVED"}, "the demo has timesheets not yet approved"
    expected_pending = sum(s for pair, s in seconds.items() if statuses[pair] != "APPROVED")
    expected_total = sum(s for pair, s in seconds.items() if statuses[pair] == "APPROVED")
    total, pending = report_numbers(itsd)
    assert (total, pending) == (expected_total, expected_pending)
    assert pending > 0

    # A pending timesheet of a recent period, with hours: approve it in the sandbox.
    recent = approvals.recent_start(timezone.localdate())
    pair = next(
        p
        for p, status in sorted(statuses.items())
        if status != "APPROVED" and p[1] >= recent and seconds[p] > 0
    )
    moved = seconds[pair]
    fresh_sandbox.client.set_timesheet_approval(pair[0], pair[1].isoformat(), "APPROVED")
    assert sync_tempo().status == SyncRun.Status.SUCCEEDED
    assert report_numbers(itsd) == (total + moved, pending - moved)

    # Reopened: OPEN again in Tempo, so its hours are pending again after the next sync.
    fresh_sandbox.client.set_timesheet_approval(
        pair[0], pair[1].isoformat(), "OPEN", "Reopened: please fix the hours"
    )
    assert sync_tempo().status == SyncRun.Status.SUCCEEDED
    assert report_numbers(itsd) == (total, pending)


def test_a_token_without_the_approvals_scope_keeps_the_worklogs_and_says_why(
    fresh_sandbox, itsd, admin_user
):
    token = fresh_sandbox.client.mint_token(scopes={"worklogs": "view"})
    TempoIntegration.store(token, admin_user)
    run = sync_tempo()
    assert run.status == SyncRun.Status.PARTLY
    assert Worklog.objects.filter(request__project=itsd).exists()
    state = ProjectSyncState.objects.get(project=itsd)
    assert state.approvals_problem == approvals.refused(itsd) == state.problem
    assert "(the token has no Approvals scope): approved-only hours cannot be shown." in (
        state.problem
    )
    assert not hours_available(settings_of(itsd))  # unavailable, never 0
