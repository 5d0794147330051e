"""The emulated Tempo API v4 worklog routes: envelope, paging, filters, errors."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

pytestmark = pytest.mark.integration

WORKLOG_KEYS = {
    "self",
    "tempoWorklogId",
    "issue",
    "timeSpentSeconds",
    "billableSeconds",
    "startDate",
    "startTime",
    "startDateTimeUtc",
    "description",
    "createdAt",
    "updatedAt",
    "author",
    "attributes",
}


def ids(worklogs):
    return [w["tempoWorklogId"] for w in worklogs]


def query_of(url):
    return parse_qs(urlsplit(url).query)


def assert_bad_request(response, *words):
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/json"
    message = response.json()["errors"][0]["message"]
    for word in words:
        assert word in message


def test_default_page_has_limit_50_and_no_links(tempo, tempo_sandbox):
    body = tempo.get("/worklogs").json()

    assert body["self"] == f"{tempo_sandbox.tempo_url}/4/worklogs?offset=0&limit=50"
    assert body["metadata"] == {"count": 12, "offset": 0, "limit": 50}
    assert len(body["results"]) == 12


def test_default_order_is_start_date_time_then_id(tempo):
    worklogs = tempo.all_worklogs()

    keys = [(w["startDate"], w["startTime"], w["tempoWorklogId"]) for w in worklogs]
    assert keys == sorted(keys)


def test_worklog_has_tempos_shape(tempo, tempo_sandbox):
    worklog = tempo.get("/worklogs/1002").json()

    assert set(worklog) == WORKLOG_KEYS
    assert worklog["self"] == f"{tempo_sandbox.tempo_url}/4/worklogs/1002"
    assert worklog["tempoWorklogId"] == 1002
    assert worklog["issue"] == {
        "self": f"{tempo_sandbox.jira_url}/rest/api/2/issue/10100",
        "id": 10100,
    }
    assert (worklog["timeSpentSeconds"], worklog["billableSeconds"]) == (5400, 3600)
    assert worklog["startDateTimeUtc"] == f"{worklog['startDate']}T{worklog['startTime']}Z"
    assert worklog["createdAt"].endswith("Z") and worklog["updatedAt"] > worklog["createdAt"]
    assert worklog["author"]["self"].endswith(f"?accountId={worklog['author']['accountId']}")
    assert worklog["attributes"] == {
        "self": f"{tempo_sandbox.tempo_url}/4/worklogs/1002/work-attribute-values",
        "values": [{"key": "_Account_", "value": "ACME"}],
    }


def test_seed_covers_zero_and_partial_billable(tempo):
    worklogs = tempo.all_worklogs()

    assert any(w["billableSeconds"] == 0 for w in worklogs)
    assert any(0 < w["billableSeconds"] < w["timeSpentSeconds"] for w in worklogs)
    assert {w["issue"]["id"] for w in worklogs} == set(range(10100, 10106))


def test_limit_above_5000_is_clamped(tempo):
    body = tempo.get("/worklogs", limit=6000).json()

    assert body["metadata"]["limit"] == 5000
    assert query_of(body["self"])["limit"] == ["5000"]


def test_following_next_visits_every_worklog_once(tempo):
    expected = ids(tempo.all_worklogs())
    seen, pages = [], []
    url = f"{tempo.base}/worklogs?limit=5"
    while url:
        body = tempo.get(url).json()
        pages.append(body["metadata"])
        seen += ids(body["results"])
        url = body["metadata"].get("next")

    assert seen == expected
    assert [p["count"] for p in pages] == [5, 5, 2]
    assert [p["offset"] for p in pages] == [0, 5, 10]
    assert "previous" not in pages[0]
    assert query_of(pages[2]["previous"])["offset"] == ["5"]


def test_previous_never_goes_below_zero(tempo):
    metadata = tempo.get("/worklogs", offset=3, limit=5).json()["metadata"]

    assert query_of(metadata["previous"]) == {"offset": ["0"], "limit": ["5"]}


def test_offset_past_the_end_is_an_empty_page(tempo):
    body = tempo.get("/worklogs", offset=100).json()

    assert body["results"] == []
    assert body["metadata"]["count"] == 0
    assert "next" not in body["metadata"]


def test_page_links_keep_the_filters(tempo):
    metadata = tempo.get("/worklogs", projectId=10000, limit=2).json()["metadata"]

    assert query_of(metadata["next"]) == {
        "projectId": ["10000"],
        "limit": ["2"],
        "offset": ["2"],
    }


def test_project_id_filter_repeats(tempo):
    worklogs = tempo.all_worklogs()
    project_10000 = tempo.get("/worklogs", projectId=10000).json()["results"]
    both = tempo.get("/worklogs", projectId=[10000, 10001]).json()["results"]

    assert ids(project_10000) == [
        w["tempoWorklogId"] for w in worklogs if w["issue"]["id"] <= 10102
    ]
    assert ids(both) == ids(worklogs)


def test_issue_id_filter_repeats(tempo):
    worklogs = tempo.all_worklogs()

    result = tempo.get("/worklogs", issueId=[10100, 10104]).json()["results"]

    assert ids(result) == [
        w["tempoWorklogId"] for w in worklogs if w["issue"]["id"] in (10100, 10104)
    ]


def test_from_and_to_are_inclusive(tempo):
    worklogs = tempo.all_worklogs()
    first, last = worklogs[2]["startDate"], worklogs[8]["startDate"]

    result = tempo.get("/worklogs", **{"from": first, "to": last}).json()["results"]

    assert ids(result) == [w["tempoWorklogId"] for w in worklogs if first <= w["startDate"] <= last]
    assert ids(result)[0] == worklogs[2]["tempoWorklogId"]
    assert ids(result)[-1] == worklogs[8]["tempoWorklogId"]


@pytest.mark.parametrize("as_date", [False, True])
def test_updated_from_keeps_later_updates(tempo, as_date):
    worklogs = tempo.all_worklogs()
    pivot = sorted(w["updatedAt"] for w in worklogs)[6]
    value = pivot[:10] if as_date else pivot

    result = tempo.get("/worklogs", updatedFrom=value).json()["results"]

    assert ids(result) == [w["tempoWorklogId"] for w in worklogs if w["updatedAt"] >= value]
    assert pivot in {w["updatedAt"] for w in result}


def test_filters_combine(tempo):
    worklogs = tempo.all_worklogs()
    since = worklogs[6]["startDate"]

    result = tempo.get("/worklogs", projectId=10001, **{"from": since}).json()["results"]

    assert ids(result) == [
        w["tempoWorklogId"]
        for w in worklogs
        if w["issue"]["id"] >= 10103 and w["startDate"] >= since
    ]


@pytest.mark.parametrize(
    ("order_by", "key"),
    [
        ("ID", lambda w: w["tempoWorklogId"]),
        ("UPDATED", lambda w: (w["updatedAt"], w["tempoWorklogId"])),
        ("START_DATE_TIME", lambda w: (w["startDate"], w["startTime"], w["tempoWorklogId"])),
    ],
)
def test_order_by_sorts_descending(tempo, order_by, key):
    result = tempo.get("/worklogs", orderBy=order_by).json()["results"]

    assert result == sorted(result, key=key, reverse=True)


def test_project_parameter_is_refused(tempo):
    assert_bad_request(tempo.get("/worklogs", project="SUP"), "projectId")


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"from": "2026-13-01"}, ["'from'", "yyyy-MM-dd"]),
        ({"to": "01/02/2026"}, ["'to'", "yyyy-MM-dd"]),
        ({"from": "20260101"}, ["'from'"]),
        ({"updatedFrom": "yesterday"}, ["'updatedFrom'"]),
        ({"projectId": "SUP"}, ["'projectId'"]),
        ({"issueId": "1.5"}, ["'issueId'"]),
        ({"offset": "-1"}, ["'offset'"]),
        ({"limit": "0"}, ["'limit'"]),
        ({"limit": "many"}, ["'limit'"]),
        ({"orderBy": "NAME"}, ["'orderBy'"]),
    ],
)
def test_malformed_parameters_are_400(tempo, params, words):
    assert_bad_request(tempo.get("/worklogs", **params), *words)


def test_unknown_worklog_is_404_json(tempo):
    response = tempo.get("/worklogs/999999")

    assert response.status_code == 404
    assert response.json()["errors"][0]["message"]


def test_project_route_lists_its_worklogs(tempo, tempo_sandbox):
    worklogs = tempo.all_worklogs()

    body = tempo.get("/worklogs/project/10001", limit=2).json()

    assert (
        ids(body["results"])
        == [w["tempoWorklogId"] for w in worklogs if w["issue"]["id"] >= 10103][:2]
    )
    assert body["self"] == f"{tempo_sandbox.tempo_url}/4/worklogs/project/10001?limit=2&offset=0"
    assert urlsplit(body["metadata"]["next"]).path == "/tempo/4/worklogs/project/10001"


def test_issue_route_lists_its_worklogs_with_filters(tempo):
    worklogs = [w for w in tempo.all_worklogs() if w["issue"]["id"] == 10103]

    result = tempo.get("/worklogs/issue/10103", to=worklogs[0]["startDate"]).json()["results"]

    assert ids(result) == [worklogs[0]["tempoWorklogId"]]


@pytest.mark.parametrize("path", ["/worklogs/project/424242", "/worklogs/issue/424242"])
def test_unknown_parent_is_404(tempo, path):
    response = tempo.get(path)

    assert response.status_code == 404
    assert "errors" in response.json()


def test_search_filters_by_body(tempo):
    worklogs = tempo.all_worklogs()
    author = worklogs[0]["author"]["accountId"]

    response = tempo.request(
        "POST",
        "/worklogs/search",
        json={
            "projectIds": [10000, 10001],
            "authorIds": [author],
            "from": worklogs[1]["startDate"],
        },
    )

    assert response.status_code == 200
    assert ids(response.json()["results"]) == [
        w["tempoWorklogId"] for w in worklogs[1:] if w["author"]["accountId"] == author
    ]


def test_search_orders_and_pages(tempo, tempo_sandbox):
    response = tempo.request(
        "POST",
        "/worklogs/search",
        params={"offset": 2, "limit": 3},
        json={"issueIds": [10100, 10101, 10102], "orderBy": [{"field": "ID", "order": "DESC"}]},
    )

    body = response.json()
    assert ids(body["results"]) == [1004, 1003, 1002]
    assert body["self"] == f"{tempo_sandbox.tempo_url}/4/worklogs/search?offset=2&limit=3"
    assert query_of(body["metadata"]["next"]) == {"offset": ["5"], "limit": ["3"]}


@pytest.mark.parametrize(
    ("body", "word"),
    [
        ({"from": "last week"}, "'from'"),
        ({"projectIds": "10000"}, "'projectIds'"),
        ({"orderBy": [{"field": "ID", "order": "UP"}]}, "'order'"),
    ],
)
def test_search_with_bad_body_is_400(tempo, body, word):
    assert_bad_request(tempo.request("POST", "/worklogs/search", json=body), word)


def test_search_with_invalid_json_is_400(tempo):
    response = tempo.request("POST", "/worklogs/search", data=b"{nope")

    assert_bad_request(response, "JSON")


@pytest.mark.parametrize(
    ("method", "path"),
    [("DELETE", "/worklogs"), ("GET", "/worklogs/search"), ("PUT", "/worklogs/1001")],
)
def test_wrong_method_is_405(tempo, method, path):
    assert tempo.request(method, path).status_code == 405


def test_unknown_route_is_404_json(tempo):
    response = tempo.get("/no-such-thing")

    assert response.status_code == 404
    assert response.json() == {"errors": [{"message": "Not found"}]}
