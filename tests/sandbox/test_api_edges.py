"""Edges of the sandbox's API found by a tester, against the real process: request bodies
Jira refuses, int64 ids, 405s and other Django answers in each API's JSON error body, the
plain 404 page, and the control endpoint's numeric limits."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration

INVALID_PAYLOAD = "Invalid request payload. Refer to the REST API documentation and try again."


# -- N3: search/jql's body is SearchAndReconcileRequestBean ----------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"jql": "project = ITSD", "startAt": 0},
        {"jql": "project = ITSD", "bogus": True},
        {"jql": 123},
        {"jql": ["project = ITSD"]},
    ],
)
def test_search_refuses_an_unknown_property_or_a_jql_that_is_not_text(jira, body):
    response = jira.post("/rest/api/3/search/jql", body)
    assert response.status_code == 400, response.text
    assert response.json() == {"errorMessages": [INVALID_PAYLOAD], "errors": {}}


def test_search_takes_every_property_of_the_bean(jira):
    body = {
        "jql": "project = ITSD",
        "nextPageToken": None,
        "maxResults": 1,
        "fields": ["summary"],
        "expand": "names",
        "properties": [],
        "fieldsByKeys": False,
        "failFast": False,
        "reconcileIssues": [],
    }
    response = jira.post("/rest/api/3/search/jql", body)
    assert response.status_code == 200, response.text
    assert len(response.json()["issues"]) == 1


# -- N4: approximate count -------------------------------------------------------------------


def test_approximate_count_counts_what_search_finds(jira):
    for jql in ("project = ITSD", "organizations != Acme", "created >= -30d"):
        response = jira.post("/rest/api/3/search/approximate-count", {"jql": jql})
        assert response.status_code == 200, response.text
        assert response.json() == {"count": len(jira.search_all(jql, maxResults=5000))}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"jql": ""}, "Unbounded JQL queries are not allowed here."),
        ({"jql": "ORDER BY key"}, "Unbounded JQL queries are not allowed here."),
        ({"jql": "bogus = 1"}, "Field 'bogus' does not exist"),
        ({"jql": "project = ITSD", "maxResults": 1}, INVALID_PAYLOAD),
        ({"jql": 1}, INVALID_PAYLOAD),
    ],
)
def test_approximate_count_reads_jql_as_search_does(jira, body, message):
    response = jira.post("/rest/api/3/search/approximate-count", body)
    assert response.status_code == 400, response.text
    assert response.json()["errorMessages"][0].startswith(message)


# -- B4: int64 ids ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ids", [[9223372036854775807], [-1, 0], [-9223372036854775808], ["9223372036854775807"]]
)
def test_worklog_list_takes_any_int64_id(jira, ids):
    response = jira.post("/rest/api/3/worklog/list", {"ids": ids})
    assert response.status_code == 200, response.text
    assert response.json() == []


@pytest.mark.parametrize(
    "ids", [[9223372036854775808], [-9223372036854775809], [1.5], ["ten"], [True], [None]]
)
def test_worklog_list_refuses_what_is_not_an_int64(jira, ids):
    response = jira.post("/rest/api/3/worklog/list", {"ids": ids})
    assert response.status_code == 400, response.text
    assert response.json()["errorMessages"] == [
        "Worklog IDs must be whole numbers from -2^63 to 2^63 - 1."
    ]


@pytest.mark.parametrize(
    "path",
    [
        "/rest/api/3/issue/9223372036854775807",
        "/rest/api/3/issue/99999999999999999999",
        "/rest/api/3/project/9223372036854775807",
        "/rest/api/3/issue/ITSD-1/worklog/9223372036854775807",
        "/rest/api/3/issue/ITSD-1/worklog/99999999999999999999",
        "/rest/servicedeskapi/organization/9223372036854775807",
        "/rest/servicedeskapi/request/9223372036854775807",
        "/rest/servicedeskapi/servicedesk/9223372036854775807",
    ],
)
def test_a_large_id_in_a_jira_path_is_a_404(jira, path):
    response = jira.get(path)
    assert response.status_code == 404, response.text
    assert response.headers["Content-Type"].startswith("application/json")


def test_a_large_id_in_a_tempo_path_or_filter_is_a_404_or_a_400(sandbox, http):
    token = sandbox.client.mint_token(name="tests: large ids", full=True)
    headers = {"Authorization": f"Bearer {token}"}
    for path in ("worklogs/9223372036854775807", "worklogs/99999999999999999999"):
        response = http.get(f"{sandbox.tempo_url}/4/{path}", headers=headers, timeout=10)
        assert response.status_code == 404, response.text
        assert response.headers["Content-Type"].startswith("application/json")
    response = http.get(
        f"{sandbox.tempo_url}/4/worklogs",
        params={"projectId": "9223372036854775807", "offset": "9223372036854775000"},
        headers=headers,
        timeout=10,
    )
    assert response.status_code == 400, response.text
    assert "'offset'" in response.json()["errors"][0]["message"]
    response = http.get(
        f"{sandbox.tempo_url}/4/worklogs",
        params={"projectId": "9223372036854775807"},
        headers=headers,
        timeout=10,
    )
    assert response.status_code == 200, response.text
    assert response.json()["results"] == []


# -- N1: 405 and Django's other answers in the API's JSON body -------------------------------


@pytest.mark.parametrize(
    ("method", "path", "allow", "body_key"),
    [
        ("POST", "/jira/rest/api/3/myself", "GET", "errorMessages"),
        ("DELETE", "/jira/rest/api/3/search/jql", "GET, POST", "errorMessages"),
        ("GET", "/jira/rest/api/3/worklog/list", "POST", "errorMessages"),
        ("PUT", "/jira/rest/servicedeskapi/servicedesk", "GET", "errorMessage"),
        ("POST", "/tempo/4/worklogs/1", "GET, DELETE", "errors"),
        ("POST", "/_sandbox/health", "GET", "error"),
        ("GET", "/_sandbox/faults", "POST, DELETE", "error"),
    ],
)
def test_a_wrong_method_is_a_json_405_with_allow(sandbox, http, method, path, allow, body_key):
    response = http.request(method, f"{sandbox.url}{path}", timeout=10)
    assert response.status_code == 405, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    assert set(response.headers["Allow"].split(", ")) >= set(allow.split(", "))
    assert body_key in response.json()
    assert method in response.text


def test_tempo_401_and_403_stay_html_as_tempo_sends_them(sandbox, http):
    response = http.get(f"{sandbox.tempo_url}/4/worklogs", timeout=10)
    assert response.status_code == 401
    assert response.headers["Content-Type"].startswith("text/html")


# -- N2: the plain 404 page outside the APIs -------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/nonexistent",
        "/tempo/settings/api-integration/99999999999999999999/edit/",
        "/tempo/settings/api-integration/9223372036854775807/edit/",
        "/tempo/settings/nothing-here/",
    ],
)
def test_a_page_that_does_not_exist_is_a_plain_404(sandbox, http, path):
    response = http.get(f"{sandbox.url}{path}", timeout=10)
    assert response.status_code == 404, response.text
    assert response.headers["Content-Type"].startswith("text/html")
    assert "Not found" in response.text
    assert "Django" not in response.text and "urlpatterns" not in response.text
    assert len(response.text) < 1000


# -- N5: the control endpoint's numbers ------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "slow", "delay": 61}, "'delay' must be a number of seconds from 0 to 60."),
        ({"kind": "slow", "delay": -1}, "'delay' must be a number of seconds from 0 to 60."),
        ({"kind": "429", "retry_after": 10**30}, "'retry_after' must be at most 3600."),
        ({"kind": "429", "retry_after": -1}, "'retry_after' must be 0 or more."),
        ({"kind": "429", "retry_after": 1.5}, "'retry_after' must be a whole number."),
        ({"kind": "429", "count": 2.0}, "'count' must be a whole number."),
        ({"kind": "429", "count": 10**30}, "'count' must be at most 1000000."),
        ({"kind": "429", "count": 0}, "'count' must be 1 or more."),
    ],
)
def test_faults_refuse_absurd_numbers(sandbox, http, fields, message):
    response = http.post(
        f"{sandbox.url}/_sandbox/faults", json={"service": "jira", **fields}, timeout=10
    )
    assert response.status_code == 400, response.text
    assert response.json() == {"error": message}


@pytest.mark.parametrize("raw", ["NaN", "Infinity", "-Infinity", "1e400"])
@pytest.mark.parametrize("field", ["delay", "count", "retry_after"])
def test_faults_refuse_a_number_that_is_not_finite(sandbox, http, raw, field):
    response = http.post(
        f"{sandbox.url}/_sandbox/faults",
        data=f'{{"service": "tempo", "kind": "slow", "{field}": {raw}}}',
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"].startswith(f"'{field}' must be")


def test_behaviours_refuse_a_huge_numeric_target_as_not_found(sandbox, http):
    response = http.post(
        f"{sandbox.url}/_sandbox/behaviours",
        json={"behaviour": "search_omits_issue", "target": "99999999999999999999"},
        timeout=10,
    )
    assert response.status_code == 404, response.text
