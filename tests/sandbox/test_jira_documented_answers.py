"""The sandbox's Jira answers as Atlassian's documents say (issue 14, items 3, 4, 7 and 9).

Against the real sandbox process: `worklogId` is an int64 in the change feeds, numeric
parameters out of range or not numbers are 400 in the route's error body (never a 500 or a
debug page), and the removed `/rest/api/3/search` is 410 Gone with the migration message.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.test import RequestFactory

from sandbox.jira.auth import jira_api
from sandbox.jira.credentials import token_hash
from sandbox.jira.errors import PLATFORM, SERVICE_DESK
from sandbox.jira.paging import EPOCH_MS_MAX, INT32_MAX
from tests.sandbox.clients import JiraApi

HUGE = str(10**30)
MIGRATION_MESSAGE = (
    "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. "
    "A full migration guideline is available at "
    "https://developer.atlassian.com/changelog/#CHANGE-2046"
)


def platform_400(name: str, maximum: int = INT32_MAX) -> dict[str, object]:
    return {
        "errorMessages": [f"The '{name}' parameter must be a whole number from 0 to {maximum}."],
        "errors": {name: f"'{name}' must be a whole number from 0 to {maximum}."},
    }


def jsm_400(name: str) -> dict[str, object]:
    return {
        "errorMessage": f"The '{name}' parameter must be a whole number from 0 to {INT32_MAX}.",
        "i18nErrorMessage": {"i18nKey": "sd.error.param", "parameters": []},
    }


# Item 3 -------------------------------------------------------------------------------


@pytest.fixture
def drift_jira(drift_sandbox):
    api = JiraApi(drift_sandbox)
    yield api
    api.session.close()


def test_worklog_id_is_an_integer_in_updated_and_deleted(drift_sandbox, drift_jira):
    control = drift_sandbox.client
    since = int((datetime.now(UTC) - timedelta(seconds=5)).timestamp() * 1000)
    created = control.create_jira_worklog("ITSD-3", 600, started="2026-02-04T09:00:00Z")
    worklog_id = int(created["id"])

    updated = drift_jira.ok("/rest/api/3/worklog/updated", since=since)
    control.delete_jira_worklog(worklog_id)
    deleted = drift_jira.ok("/rest/api/3/worklog/deleted", since=since)

    mine = [v for v in updated["values"] if v["worklogId"] == worklog_id]
    assert len(mine) == 1, updated
    assert mine == [
        {"worklogId": worklog_id, "updatedTime": mine[0]["updatedTime"], "properties": []}
    ]
    assert type(mine[0]["worklogId"]) is int
    assert {type(v["worklogId"]) for v in deleted["values"]} == {int}
    assert worklog_id in [v["worklogId"] for v in deleted["values"]]
    # Every other id stays a digit string, as Jira's are.
    listed = drift_jira.post("/rest/api/3/worklog/list", {"ids": [worklog_id]}).json()
    assert listed == []
    worklogs = drift_jira.ok("/rest/api/3/issue/ITSD-3/worklog")["worklogs"]
    assert {(type(w["id"]), type(w["issueId"])) for w in worklogs} <= {(str, str)}


# Item 4 -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "name", "maximum"),
    [
        ("/rest/api/3/worklog/updated", "since", EPOCH_MS_MAX - 1),
        ("/rest/api/3/worklog/deleted", "since", EPOCH_MS_MAX - 1),
        ("/rest/api/3/issue/ITSD-1/worklog", "startedAfter", EPOCH_MS_MAX),
        ("/rest/api/3/issue/ITSD-1/worklog", "startedBefore", EPOCH_MS_MAX),
        ("/rest/api/3/issue/ITSD-1/worklog", "startAt", INT32_MAX),
        ("/rest/api/3/issue/ITSD-1/worklog", "maxResults", INT32_MAX),
        ("/rest/api/3/project/search", "startAt", INT32_MAX),
        ("/rest/api/3/project/search", "maxResults", INT32_MAX),
        ("/rest/api/3/search/jql", "maxResults", INT32_MAX),
    ],
)
def test_extreme_numbers_are_400_in_the_platform_body(jira, path, name, maximum):
    params = {name: HUGE, **({"jql": "project = ITSD"} if "jql" in path else {})}

    response = jira.get(path, **params)

    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == platform_400(name, maximum)


def test_the_largest_epoch_is_still_answered(jira):
    response = jira.get("/rest/api/3/worklog/updated", since=EPOCH_MS_MAX - 1)

    assert response.status_code == 200
    assert response.json()["values"] == []
    assert jira.get("/rest/api/3/worklog/updated", since=EPOCH_MS_MAX).status_code == 400


@pytest.mark.parametrize("name", ["start", "limit"])
@pytest.mark.parametrize(
    "path",
    [
        "/rest/servicedeskapi/servicedesk",
        "/rest/servicedeskapi/organization",
        "/rest/servicedeskapi/organization/1/user",
        "/rest/servicedeskapi/servicedesk/1/organization",
        "/rest/servicedeskapi/request/ITSD-1/participant",
    ],
)
def test_extreme_numbers_are_400_in_the_jsm_body(jira, path, name):
    response = jira.get(path, **{name: HUGE})

    assert response.status_code == 400
    assert response.json() == jsm_400(name)


def test_post_search_with_a_huge_max_results_is_400(jira):
    response = jira.post("/rest/api/3/search/jql", {"jql": "project = ITSD", "maxResults": 10**30})

    assert response.status_code == 400
    assert response.json() == platform_400("maxResults")


# Item 7 -------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_the_removed_search_is_410_gone_with_the_migration_message(jira, method):
    response = jira.session.request(
        method, f"{jira.base}/rest/api/3/search", params={"jql": "project = ITSD"}, timeout=10
    )

    assert response.status_code == 410
    assert response.json() == {"errorMessages": [MIGRATION_MESSAGE], "errors": {}}


# Item 9 -------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["abc", "-1", "1.5", "²"])
def test_a_non_numeric_start_at_is_400_naming_it(jira, value):
    response = jira.get("/rest/api/3/project/search", startAt=value)

    assert response.status_code == 400
    assert response.json() == platform_400("startAt")


@pytest.mark.parametrize("value", ["abc", "-1", "1.5", "²"])
def test_a_non_numeric_jsm_start_or_limit_is_400_naming_it(jira, value):
    for name in ("start", "limit"):
        response = jira.get("/rest/servicedeskapi/organization", **{name: value})

        assert response.status_code == 400
        assert response.json() == jsm_400(name)


# Item 4: an unexpected failure ---------------------------------------------------------


@pytest.mark.parametrize(
    ("style", "body"),
    [
        (PLATFORM, {"errorMessages": ["Internal server error."], "errors": {}}),
        (
            SERVICE_DESK,
            {
                "errorMessage": "Internal server error.",
                "i18nErrorMessage": {"i18nKey": "sd.error.internal.server", "parameters": []},
            },
        ),
    ],
)
def test_an_unexpected_failure_is_a_json_500_not_a_debug_page(settings, style, body):
    settings.SANDBOX_JIRA_EMAIL = "admin@sandbox.example"
    settings.SANDBOX_JIRA_API_TOKEN_SHA256 = token_hash("sandbox-jira-token")

    @jira_api(style)
    def broken(request):
        raise RuntimeError("a bug")

    credentials = base64.b64encode(b"admin@sandbox.example:sandbox-jira-token").decode()
    request = RequestFactory().get(
        "/jira/rest/api/3/field", HTTP_AUTHORIZATION=f"Basic {credentials}"
    )
    response = broken(request)

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == body
