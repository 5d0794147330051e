"""Tempo's audit log in the sandbox (`POST /4/papertrail/search`, sandbox/tempo/papertrail.py):
a `Deleted` worklog event for every deletion (drift, a deleted request or project, the API's
DELETE), none for seeding; Tempo's validation, scopes and `nextPageToken` paging; and the
control endpoint's switch that makes it answer 403."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sandbox.demo import catalog
from tests.sandbox.clients import TempoApi

pytestmark = pytest.mark.integration

SEARCH = "/papertrail/search"


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def control(drift_sandbox):
    yield drift_sandbox.client
    drift_sandbox.client.switch_off()


@pytest.fixture(scope="module")
def tempo(drift_sandbox):
    token = drift_sandbox.client.mint_token(name="tests: papertrail", scopes={"worklogs": "manage"})
    api = TempoApi(drift_sandbox, token)
    yield api
    api.session.close()


@pytest.fixture(scope="module")
def viewer(drift_sandbox):
    token = drift_sandbox.client.mint_token(
        name="tests: papertrail viewer", scopes={"worklogs": "view"}
    )
    api = TempoApi(drift_sandbox, token)
    yield api
    api.session.close()


def search(api: TempoApi, body: dict[str, Any], token: str | None = None, **params: Any):
    return api.request("POST", SEARCH, token=token, json=body, params=params)


def deletions(api: TempoApi, since: datetime, **params: Any) -> list[dict[str, Any]]:
    """Every worklog deletion since `since`, following `nextPageToken`."""
    body = {"entityType": ["worklog"], "action": ["Deleted"], "from": iso(since)}
    events: list[dict[str, Any]] = []
    token = None
    for _ in range(100):
        extra = dict(params, **({"nextPageToken": token} if token else {}))
        response = search(api, body, **extra)
        assert response.status_code == 200, response.text
        page = response.json()
        events += page["results"]
        token = page["metadata"].get("nextPageToken")
        if not token:
            return events
    raise AssertionError("the audit log kept returning pages")


def worklog_on(control, issue: str = "ITSD-1", seconds: int = 600) -> dict[str, Any]:
    return control.create_tempo_worklog(issue, seconds, description="audit me")


def test_a_drift_deletion_is_a_deleted_worklog_event(control, viewer):
    since = now()
    worklog = worklog_on(control)
    kept = worklog_on(control)
    control.delete_tempo_worklog(worklog["id"])

    events = deletions(viewer, since)

    assert [e["entityId"] for e in events] == [str(worklog["id"])]
    event = events[0]
    assert event["entityType"] == "worklog" and event["action"] == "Deleted"
    assert event["parentId"] == str(worklog["issue_id"])
    assert event["worker"] == event["author"] == catalog.ADMIN.account_id
    assert {"field": "timeSpentSeconds", "previous": "600", "new": None} in event["changes"]
    assert event["timestamp"].endswith("Z")
    assert since <= datetime.fromisoformat(event["timestamp"]) <= now()
    assert str(kept["id"]) not in [e["entityId"] for e in events]


def test_the_api_delete_is_recorded(control, tempo):
    since = now()
    worklog = worklog_on(control)

    assert tempo.request("DELETE", f"/worklogs/{worklog['id']}").status_code == 204

    assert [e["entityId"] for e in deletions(tempo, since)] == [str(worklog["id"])]


def test_a_deleted_request_records_each_of_its_tempo_worklogs(control, viewer):
    request = control.create_request("ITSD", "Audit: to delete", catalog.ALICE.email)
    since = now()
    ids = {str(worklog_on(control, request["key"])["id"]) for _ in range(3)}

    removed = control.delete_request(request["key"])

    assert {str(i) for i in removed["tempo_worklog_ids"]} == ids
    events = deletions(viewer, since)
    assert {e["entityId"] for e in events} == ids
    assert {e["parentId"] for e in events} == {str(request["id"])}


def test_pages_follow_next_page_token_oldest_first(control, viewer):
    since = now()
    ids = [worklog_on(control)["id"] for _ in range(5)]
    for worklog_id in ids:
        control.delete_tempo_worklog(worklog_id)
    body = {"entityType": ["worklog"], "action": ["Deleted"], "from": iso(since)}

    first = search(viewer, body, limit=2).json()

    assert first["metadata"]["limit"] == 2 and len(first["results"]) == 2
    assert first["metadata"]["nextPageUrl"].startswith("http")
    assert "nextPageToken=" in first["metadata"]["nextPageUrl"]
    assert first["self"].startswith("http")
    assert [e["entityId"] for e in deletions(viewer, since, limit=2)] == [str(i) for i in ids]


def test_the_last_page_has_no_token(control, viewer):
    since = now()
    control.delete_tempo_worklog(worklog_on(control)["id"])
    body = {"entityType": ["worklog"], "action": ["Deleted"], "from": iso(since)}

    page = search(viewer, body, limit=1).json()

    assert page["metadata"] == {"limit": 1}
    assert len(page["results"]) == 1


def test_filters_and_window(control, viewer):
    since = now()
    control.delete_tempo_worklog(worklog_on(control)["id"])

    created_only = {"entityType": ["worklog"], "action": ["Created"], "from": iso(since)}
    assert search(viewer, created_only).json()["results"] == []
    other_type = {"entityType": ["account"], "from": iso(since)}
    assert search(viewer, other_type).json()["results"] == []
    later = {"from": iso(now() + timedelta(minutes=1))}
    assert search(viewer, later).json()["results"] == []
    ended = {"from": iso(since), "to": iso(since)}
    assert search(viewer, ended).json()["results"] == []
    nobody = {"from": iso(since), "worker": ["nobody"]}
    assert search(viewer, nobody).json()["results"] == []


@pytest.mark.parametrize(
    ("body", "params", "words"),
    [
        ({}, {}, "'from' is required"),
        ({"from": "yesterday"}, {}, "ISO 8601"),
        ({"from": iso(now() - timedelta(days=181))}, {}, "within the last 180 days"),
        ({"from": iso(now()), "action": ["Vanished"]}, {}, "unknown values"),
        ({"from": iso(now()), "entityType": "worklog"}, {}, "list of strings"),
        ({"from": iso(now())}, {"limit": "0"}, "'limit'"),
        ({"from": iso(now())}, {"limit": "many"}, "'limit'"),
        ({"from": iso(now())}, {"nextPageToken": "not-a-token"}, "nextPageToken"),
    ],
)
def test_bad_searches_are_tempos_400(viewer, body, params, words):
    response = search(viewer, body, **params)

    assert response.status_code == 400
    assert words in response.json()["errors"][0]["message"]


def test_a_token_of_another_search_is_refused(control, viewer):
    since = now()
    for _ in range(2):
        control.delete_tempo_worklog(worklog_on(control)["id"])
    body = {"entityType": ["worklog"], "from": iso(since)}
    token = search(viewer, body, limit=1).json()["metadata"]["nextPageToken"]

    other = search(
        viewer,
        {"entityType": ["worklog"], "from": iso(since - timedelta(seconds=1))},
        nextPageToken=token,
    )

    assert other.status_code == 400


def test_limit_is_clamped_to_1000(viewer):
    page = search(viewer, {"from": iso(now())}, limit=5000).json()

    assert page["metadata"]["limit"] == 1000


def test_needs_a_token_with_the_worklogs_scope(drift_sandbox, viewer):
    other = drift_sandbox.client.mint_token(name="tests: no worklogs", scopes={"accounts": "view"})
    body = {"from": iso(now())}

    assert search(viewer, body, token="wrong").status_code == 401
    assert search(viewer, body, token=other).status_code == 403
    assert viewer.request("GET", SEARCH).status_code == 405


def test_the_switch_makes_it_answer_403(control, viewer):
    body = {"from": iso(now())}
    control.switch_on("tempo_audit_log_forbidden", "*", count=1)

    refused = search(viewer, body)

    assert refused.status_code == 403
    assert "missing the required permission" in refused.text
    assert search(viewer, body).status_code == 200

    control.switch_on("tempo_audit_log_forbidden", "anything", count=None)
    assert search(viewer, body).status_code == 403
    assert search(viewer, body).status_code == 403
    control.switch_off("tempo_audit_log_forbidden")
    assert search(viewer, body).status_code == 200


def test_a_deleted_project_is_recorded_and_seeding_is_not(drift_sandbox, control, viewer):
    since = now()
    try:
        removed = control.delete_project("SUP")
        events = deletions(viewer, since, limit=1000)
        assert {e["entityId"] for e in events} == {str(i) for i in removed["tempo_worklog_ids"]}
        assert len(events) > 100
    finally:
        before_seed = now()
        drift_sandbox.manage("seed_demo")
    # The seed wiped and rewrote every worklog: no audit events for that.
    assert deletions(viewer, before_seed) == []
