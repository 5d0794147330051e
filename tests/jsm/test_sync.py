"""The Jira sync against an in-memory Jira (tests/jsm/fake_jira.py) with tiny pages."""

from __future__ import annotations

import pytest
import requests
import responses
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jsm.models import Customer, JiraProject, Organization, Request
from sync.locks import SyncAlreadyRunning, is_locked, sync_lock
from sync.models import STOPPED, SyncRun
from sync.runs import sync_jira
from tests.factories import people

from .conftest import ACME, ALICE, BOB
from .fake_jira import BASE


def test_first_sync_brings_in_everything(fake_jira, db):
    run = sync_jira()
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert sorted(JiraProject.objects.values_list("key", flat=True)) == ["ITSD", "SUP"]
    assert Request.objects.count() == 5
    itsd1 = Request.objects.get(key="ITSD-1")
    assert itsd1.reporter.email == "alice@acme.example"  # lower-cased
    assert list(itsd1.participants.values_list("account_id", flat=True)) == ["acc-bob"]
    assert list(itsd1.organizations.values_list("name", flat=True)) == ["Acme"]
    acme = Organization.objects.get(name="Acme")
    assert set(acme.members.values_list("account_id", flat=True)) == {"acc-alice", "acc-bob"}
    assert set(acme.projects.values_list("key", flat=True)) == {"ITSD", "SUP"}
    assert run.counts["requests"] == 5 and run.counts["projects"] == 2
    assert run.requests_made == fake_jira.calls


def test_customer_accounts_for_every_customer_with_an_email(fake_jira, db):
    people.user("bob@acme.example", "bob@acme.example", "pw")
    run = sync_jira()
    users = get_user_model().objects
    assert set(users.values_list("username", flat=True)) == {
        "alice@acme.example",
        "bob@acme.example",
        "carol@globex.example",
    }
    alice = users.get(username="alice@acme.example")
    assert not alice.has_usable_password() and alice.first_name == "Alice"
    assert users.get(username="bob@acme.example").check_password("pw")  # linked, untouched
    assert Customer.objects.get(account_id="acc-bob").user.username == "bob@acme.example"
    assert Customer.objects.get(account_id="acc-hidden").user is None
    assert run.counts["accounts_created"] == 2


def test_second_sync_changes_nothing(fake_jira, db):
    sync_jira()
    before = {
        "requests": list(Request.objects.order_by("pk").values()),
        "customers": list(Customer.objects.order_by("pk").values()),
        "users": get_user_model().objects.count(),
    }
    run = sync_jira()
    assert run.status == SyncRun.Status.SUCCEEDED
    assert list(Request.objects.order_by("pk").values()) == before["requests"]
    assert list(Customer.objects.order_by("pk").values()) == before["customers"]
    assert get_user_model().objects.count() == before["users"]
    assert run.counts["accounts_created"] == 0


def test_changes_and_deletions_in_jira_are_reflected(fake_jira, db):
    sync_jira()
    issues = fake_jira.issues["10000"]
    issues[0]["fields"]["summary"] = "Printer on fire"
    issues[0]["fields"]["customfield_10026"] = None
    del issues[1]  # ITSD-2 deleted in Jira
    fake_jira.members["1"] = [ALICE]  # bob left Acme
    fake_jira.desks = [d for d in fake_jira.desks if d["projectKey"] != "SUP"]
    run = sync_jira()
    assert run.counts["requests_removed"] == 1 and run.counts["projects_removed"] == 1
    itsd1 = Request.objects.get(key="ITSD-1")
    assert itsd1.summary == "Printer on fire"
    assert not itsd1.participants.exists()
    assert not Request.objects.filter(key__in=["ITSD-2", "SUP-1"]).exists()
    assert list(
        Organization.objects.get(name="Acme").members.values_list("account_id", flat=True)
    ) == ["acc-alice"]


def test_an_organization_in_several_projects_has_its_members_read_once(fake_jira, db):
    run = sync_jira()
    member_reads = [
        call.request.url
        for call in fake_jira.rsps.calls
        if "/rest/servicedeskapi/organization/" in call.request.url
    ]
    # Acme serves both projects, Globex one: one read each, not one per project.
    assert sorted(url.split("/organization/")[1].split("/")[0] for url in member_reads) == [
        "1",
        "2",
    ]
    acme = Organization.objects.get(name="Acme")
    assert set(acme.members.values_list("account_id", flat=True)) == {"acc-alice", "acc-bob"}
    assert set(acme.projects.values_list("key", flat=True)) == {"ITSD", "SUP"}
    assert run.requests_made == fake_jira.calls


def test_query_count_does_not_grow_with_requests(fake_jira, db):
    sync_jira()
    # A run with new requests also reads their worklogs: compare one new request with 40.
    fake_jira.add_issue("10000", "29999", "ITSD-99", ALICE, participants=[BOB], orgs=[ACME])
    with CaptureQueriesContext(connection) as small:
        sync_jira()
    for n in range(40):
        fake_jira.add_issue(
            "10000", str(30000 + n), f"ITSD-{100 + n}", ALICE, participants=[BOB], orgs=[ACME]
        )
    with CaptureQueriesContext(connection) as large:
        sync_jira()
    assert Request.objects.count() == 46
    assert len(large) == len(small)


def test_failure_half_way_keeps_the_last_good_data_and_the_next_run_completes(fake_jira, db):
    sync_jira()
    fake_jira.issues["10001"][0]["fields"]["summary"] = "changed"
    fake_jira.issues["10000"][0]["fields"]["summary"] = "changed too"
    # Projects sync in name order: SUP ("Customer Support") reads fine, then ITSD's search
    # fails for longer than the retry budget.
    original_search = fake_jira._search

    def flaky(request):
        body = request.body.decode() if isinstance(request.body, bytes) else request.body
        if "10000" in body:
            return 500, {}, "<html>boom</html>"
        return original_search(request)

    fake_jira.rsps.remove(responses.POST, f"{BASE}/rest/api/3/search/jql")
    fake_jira.rsps.add_callback(responses.POST, f"{BASE}/rest/api/3/search/jql", flaky)
    run = sync_jira()
    # One project's trouble never stops the others (issue 12 §2): the run ends partly.
    assert run.status == SyncRun.Status.PARTLY
    assert run.error.startswith("Jira could not be read for ")
    assert "(ITSD): Jira failed (500)" in run.error
    assert run.error.endswith("Its last synced requests are kept; the next run tries again.")
    assert JiraProject.objects.get(key="ITSD").sync_problem == run.error
    assert JiraProject.objects.get(key="SUP").sync_problem == ""
    assert run.counts["projects"] == 1 and run.counts["projects_failed"] == 1
    assert Request.objects.get(key="SUP-1").summary == "changed"  # committed project
    assert Request.objects.get(key="ITSD-1").summary == "Request ITSD-1"  # untouched project
    assert Request.objects.count() == 5

    fake_jira.rsps.remove(responses.POST, f"{BASE}/rest/api/3/search/jql")
    fake_jira.rsps.add_callback(responses.POST, f"{BASE}/rest/api/3/search/jql", original_search)
    assert sync_jira().status == SyncRun.Status.SUCCEEDED
    assert Request.objects.get(key="ITSD-1").summary == "changed too"
    assert JiraProject.objects.get(key="ITSD").sync_problem == ""


@pytest.mark.parametrize(
    "status,words",
    [(401, "rejected the e-mail address and API token"), (403, "cannot see everything")],
)
def test_refusals_are_recorded_as_sentences(jira_settings, db, status, words):
    with responses.RequestsMock() as rsps:
        rsps.get(f"{BASE}/rest/api/3/field", status=status, json={"errorMessages": ["nope"]})
        run = sync_jira()
    assert run.status == SyncRun.Status.FAILED
    assert words in run.error


def test_garbage_json_is_a_failed_run_not_a_crash(jira_settings, db):
    with responses.RequestsMock() as rsps:
        rsps.get(f"{BASE}/rest/api/3/field", body="{not json", content_type="application/json")
        run = sync_jira()
    assert run.status == SyncRun.Status.FAILED
    assert "not JSON" in run.error


def test_jira_down_is_a_failed_run(jira_settings, db):
    with responses.RequestsMock() as rsps:
        rsps.get(f"{BASE}/rest/api/3/field", body=requests.ConnectionError("refused"))
        run = sync_jira()
    assert run.status == SyncRun.Status.FAILED
    assert "could not be reached" in run.error


def test_not_configured_says_which_settings(settings, db):
    settings.JIRA_BASE_URL = ""
    run = sync_jira()
    assert run.status == SyncRun.Status.FAILED
    assert "JIRA_BASE_URL" in run.error


def test_two_syncs_never_overlap(fake_jira, db):
    with sync_lock("jira"), pytest.raises(SyncAlreadyRunning):
        sync_jira()
    assert sync_jira().status == SyncRun.Status.SUCCEEDED  # released afterwards


def test_credentials_travel_only_in_the_authorization_header(fake_jira, db):
    sync_jira()
    for call in fake_jira.rsps.calls:
        assert call.request.headers["Authorization"].startswith("Basic ")
        assert "jira-api-token-123" not in call.request.url


def test_jira_worklogs_and_worker_names(fake_jira, db):
    from jsm.models import JiraWorklog, Worker

    run = sync_jira()
    assert run.counts["jira_worklogs"] == 2
    itsd1 = JiraWorklog.objects.get(jira_id="1")
    assert itsd1.request.key == "ITSD-1" and itsd1.time_spent_seconds == 3600
    assert itsd1.description == "Jira work 1"
    assert Worker.objects.get(account_id="agent-1").display_name == "Agent Smith"


def test_jira_worklogs_are_written_in_one_statement_per_list_call(fake_jira, db):
    """A page of Jira worklogs is one upsert (``worklog_report.bulk.upsert``), not one
    INSERT per 500 rows built by the ORM: the statements do not grow with the worklogs."""
    from jsm.models import JiraWorklog

    agent = fake_jira.worklogs["1"]["author"]
    for n in range(900):
        fake_jira.add_worklog(1000 + n, "20001" if n % 2 else "20004", 60 + n, agent)
    with CaptureQueriesContext(connection) as queries:
        run = sync_jira()
    assert run.counts["jira_worklogs"] == 902
    writes = [q for q in queries if 'INSERT INTO "jsm_jiraworklog" (' in q["sql"]]
    assert len(writes) == 1  # one list call of up to 1000 ids: one statement
    assert JiraWorklog.objects.count() == 902
    assert JiraWorklog.objects.get(jira_id="1899").time_spent_seconds == 959


def test_a_jira_worklog_listed_twice_is_written_once(fake_jira, db):
    from jsm.models import JiraWorklog
    from jsm.worklogs import upsert_worklogs
    from sync.runs import sync_jira as run_it

    run_it()
    fake_jira.worklogs["1"]["timeSpentSeconds"] = 7200
    records = [fake_jira.worklogs["1"], fake_jira.worklogs["1"]]
    from jsm.records import JiraWorklog as Record

    pks = dict(Request.objects.values_list("jira_id", "pk"))
    seen: set[str] = set()
    assert upsert_worklogs([Record.from_api(r) for r in records], pks, seen) == 1
    assert seen == {"1"} and JiraWorklog.objects.get(jira_id="1").time_spent_seconds == 7200


def test_jira_worklog_changes_and_deletions(fake_jira, db):
    from jsm.models import JiraWorklog

    sync_jira()
    fake_jira.worklogs["1"]["timeSpentSeconds"] = 7200
    fake_jira.worklogs["1"]["_updated_ms"] = 5_000
    del fake_jira.worklogs["2"]
    fake_jira.deleted["2"] = 6_000
    run = sync_jira()
    assert run.counts["jira_worklogs"] == 1  # only the changed one was fetched
    assert JiraWorklog.objects.get(jira_id="1").time_spent_seconds == 7200
    assert not JiraWorklog.objects.filter(jira_id="2").exists()


def test_ctrl_c_mid_sync_is_recorded_as_stopped_and_still_stops(fake_jira, db):
    def interrupted(request):
        raise KeyboardInterrupt

    fake_jira.rsps.remove(responses.POST, f"{BASE}/rest/api/3/search/jql")
    fake_jira.rsps.add_callback(responses.POST, f"{BASE}/rest/api/3/search/jql", interrupted)
    with pytest.raises(KeyboardInterrupt):
        sync_jira()
    run = SyncRun.objects.get()
    assert run.status == SyncRun.Status.FAILED and run.error == STOPPED
    assert not is_locked("jira")


def test_a_configured_project_jira_stops_listing_is_kept_with_everything(fake_jira, db):
    """Jira hiding a project (a permission changed, a glitch) must not wipe its report
    settings, contracts, requests and worklogs; an unconfigured one is removed as before."""
    from portal.contracts import Contract
    from portal.models import ReportSettings
    from tempo_integration.models import Worklog

    sync_jira()
    itsd, sup = JiraProject.objects.get(key="ITSD"), JiraProject.objects.get(key="SUP")
    ReportSettings.objects.create(project=itsd, enabled=True)
    Contract.objects.create(
        project=itsd, start_date="2026-01-01", end_date="2026-12-31", hours=10, description="c"
    )
    Worklog.objects.create(
        tempo_id=1,
        request=Request.objects.get(key="ITSD-1"),
        author_account_id="agent-1",
        time_spent_seconds=3600,
        billable_seconds=3600,
        start_date="2026-11-02",
        tempo_updated_at="2026-11-02T10:00:00Z",
    )
    desks = fake_jira.desks
    fake_jira.desks = []  # Jira lists no project at all for a while

    run = sync_jira()

    assert run.status == SyncRun.Status.SUCCEEDED
    assert run.counts["projects_missing"] == 1 and run.counts["projects_removed"] == 1
    assert "1 project missing" in run.summary
    itsd.refresh_from_db()
    assert itsd.missing_since is not None
    assert itsd.report_settings.enabled and itsd.contracts.count() == 1
    assert Request.objects.filter(project=itsd).count() == 3 and Worklog.objects.count() == 1
    assert not JiraProject.objects.filter(pk=sup.pk).exists()  # nobody had configured it
    first_missing = itsd.missing_since
    sync_jira()
    itsd.refresh_from_db()
    assert itsd.missing_since == first_missing  # since when, not since the last run

    fake_jira.desks = desks  # listed again
    sync_jira()
    itsd.refresh_from_db()
    assert itsd.missing_since is None
    assert JiraProject.objects.filter(key="SUP").exists()


def test_a_missing_project_goes_once_its_report_is_off_and_its_contracts_deleted(fake_jira, db):
    from portal.models import ReportSettings

    sync_jira()
    itsd = JiraProject.objects.get(key="ITSD")
    ReportSettings.objects.create(project=itsd, enabled=True)
    fake_jira.desks = [d for d in fake_jira.desks if d["projectKey"] != "ITSD"]
    sync_jira()
    assert JiraProject.objects.filter(key="ITSD", missing_since__isnull=False).exists()
    ReportSettings.objects.filter(project=itsd).update(enabled=False)
    run = sync_jira()
    assert run.counts["projects_removed"] == 1
    assert not JiraProject.objects.filter(key="ITSD").exists()
