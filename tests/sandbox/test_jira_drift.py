"""Data drift through the control endpoint, seen through the emulated APIs.

These tests change data, so they use `drift_sandbox`, a demo sandbox of their own, and
never the session's shared one.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sandbox.client import SandboxError
from sandbox.demo import catalog
from tests.sandbox.clients import JiraApi, TempoApi

pytestmark = pytest.mark.integration

FIELDS = ["summary", "status", "reporter", "updated", "customfield_10026", "customfield_10002"]


@pytest.fixture
def jira(drift_sandbox):
    api = JiraApi(drift_sandbox)
    yield api
    api.session.close()


@pytest.fixture(scope="module")
def tempo(drift_sandbox):
    token = drift_sandbox.client.mint_token(name="tests: drift", scopes={"worklogs": "view"})
    return TempoApi(drift_sandbox, token)


@pytest.fixture
def control(drift_sandbox):
    return drift_sandbox.client


def issue(jira, key):
    issues = jira.search(f"key = {key}", FIELDS)["issues"]
    assert len(issues) == 1
    return issues[0]


def participant_ids(found):
    return [user["accountId"] for user in found["fields"]["customfield_10026"] or []]


def test_created_request_is_found_with_its_fields(control, jira):
    highest = max(
        int(i["id"]) for i in jira.search_all("project in (ITSD, SUP, PLAT)", maxResults=5000)
    )

    created = control.create_request(
        "SUP",
        "Drift: new request",
        catalog.ALICE.email,
        participants=[catalog.BOB.account_id],
        organizations=[catalog.ACME.id],
    )

    assert int(created["id"]) > highest
    assert created["key"].startswith("SUP-") and created["project_id"] == str(catalog.SUP.id)
    found = issue(jira, created["key"])
    assert found["id"] == created["id"]
    assert found["fields"]["summary"] == "Drift: new request"
    assert found["fields"]["status"]["name"] == "Waiting for support"
    assert found["fields"]["reporter"]["accountId"] == catalog.ALICE.account_id
    assert participant_ids(found) == [catalog.BOB.account_id]
    assert found["fields"]["customfield_10002"][0]["name"] == "Acme"


def test_updated_request_changes_and_moves_updated(control, jira):
    created = control.create_request("ITSD", "Drift: to change", catalog.BOB.account_id)
    before = issue(jira, created["key"])["fields"]["updated"]

    answer = control.update_request(
        created["key"],
        summary="Drift: changed",
        status="Resolved",
        participants=[catalog.ALICE.email],
        organizations=[catalog.ACME.id, catalog.INITECH.id],
    )

    found = issue(jira, created["key"])
    assert found["fields"]["summary"] == "Drift: changed"
    assert found["fields"]["status"]["statusCategory"]["key"] == "done"
    assert participant_ids(found) == [catalog.ALICE.account_id]
    assert [o["name"] for o in found["fields"]["customfield_10002"]] == ["Acme", "Initech"]
    assert found["fields"]["updated"] == answer["updated"] >= before
    changed = jira.search(f'project = ITSD AND updated >= "{answer["updated"][:10]}"', ["summary"])
    assert created["key"] in [i["key"] for i in changed["issues"]]


def test_emptying_the_lists_makes_the_fields_null(control, jira):
    created = control.create_request(
        "ITSD", "Drift: shared", catalog.BOB.email, participants=[catalog.ALICE.email]
    )

    control.update_request(created["id"], participants=[], organizations=[])

    found = issue(jira, created["key"])
    assert found["fields"]["customfield_10026"] is None
    assert found["fields"]["customfield_10002"] is None


def test_deleted_request_takes_its_worklogs_and_its_id_is_never_reused(control, jira, tempo):
    created = control.create_request("ITSD", "Drift: to delete", catalog.CAROL.email)
    tempo_worklog = control.create_tempo_worklog(created["key"], 1800)
    jira_worklog = control.create_jira_worklog(created["key"], 1800)

    removed = control.delete_request(created["key"])
    again = control.create_request("ITSD", "Drift: after the deletion", catalog.CAROL.email)

    assert removed["issue_ids"] == [created["id"]]
    assert removed["tempo_worklog_ids"] == [tempo_worklog["id"]]
    assert removed["jira_worklog_ids"] == [jira_worklog["id"]]
    assert jira.get(f"/rest/api/3/issue/{created['key']}/worklog").status_code == 404
    assert tempo.get(f"/worklogs/{tempo_worklog['id']}").status_code == 404
    deleted = jira.ok("/rest/api/3/worklog/deleted", since=0)["values"]
    assert int(jira_worklog["id"]) in [value["worklogId"] for value in deleted]
    assert int(again["id"]) > int(created["id"])
    assert again["key"] != created["key"]


def test_organization_members_come_and_go(control, jira):
    def initech():
        return [u["accountId"] for u in jira.jsm_values("/rest/servicedeskapi/organization/3/user")]

    control.add_organization_member(catalog.INITECH.id, catalog.ALICE.email)
    joined = initech()
    orgs = jira.ok("/rest/servicedeskapi/organization", accountId=catalog.ALICE.account_id)
    control.remove_organization_member(catalog.INITECH.id, catalog.ALICE.account_id)

    assert catalog.ALICE.account_id in joined
    assert [o["name"] for o in orgs["values"]] == ["Acme", "Initech"]
    assert catalog.ALICE.account_id not in initech()
    with pytest.raises(SandboxError, match="not a member"):
        control.remove_organization_member(catalog.INITECH.id, catalog.ALICE.account_id)


def test_tempo_worklog_created_edited_moved_and_deleted(control, tempo, jira):
    first, other = (
        jira.search("project = ITSD ORDER BY id", maxResults=1)["issues"][0],
        issue(jira, "SUP-1"),
    )

    created = control.create_tempo_worklog(
        first["id"], 3600, billable_seconds=1800, start_date="2026-01-05", description="Drift"
    )
    shown = tempo.get(f"/worklogs/{created['id']}").json()
    edited = control.update_tempo_worklog(
        created["id"], time_spent_seconds=5400, description="Edited"
    )
    shown_edited = tempo.get(f"/worklogs/{created['id']}").json()
    moved = control.move_tempo_worklog(created["id"], "SUP-1")
    in_sup = tempo.get(
        "/worklogs", projectId=catalog.SUP.id, updatedFrom=moved["updated_at"]
    ).json()
    control.delete_tempo_worklog(created["id"])

    assert created["issue_id"] == int(first["id"]) and created["project_id"] == catalog.ITSD.id
    assert (shown["timeSpentSeconds"], shown["billableSeconds"]) == (3600, 1800)
    assert (shown["startDate"], shown["startTime"], shown["description"]) == (
        "2026-01-05",
        "09:00:00",
        "Drift",
    )
    assert shown["author"]["accountId"] == catalog.ADMIN.account_id
    assert (shown_edited["timeSpentSeconds"], shown_edited["description"]) == (5400, "Edited")
    assert (
        shown_edited["updatedAt"] >= shown["updatedAt"]
        and edited["updated_at"] == shown_edited["updatedAt"]
    )
    assert (moved["issue_id"], moved["project_id"]) == (int(other["id"]), catalog.SUP.id)
    assert created["id"] in [w["tempoWorklogId"] for w in in_sup["results"]]
    assert tempo.get(f"/worklogs/{created['id']}").status_code == 404


def test_tempo_worklog_ids_are_never_reused(control, jira):
    key = jira.search("project = SUP ORDER BY id DESC", ["key"], maxResults=1)["issues"][0]["key"]

    first = control.create_tempo_worklog(key, 900)
    control.delete_tempo_worklog(first["id"])
    second = control.create_tempo_worklog(key, 900)

    assert second["id"] > first["id"] > catalog.FIRST_TEMPO_WORKLOG_ID


def test_jira_worklog_appears_in_updated_and_then_in_deleted(control, jira):
    key = "ITSD-2"
    before = issue(jira, key)["fields"]["updated"]
    since = int((datetime.now(UTC) - timedelta(seconds=5)).timestamp() * 1000)

    created = control.create_jira_worklog(
        key,
        4500,
        started="2026-02-03T10:00:00Z",
        comment="Logged in Jira",
        author=catalog.CHIARA.email,
    )
    logged = jira.ok(f"/rest/api/3/issue/{key}/worklog")["worklogs"]
    updated = jira.ok("/rest/api/3/worklog/updated", since=since)["values"]
    listed = jira.post("/rest/api/3/worklog/list", {"ids": [created["id"]]}).json()
    control.delete_jira_worklog(created["id"])
    deleted = jira.ok("/rest/api/3/worklog/deleted", since=since)["values"]

    mine = next(w for w in logged if w["id"] == created["id"])
    assert (mine["timeSpent"], mine["started"]) == ("1h 15m", "2026-02-03T10:00:00.000+0000")
    assert mine["comment"]["content"][0]["content"][0]["text"] == "Logged in Jira"
    assert mine["author"]["accountId"] == catalog.CHIARA.account_id
    assert issue(jira, key)["fields"]["updated"] > before
    assert int(created["id"]) in [v["worklogId"] for v in updated]
    assert listed[0]["id"] == created["id"]
    assert int(created["id"]) in [v["worklogId"] for v in deleted]
    assert jira.post("/rest/api/3/worklog/list", {"ids": [created["id"]]}).json() == []


def test_deleted_project_disappears_with_everything_in_it(drift_sandbox, control, jira, tempo):
    try:
        removed = control.delete_project("SUP")

        desks = [d["projectKey"] for d in jira.ok("/rest/servicedeskapi/servicedesk")["values"]]
        assert desks == ["ITSD"]
        assert jira.get("/rest/api/3/project/SUP").status_code == 404
        assert jira.post("/rest/api/3/search/jql", {"jql": "project = SUP"}).status_code == 400
        assert jira.get("/rest/servicedeskapi/servicedesk/SUP/organization").status_code == 404
        assert tempo.get("/worklogs", projectId=catalog.SUP.id).json()["results"] == []
        assert len(removed["issue_ids"]) > 100 and len(removed["tempo_worklog_ids"]) > 100
    finally:
        drift_sandbox.manage("seed_demo")


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda c: c.create_request("NOPE", "x", catalog.ALICE.email), "No project"),
        (lambda c: c.create_request("ITSD", "x", "nobody@nowhere.example"), "No Jira user"),
        (lambda c: c.update_request("ITSD-1", status="Teleported"), "No status"),
        (lambda c: c.update_request("ITSD-99999", summary="x"), "No issue"),
        (lambda c: c.update_request("ITSD-1", organizations=[99]), "No organization"),
        (lambda c: c.add_organization_member(99, catalog.ALICE.email), "No organization"),
        (lambda c: c.create_tempo_worklog("ITSD-1", 0), "time_spent_seconds"),
        (lambda c: c.create_tempo_worklog("ITSD-1", 900, start_date="soon"), "start_date"),
        (lambda c: c.update_tempo_worklog(1, description="x"), "No Tempo worklog"),
        (lambda c: c.update_tempo_worklog(catalog.FIRST_TEMPO_WORKLOG_ID, colour="red"), "colour"),
        (lambda c: c.create_jira_worklog("ITSD-1", 900, started="2026-01-01"), "offset"),
        (lambda c: c.delete_jira_worklog(1), "No Jira worklog"),
        (lambda c: c.delete_project("NOPE"), "No project"),
    ],
)
def test_bad_drift_calls_are_refused_with_a_reason(control, call, words):
    with pytest.raises(SandboxError, match=words):
        call(control)
