"""Documented behaviours of the real services, switched on per object through the control
endpoint (`/_sandbox/behaviours`): Jira's eventually consistent search, Tempo's 404 for a
project it has not caught up with; and Jira's Move and direct issue read they rely on."""

from __future__ import annotations

import pytest

from sandbox.client import SandboxError
from sandbox.demo import catalog
from tests.sandbox.clients import JiraApi, TempoApi

pytestmark = pytest.mark.integration

FIELDS = ["summary", "project"]


@pytest.fixture
def control(drift_sandbox):
    yield drift_sandbox.client
    drift_sandbox.client.switch_off()


@pytest.fixture
def jira(drift_sandbox):
    api = JiraApi(drift_sandbox)
    yield api
    api.session.close()


@pytest.fixture(scope="module")
def tempo(drift_sandbox):
    token = drift_sandbox.client.mint_token(name="tests: behaviours", scopes={"worklogs": "view"})
    return TempoApi(drift_sandbox, token)


def keys(jira, jql):
    return [i["key"] for i in jira.search(jql, ["summary"], maxResults=100)["issues"]]


def test_search_leaves_an_issue_out_for_as_many_searches_as_asked(control, jira):
    created = control.create_request("ITSD", "Behaviour: omitted", catalog.ALICE.email)
    jql = f"key = {created['key']}"
    control.switch_on("search_omits_issue", created["key"], count=1)

    assert keys(jira, jql) == []  # this answer leaves it out
    assert keys(jira, jql) == [created["key"]]  # the next one has it again
    direct = jira.ok(f"/rest/api/3/issue/{created['id']}", fields="summary")
    assert direct["key"] == created["key"]  # a direct read never misses it


def test_behaviour_until_switched_off(control, jira):
    created = control.create_request("SUP", "Behaviour: lasting", catalog.BOB.email)
    control.switch_on("search_omits_issue", created["id"], count=None)
    jql = f"id = {created['id']}"
    assert keys(jira, jql) == [] and keys(jira, jql) == []
    control.switch_off("search_omits_issue")
    assert keys(jira, jql) == [created["key"]]


def test_tempo_answers_404_for_a_project_it_cannot_read_yet(control, tempo):
    control.switch_on("tempo_project_not_found", "ITSD", count=1)
    refused = tempo.get(f"/worklogs/project/{catalog.ITSD.id}")
    assert refused.status_code == 404
    assert refused.json() == {"errors": [{"message": "Project cannot be found in the system"}]}
    assert tempo.get(f"/worklogs/project/{catalog.ITSD.id}").status_code == 200


def test_a_project_or_issue_without_worklogs_is_an_empty_page(control, tempo):
    created = control.create_request("SUP", "Behaviour: no worklogs", catalog.ALICE.email)
    answer = tempo.get(f"/worklogs/issue/{created['id']}")
    assert answer.status_code == 200 and answer.json()["results"] == []
    assert tempo.get("/worklogs/issue/999999999").status_code == 404  # Jira has no such issue


def test_unknown_behaviour_or_target_is_refused_in_words(control):
    with pytest.raises(SandboxError, match="'behaviour' must be one of"):
        control.switch_on("sometimes_wrong", "ITSD-1")
    with pytest.raises(SandboxError, match="No issue NOPE-1"):
        control.switch_on("search_omits_issue", "NOPE-1")


def test_move_keeps_the_id_gives_a_new_key_and_tempo_follows(control, jira, tempo):
    created = control.create_request("SUP", "Behaviour: to move", catalog.ALICE.email)
    worklog = control.create_tempo_worklog(created["key"], 3600)

    moved = control.move_request(created["key"], "ITSD")

    assert moved["id"] == created["id"] and moved["key"].startswith("ITSD-")
    direct = jira.ok(f"/rest/api/3/issue/{created['id']}", fields=",".join(FIELDS))
    assert direct["key"] == moved["key"]
    assert direct["fields"]["project"]["key"] == "ITSD"
    assert tempo.get(f"/worklogs/{worklog['id']}").json()["issue"]["id"] == int(created["id"])
    listed = tempo.get(f"/worklogs/project/{catalog.ITSD.id}", limit=5000).json()["results"]
    assert worklog["id"] in [w["tempoWorklogId"] for w in listed]


def test_direct_read_of_a_deleted_issue_is_jiras_404(control, jira):
    created = control.create_request("SUP", "Behaviour: to delete", catalog.ALICE.email)
    control.delete_request(created["key"])
    response = jira.get(f"/rest/api/3/issue/{created['id']}")
    assert response.status_code == 404
    assert response.json()["errorMessages"] == [
        "Issue does not exist or you do not have permission to see it."
    ]


def test_jsm_refuses_a_service_desk_the_account_lost(control, jira):
    control.switch_on("jira_project_forbidden", "SUP", count=1)
    path = f"/rest/servicedeskapi/servicedesk/{catalog.SUP.service_desk_id}/organization"
    refused = jira.get(path)
    assert refused.status_code == 403
    assert refused.json()["errorMessage"] == "You do not have permission to perform this action."
    assert jira.get(path).status_code == 200


def test_counts_beyond_the_limit_are_refused_in_words(control):
    with pytest.raises(SandboxError, match="'count' must be at most 1000000"):
        control.switch_on("search_omits_issue", "ITSD-1", count=10**20)
    with pytest.raises(SandboxError, match="'count' must be at most 1000000"):
        control.add_fault("jira", "500", count=10**20)
    with pytest.raises(SandboxError, match="No issue 123456789012345678901"):
        control.switch_on("search_omits_issue", "123456789012345678901")
    with pytest.raises(SandboxError, match="'behaviour' must be one of"):
        control.switch_off("bogus")
