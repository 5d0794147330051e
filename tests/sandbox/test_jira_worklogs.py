"""Jira's worklog routes: per issue, `worklog/updated` and `/deleted` paging, `worklog/list`."""

from __future__ import annotations

import re
import time
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.sandbox.clients import JiraApi

pytestmark = pytest.mark.integration

WORKLOG_KEYS = {
    "self",
    "id",
    "issueId",
    "author",
    "updateAuthor",
    "comment",
    "started",
    "created",
    "updated",
    "timeSpent",
    "timeSpentSeconds",
}
JIRA_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000")


def epoch_ms(jira_time):
    return int(datetime.strptime(jira_time, "%Y-%m-%dT%H:%M:%S.%f%z").timestamp() * 1000)


@pytest.fixture(scope="module")
def changes(sandbox):
    """Every `worklog/updated` page from the start, following `nextPage`."""
    api = JiraApi(sandbox)
    pages, url = [], "/rest/api/3/worklog/updated"
    while url:
        pages.append(api.ok(url))
        url = pages[-1].get("nextPage")
    return pages


@pytest.fixture
def busy_issue(jira):
    """An ITSD request with several worklogs, and its worklog page."""
    for issue in jira.search("project = ITSD ORDER BY id", ["summary"], maxResults=40)["issues"]:
        page = jira.ok(f"/rest/api/3/issue/{issue['key']}/worklog")
        if page["total"] >= 4:
            return issue, page
    raise AssertionError("The demo has no request with four worklogs.")


def test_issue_worklogs_by_key_or_id(jira, busy_issue):
    issue, by_key = busy_issue

    by_id = jira.ok(f"/rest/api/3/issue/{issue['id']}/worklog")

    assert by_id == by_key
    assert (by_key["startAt"], by_key["maxResults"]) == (0, 5000)
    assert by_key["total"] == len(by_key["worklogs"])


def test_worklog_has_jiras_shape(busy_issue, sandbox):
    issue, page = busy_issue
    worklog = page["worklogs"][0]

    assert set(worklog) == WORKLOG_KEYS
    assert worklog["issueId"] == issue["id"]
    assert worklog["id"].isdigit()
    assert worklog["self"] == (
        f"{sandbox.jira_url}/rest/api/3/issue/{issue['id']}/worklog/{worklog['id']}"
    )
    assert worklog["author"]["accountType"] == "atlassian"
    assert worklog["updateAuthor"]["accountId"] == worklog["author"]["accountId"]
    assert worklog["comment"]["type"] == "doc" and worklog["comment"]["version"] == 1
    for name in ("started", "created", "updated"):
        assert JIRA_TIME.fullmatch(worklog[name])
    assert 900 <= worklog["timeSpentSeconds"] <= 4 * 3600


def test_time_spent_reads_like_jira(jira):
    seen = {}
    for issue in jira.search("project = SUP ORDER BY id", ["summary"], maxResults=12)["issues"]:
        for worklog in jira.ok(f"/rest/api/3/issue/{issue['id']}/worklog")["worklogs"]:
            seen[worklog["timeSpentSeconds"]] = worklog["timeSpent"]

    assert seen.get(900, "15m") == "15m"
    assert seen.get(3600, "1h") == "1h"
    assert seen.get(4500, "1h 15m") == "1h 15m"
    assert all(re.fullmatch(r"(\d+h)?( ?\d+m)?", text) for text in seen.values())


def test_started_after_and_before_filter(jira, busy_issue):
    issue, page = busy_issue
    worklogs = sorted(page["worklogs"], key=lambda w: w["started"])
    middle = epoch_ms(worklogs[1]["started"])

    after = jira.ok(f"/rest/api/3/issue/{issue['id']}/worklog", startedAfter=middle)
    before = jira.ok(f"/rest/api/3/issue/{issue['id']}/worklog", startedBefore=middle)

    assert all(epoch_ms(w["started"]) >= middle for w in after["worklogs"])
    assert all(epoch_ms(w["started"]) < middle for w in before["worklogs"])
    assert after["total"] + before["total"] == page["total"]


def test_start_at_and_max_results_page(jira, busy_issue):
    issue, page = busy_issue

    second = jira.ok(f"/rest/api/3/issue/{issue['id']}/worklog", startAt=1, maxResults=2)

    assert second["worklogs"] == page["worklogs"][1:3]
    assert (second["startAt"], second["maxResults"], second["total"]) == (1, 2, page["total"])


def test_unknown_issue_is_404_platform_body(jira):
    response = jira.get("/rest/api/3/issue/ITSD-99999/worklog")

    assert response.status_code == 404
    assert response.json()["errorMessages"]


def test_updated_pages_hold_1000_oldest_first_and_visit_every_worklog_once(changes, jira):
    values = [value for page in changes for value in page["values"]]

    assert [len(page["values"]) for page in changes] == [1000, 206]
    assert [page["lastPage"] for page in changes] == [False, True]
    assert "nextPage" not in changes[-1]
    times = [value["updatedTime"] for value in values]
    assert times == sorted(times)
    assert len({value["worklogId"] for value in values}) == len(values) == 1206
    assert values[0] == {
        "worklogId": values[0]["worklogId"],
        "updatedTime": times[0],
        "properties": [],
    }


def test_updated_page_links_chain_by_until(changes, sandbox):
    first, second = changes

    assert first["since"] == 0
    assert first["until"] == first["values"][-1]["updatedTime"]
    assert parse_qs(urlsplit(first["nextPage"]).query) == {"since": [str(first["until"])]}
    assert second["since"] == first["until"]
    assert first["self"] == f"{sandbox.jira_url}/rest/api/3/worklog/updated"


def test_updated_skips_the_last_minute(changes):
    newest = changes[-1]["values"][-1]["updatedTime"]

    assert newest < (time.time() - 60) * 1000


def test_updated_since_keeps_later_changes_only(jira, changes):
    values = [value for page in changes for value in page["values"]]
    pivot = values[600]["updatedTime"]

    page = jira.ok("/rest/api/3/worklog/updated", since=pivot)

    assert [v["worklogId"] for v in page["values"]] == [
        v["worklogId"] for v in values if v["updatedTime"] > pivot
    ][:1000]


def test_nothing_deleted_in_the_demo(jira):
    page = jira.ok("/rest/api/3/worklog/deleted", since=0)

    assert page["values"] == [] and page["lastPage"] is True
    assert page["until"] == page["since"] == 0


def test_list_returns_the_worklogs_asked_for(jira, changes):
    wanted = [value["worklogId"] for value in changes[0]["values"][:5]]

    # `worklogId` is an integer there; the list takes ids as numbers or digit strings.
    response = jira.post("/rest/api/3/worklog/list", {"ids": [wanted[0], *map(str, wanted[1:]), 1]})

    assert response.status_code == 200
    assert sorted(int(w["id"]) for w in response.json()) == sorted(wanted)
    assert set(response.json()[0]) == WORKLOG_KEYS


@pytest.mark.parametrize("body", [{"ids": []}, {"ids": list(range(1, 1002))}, {}, {"ids": ["x"]}])
def test_list_refuses_empty_too_long_or_bad_id_lists(jira, body):
    response = jira.post("/rest/api/3/worklog/list", body)

    assert response.status_code == 400
    assert response.json()["errorMessages"]


def test_tempo_worklogs_are_also_in_jira(jira, sandbox, http):
    token = sandbox.client.mint_token(name="tests: demo worklogs", scopes={"worklogs": "view"})
    tempo = http.get(
        f"{sandbox.tempo_url}/4/worklogs",
        params={"limit": 5000},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    ).json()["results"]
    issue = str(tempo[0]["issue"]["id"])

    logged = jira.ok(f"/rest/api/3/issue/{issue}/worklog")["worklogs"]

    in_tempo = {
        (w["startDate"], w["startTime"], w["timeSpentSeconds"], w["author"]["accountId"])
        for w in tempo
        if str(w["issue"]["id"]) == issue
    }
    in_jira = {
        (w["started"][:10], w["started"][11:19], w["timeSpentSeconds"], w["author"]["accountId"])
        for w in logged
    }
    assert in_tempo <= in_jira
