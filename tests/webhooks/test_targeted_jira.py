"""The targeted sync of Jira issues and worklogs a webhook announced (webhooks.draining,
jsm.changes)."""

from __future__ import annotations

import json
import re

import pytest
import responses
from django.utils import timezone

from jsm.models import Customer, JiraProject, JiraWorklog, Organization, Request
from portal.models import ReportSettings
from sync.locks import sync_lock
from sync.signals import data_changed
from tests.jsm.fake_jira import BASE, FakeJira, user
from webhooks import draining
from webhooks.models import PendingChange

pytestmark = pytest.mark.django_db

ALICE = user("acc-alice", "alice@acme.example", "Alice Anders")
BOB = user("acc-bob", "bob@acme.example", "Bob Baker")
DAN = user("acc-dan", "dan@acme.example", "Dan Dover")
ACME = {"id": "1", "name": "Acme"}
GLOBEX = {"id": "2", "name": "Globex"}


class SearchById(FakeJira):
    """FakeJira whose search also answers ``id in (…)``, with the ``project`` field."""

    def _search(self, request):
        body = json.loads(request.body)
        match = re.fullmatch(r"id in \(([\d, ]+)\)", body["jql"])
        if match is None:
            return super()._search(request)
        self.calls += 1
        wanted = {i.strip() for i in match.group(1).split(",")}
        found = [
            {**issue, "fields": {**issue["fields"], "project": self._project(pid, issue)}}
            for pid, issues in self.issues.items()
            for issue in issues
            if issue["id"] in wanted and issue["id"] not in self.omit_once
        ]
        self.omit_once -= wanted
        self.searched = getattr(self, "searched", []) + [body["jql"]]
        return 200, {}, json.dumps({"issues": found, "isLast": True})


@pytest.fixture
def stored(db):
    itsd = JiraProject.objects.create(jira_id="10000", key="ITSD", name="IT", service_desk_id="1")
    JiraProject.objects.create(jira_id="10001", key="SUP", name="Sup", service_desk_id="2")
    ReportSettings.objects.create(project=itsd, enabled=True, hours_source="jira_logged")
    alice = Customer.objects.create(account_id="acc-alice", email="alice@acme.example")
    Customer.objects.create(account_id="acc-bob", email="bob@acme.example")
    acme = Organization.objects.create(jira_id="1", name="Acme")
    Organization.objects.create(jira_id="2", name="Globex")
    request = Request.objects.create(
        jira_id="20001",
        key="ITSD-1",
        project=itsd,
        summary="Old summary",
        status="Open",
        reporter=alice,
        created=timezone.now(),
        updated=timezone.now(),
    )
    request.organizations.add(acme)
    return itsd


@pytest.fixture
def jira(stored, settings):
    settings.JIRA_BASE_URL = BASE
    settings.JIRA_EMAIL = "admin@example.com"
    settings.JIRA_API_TOKEN = "jira-api-token-123"
    settings.JIRA_RETRY_BUDGET = 0
    fake = SearchById()
    fake.add_project("10000", "ITSD", "IT Service Desk", "1")
    fake.add_project("10001", "SUP", "Customer Support", "2")
    fake.add_issue(
        "10000", "20001", "ITSD-1", ALICE, participants=[BOB, DAN], orgs=[GLOBEX], summary="New"
    )
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake.install(rsps)
        fake.rsps = rsps
        yield fake


def pending_issue(*ids):
    for jira_id in ids:
        PendingChange.objects.create(kind="jira_issue", remote_id=jira_id)


def test_an_updated_issue_is_read_again(jira, stored):
    heard = []
    data_changed.connect(receiver := lambda sender, **kw: heard.append(kw))
    pending_issue("20001")
    draining.drain()
    data_changed.disconnect(receiver)
    request = Request.objects.get(jira_id="20001")
    assert request.summary == "New"
    assert sorted(request.participants.values_list("account_id", flat=True)) == [
        "acc-bob",
        "acc-dan",
    ]
    assert list(request.organizations.values_list("name", flat=True)) == ["Globex"]
    assert Customer.objects.get(account_id="acc-dan").email == "dan@acme.example"
    assert PendingChange.objects.count() == 0
    assert heard[0]["source"] == "jira"
    assert heard[0]["project_ids"] == [stored.pk]


def test_a_new_issue_becomes_a_request(jira):
    jira.add_issue("10001", "20009", "SUP-9", BOB)
    pending_issue("20009")
    draining.drain()
    assert Request.objects.get(jira_id="20009").project.key == "SUP"


def test_an_issue_the_search_leaves_out_is_read_directly_and_kept(jira):
    jira.omit_once.add("20001")
    pending_issue("20001")
    draining.drain()
    assert Request.objects.get(jira_id="20001").summary == "New"


def test_a_deleted_issue_is_removed_once_jira_answers_404(jira):
    jira.delete_issue("20001")
    pending_issue("20001")
    draining.drain()
    assert not Request.objects.filter(jira_id="20001").exists()
    assert PendingChange.objects.count() == 0


def test_a_deleted_event_for_an_issue_that_still_answers_keeps_it(jira):
    jira.omit_once.add("20001")  # the search is behind; the direct read still answers
    pending_issue("20001")
    draining.drain()
    assert Request.objects.filter(jira_id="20001").exists()


def test_an_issue_of_a_project_not_stored_is_skipped(jira):
    jira.issues["30000"] = []
    jira.add_issue("30000", "20010", "DEV-1", BOB)
    pending_issue("20010")
    draining.drain()
    assert not Request.objects.filter(jira_id="20010").exists()
    assert PendingChange.objects.count() == 0


def test_a_jira_error_leaves_the_change_pending(jira):
    jira.rsps.replace(responses.POST, f"{BASE}/rest/api/3/search/jql", status=503, body="down")
    pending_issue("20001")
    assert draining.drain()["jira"] == "error"
    assert PendingChange.objects.count() == 1
    assert Request.objects.get(jira_id="20001").summary == "Old summary"


def test_a_running_jira_sync_leaves_the_changes_pending(jira):
    pending_issue("20001")
    with sync_lock("jira"):
        assert draining.drain()["jira"] == "sync running"
    assert PendingChange.objects.count() == 1


def test_a_worklog_change_reads_the_issue_worklogs(jira):
    agent = user("agent-1", "agent@provider.example", "Agent Smith")
    jira.add_worklog(501, "20001", 3600, agent)
    request = Request.objects.get(jira_id="20001")
    JiraWorklog.objects.create(
        jira_id="499",
        request=request,
        author_account_id="agent-1",
        time_spent_seconds=60,
        start_date=timezone.localdate(),
        jira_updated_at=timezone.now(),
    )
    PendingChange.objects.create(kind="jira_worklog", remote_id="501", issue_id="20001")
    draining.drain()
    assert list(JiraWorklog.objects.values_list("jira_id", "time_spent_seconds")) == [
        ("501", 3600)
    ]  # 499 gone: the issue no longer lists it and /worklog/list confirms it
    assert PendingChange.objects.count() == 0


def test_a_worklog_change_of_a_tempo_project_reads_nothing(jira, stored):
    ReportSettings.objects.filter(project=stored).update(hours_source="tempo_billable")
    agent = user("agent-1", "agent@provider.example", "Agent Smith")
    jira.add_worklog(501, "20001", 3600, agent)
    PendingChange.objects.create(kind="jira_worklog", remote_id="501", issue_id="20001")
    calls = jira.calls
    draining.drain()
    assert jira.calls == calls
    assert not JiraWorklog.objects.exists()
    assert PendingChange.objects.count() == 0
