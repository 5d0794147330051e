"""Timesheet approvals read by the Tempo sync for projects on approved timesheets only
(docs/product.md §6), against Tempo mocked with `responses`."""

from __future__ import annotations

import datetime as dt
import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from django.conf import settings as django_settings
from django.utils import timezone

from portal.models import ReportSettings
from sync.models import SyncRun
from sync.runs import sync_tempo
from tempo_integration import approvals
from tempo_integration.client import TempoClient, TempoScopeError
from tempo_integration.models import (
    ProjectSyncState,
    TempoIntegration,
    TimesheetApproval,
    Worklog,
)
from tempo_integration.records import TimesheetPeriod

from .fake_tempo import worklog

APPROVALS_URL = re.compile(
    rf"{re.escape(django_settings.TEMPO_BASE_URL)}/4/timesheet-approvals/user/([^/?]+).*"
)
TODAY = timezone.localdate()
RECENT = TODAY.replace(day=1)
OLD = (RECENT - dt.timedelta(days=200)).replace(day=10)


def month(day: dt.date) -> tuple[dt.date, dt.date]:
    first = day.replace(day=1)
    return first, (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


class FakeApprovals:
    """`GET /4/timesheet-approvals/user/{accountId}?from=`: one object for the monthly period
    holding `from`; OPEN unless set; 404 for accounts in `unknown`; `status` overrides all."""

    def __init__(self):
        self.statuses: dict[tuple[str, dt.date], str] = {}
        self.unknown: set[str] = set()
        self.status: int | None = None
        self.calls: list[tuple[str, str]] = []

    def set(self, account: str, day: dt.date, status: str) -> None:
        self.statuses[(account, month(day)[0])] = status

    def callback(self, request):
        url = urlsplit(request.url)
        account = url.path.rsplit("/", 1)[1]
        day = parse_qs(url.query)["from"][0]
        self.calls.append((account, day))
        if self.status is not None:
            return self.status, {}, json.dumps({"errors": [{"message": "Refused"}]})
        if account in self.unknown:
            body = {"errors": [{"message": f"User with accountId {account} does not exist"}]}
            return 404, {}, json.dumps(body)
        first, last = month(dt.date.fromisoformat(day))
        body = {
            "self": request.url,
            "user": {"self": "https://x.atlassian.net/user", "accountId": account},
            "period": {"from": first.isoformat(), "to": last.isoformat()},
            "requiredSeconds": 0,
            "timeSpentSeconds": 0,
            "status": {
                "key": self.statuses.get((account, first), "OPEN"),
                "comment": "",
                "actor": {"self": "https://x.atlassian.net/user", "accountId": account},
                "updatedAt": "2026-11-01T10:00:00Z",
            },
        }
        return 200, {}, json.dumps(body)


def authored(item: dict, account: str) -> dict:
    item["author"]["accountId"] = account
    return item


@pytest.fixture
def fake(tempo, projects):
    """ITSD on approved timesheets only; its worklogs: 1 (agent-1, an old month), 2 and 3
    (agent-1 and agent-2, this month)."""
    itsd, _ = projects
    ReportSettings.objects.filter(project=itsd).update(
        hours_source=ReportSettings.HoursSource.TEMPO_APPROVED
    )
    tempo.worklogs[10000] = [
        worklog(1, 20001, day=OLD.isoformat(), updated="2026-10-01T10:00:00Z"),
        worklog(2, 20001, day=RECENT.isoformat(), updated="2026-10-02T10:00:00Z"),
        authored(
            worklog(3, 20002, day=RECENT.isoformat(), updated="2026-10-03T10:00:00Z"),
            "agent-2",
        ),
    ]
    approvals_fake = FakeApprovals()
    tempo.rsps.add_callback(responses.GET, APPROVALS_URL, approvals_fake.callback)
    return approvals_fake


def approved() -> dict[int, bool]:
    return dict(Worklog.objects.values_list("tempo_id", "approved"))


def test_each_worklog_counts_once_its_timesheet_is_approved(fake):
    fake.set("agent-1", OLD, "APPROVED")
    fake.set("agent-1", RECENT, "IN_REVIEW")
    fake.set("agent-2", RECENT, "APPROVED")
    run = sync_tempo()
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert approved() == {1: True, 2: False, 3: True}
    # One read per author and period.
    assert sorted(fake.calls) == [
        ("agent-1", OLD.isoformat()),
        ("agent-1", RECENT.isoformat()),
        ("agent-2", RECENT.isoformat()),
    ]
    assert run.counts["approvals_read"] == 3
    stored = {
        (a.account_id, a.period_start): (a.status, a.period_end)
        for a in TimesheetApproval.objects.all()
    }
    assert stored[("agent-1", month(OLD)[0])] == ("APPROVED", month(OLD)[1])
    assert stored[("agent-2", RECENT)][0] == "APPROVED"
    state = ProjectSyncState.objects.get()
    assert state.approvals_synced_at is not None and state.approvals_problem == ""


def test_a_period_with_many_worklogs_is_read_once_per_run(fake, tempo, projects):
    fake.set("agent-1", RECENT, "APPROVED")
    tempo.worklogs[10000].append(worklog(6, 20002, day=(RECENT + dt.timedelta(days=1)).isoformat()))
    # SUP on approved timesheets too, with agent-1's work of this month: already read.
    _, sup = projects
    ReportSettings.objects.filter(project=sup).update(
        enabled=True, hours_source=ReportSettings.HoursSource.TEMPO_APPROVED
    )
    tempo.worklogs[10001] = [worklog(5, 20003, day=RECENT.isoformat())]
    sync_tempo()
    assert fake.calls.count(("agent-1", RECENT.isoformat())) == 1
    assert approved()[5] and approved()[6]


def test_a_reopened_timesheet_moves_hours_back_to_pending(fake):
    fake.set("agent-1", RECENT, "APPROVED")
    sync_tempo()
    assert approved()[2]
    fake.set("agent-1", RECENT, "OPEN")  # reopened: Tempo says OPEN again
    sync_tempo()
    assert not approved()[2]
    assert TimesheetApproval.objects.get(account_id="agent-1", period_start=RECENT).status == (
        "OPEN"
    )


def test_marking_writes_only_the_worklogs_whose_flag_flips(fake):
    fake.set("agent-1", OLD, "APPROVED")
    fake.set("agent-2", RECENT, "APPROVED")
    sync_tempo()
    assert approved() == {1: True, 2: False, 3: True}
    worklogs = Worklog.objects.all()
    # Read again unchanged: nothing flips, nothing is written.
    assert approvals.mark_approved(worklogs) == 0
    # agent-1's recent month approved, agent-2's reopened: one flip each way.
    TimesheetApproval.objects.filter(account_id="agent-1", period_start=RECENT).update(
        status=TimesheetApproval.Status.APPROVED
    )
    TimesheetApproval.objects.filter(account_id="agent-2").update(
        status=TimesheetApproval.Status.OPEN
    )
    assert approvals.mark_approved(worklogs) == 2
    assert approved() == {1: True, 2: True, 3: False}


def test_an_incremental_sync_rereads_recent_periods_only_and_the_full_one_all(fake):
    sync_tempo()
    fake.calls.clear()
    sync_tempo()
    assert ("agent-1", OLD.isoformat()) not in fake.calls
    assert ("agent-1", RECENT.isoformat()) in fake.calls
    fake.calls.clear()
    sync_tempo(full=True)
    assert ("agent-1", OLD.isoformat()) in fake.calls


def test_a_403_does_not_fail_the_worklog_sync(fake):
    fake.status = 403
    run = sync_tempo()
    assert Worklog.objects.count() == 3  # the worklogs are synced
    assert run.status == SyncRun.Status.PARTLY
    state = ProjectSyncState.objects.get()
    sentence = approvals.refused(state.project)
    assert "(the token has no Approvals scope): approved-only hours cannot be shown." in sentence
    assert state.approvals_problem == sentence and state.problem == sentence
    assert sentence in run.error
    assert TempoIntegration.current().is_active  # not the token's fault for worklogs
    assert len(fake.calls) == 1  # refused once: no other period is asked
    # A token that may read approvals again: the next run reads them all and clears it.
    fake.status = None
    fake.set("agent-1", OLD, "APPROVED")
    run = sync_tempo()
    state.refresh_from_db()
    assert state.approvals_problem == "" and state.problem == ""
    assert approved()[1]


def test_a_401_on_approvals_marks_the_integration_invalid(fake):
    fake.status = 401
    run = sync_tempo()
    assert run.status == SyncRun.Status.FAILED
    assert not TempoIntegration.current().is_active


def test_tempo_unavailable_for_approvals_keeps_the_last_ones(fake, settings):
    fake.set("agent-1", RECENT, "APPROVED")
    sync_tempo()
    fake.status = 400  # a refusal that is neither 401, 403 nor 404
    run = sync_tempo()
    state = ProjectSyncState.objects.get()
    assert "Tempo could not answer the timesheet approvals" in state.problem
    assert state.approvals_problem == ""  # the approvals already read still stand
    assert approved()[2]
    assert run.status == SyncRun.Status.PARTLY


def test_a_user_tempo_does_not_know_stays_pending(fake):
    fake.unknown.add("agent-2")
    fake.set("agent-1", RECENT, "APPROVED")
    run = sync_tempo()
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert approved() == {1: False, 2: True, 3: False}
    assert [c for c in fake.calls if c[0] == "agent-2"] == [("agent-2", RECENT.isoformat())]


def test_projects_on_other_hours_sources_read_no_approvals(fake, projects):
    ReportSettings.objects.update(hours_source=ReportSettings.HoursSource.TEMPO_BILLABLE)
    sync_tempo()
    assert fake.calls == []


def test_a_worklog_moved_into_an_approved_period_is_marked_at_once(fake, tempo):
    fake.set("agent-2", RECENT, "APPROVED")
    sync_tempo()
    assert not approved()[2]
    tempo.worklogs[10000][1] = authored(
        worklog(2, 20001, day=RECENT.isoformat(), updated="2026-10-05T10:00:00Z"), "agent-2"
    )
    sync_tempo()
    assert approved()[2]


def test_recent_start_is_the_first_day_two_months_back():
    assert approvals.recent_start(dt.date(2026, 1, 15)) == dt.date(2025, 11, 1)
    assert approvals.recent_start(dt.date(2026, 12, 1)) == dt.date(2026, 10, 1)


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"user": {"accountId": "a"}, "period": {"from": "2026-11-01"}, "status": {"key": "OPEN"}},
        {
            "user": {"accountId": "a"},
            "period": {"from": "2026-11-01", "to": "2026-11-30"},
            "status": {"key": "REOPENED"},
        },
        [],
    ],
)
def test_what_is_not_an_approval_is_refused(payload):
    with pytest.raises(ValueError):
        TimesheetPeriod.from_api(payload)


@responses.activate
def test_the_client_reads_one_approval_object():
    url = f"{django_settings.TEMPO_BASE_URL}/4/timesheet-approvals/user/557058:abc"
    body = {
        "user": {"accountId": "557058:abc"},
        "period": {"from": "2026-10-01", "to": "2026-10-31"},
        "status": {"key": "IN_REVIEW"},
    }
    responses.get(
        url, json=body, match=[responses.matchers.query_param_matcher({"from": "2026-10-07"})]
    )
    client = TempoClient("t", min_interval=0, sleep=lambda s: None)
    assert client.timesheet_approval("557058:abc", "2026-10-07") == TimesheetPeriod(
        "557058:abc", dt.date(2026, 10, 1), dt.date(2026, 10, 31), "IN_REVIEW"
    )
    responses.replace(responses.GET, url, status=404, json={"errors": [{"message": "No user"}]})
    assert client.timesheet_approval("557058:abc", "2026-10-07") is None
    responses.replace(responses.GET, url, status=403, json={"errors": [{"message": "Scope"}]})
    with pytest.raises(TempoScopeError):
        client.timesheet_approval("557058:abc", "2026-10-07")
