"""The shared API shapes (sandbox/shapes/): documented examples, and one shape for both sides.

The builders are checked against the examples of the public references (docs/outside-apis.md
§1, §3), then the tests' fakes (tests/jsm/fake_jira.py, tests/tempo_integration/
fake_tempo.py) against the running sandbox: for the same route they answer with the same
fields at every level.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
import responses
from django.conf import settings

from sandbox.shapes import jira
from sandbox.shapes import tempo as tempo_shapes
from tests.jsm import fake_jira
from tests.tempo_integration import fake_tempo

MOMENT = datetime(2021, 1, 17, 12, 34, tzinfo=UTC)


def fields_of(value: Any) -> Any:
    """The field names at every level of `value`: what the two sides must agree on (their
    values differ: other ids, other hosts)."""
    if isinstance(value, dict):
        return {key: fields_of(item) for key, item in value.items()}
    if isinstance(value, list):
        return [fields_of(value[0])] if value else []
    return None


# -- the builders against the documented examples --------------------------------------------


def test_shapes_load_under_the_apps_settings_without_django():
    """The fakes import them in the app's tests, where the sandbox's models cannot load."""
    code = (
        "import sys, sandbox.shapes.jira, sandbox.shapes.tempo\n"
        "print(*sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'sandbox')))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "worklog_report.settings"}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == [
        "sandbox",
        "sandbox.shapes",
        "sandbox.shapes.jira",
        "sandbox.shapes.tempo",
    ]


def test_tempo_worklog_is_the_documented_object():
    built = tempo_shapes.tempo_worklog(
        worklogs_url="https://api.tempo.io/4/worklogs",
        jira_site="https://acme.atlassian.net",
        worklog_id=126,
        issue_id=10452,
        author_account_id="5b10ac8d82e05b22cc7d4ef5",
        time_spent_seconds=3600,
        billable_seconds=0,
        start_date="2026-10-14",
        start_time="09:30:00",
        description="Investigating a problem with our external database system",
        created_at="2026-10-14T16:41:41Z",
        updated_at="2026-10-14T16:41:41Z",
        attributes=[{"key": "_Account_", "value": "ACME"}],
    )
    assert built == {
        "self": "https://api.tempo.io/4/worklogs/126",
        "tempoWorklogId": 126,
        "issue": {"self": "https://acme.atlassian.net/rest/api/2/issue/10452", "id": 10452},
        "timeSpentSeconds": 3600,
        "billableSeconds": 0,
        "startDate": "2026-10-14",
        "startTime": "09:30:00",
        "startDateTimeUtc": "2026-10-14T09:30:00Z",
        "description": "Investigating a problem with our external database system",
        "createdAt": "2026-10-14T16:41:41Z",
        "updatedAt": "2026-10-14T16:41:41Z",
        "author": {
            "self": "https://acme.atlassian.net/rest/api/2/user?accountId=5b10ac8d82e05b22cc7d4ef5",
            "accountId": "5b10ac8d82e05b22cc7d4ef5",
        },
        "attributes": {
            "self": "https://api.tempo.io/4/worklogs/126/work-attribute-values",
            "values": [{"key": "_Account_", "value": "ACME"}],
        },
    }


def test_tempo_worklog_without_billable_seconds_leaves_the_field_out():
    built = fake_tempo.worklog(1, 10452, billable=None)
    assert "billableSeconds" not in built


def test_tempo_page_links_only_the_pages_that_exist():
    url = "https://api.tempo.io/4/worklogs/project/10001?offset=2&limit=2"
    first = tempo_shapes.tempo_page([{}, {}], self_url=url, offset=0, limit=2, next_url=url)
    assert first == {
        "self": url,
        "metadata": {"count": 2, "offset": 0, "limit": 2, "next": url},
        "results": [{}, {}],
    }
    last = tempo_shapes.tempo_page([{}], self_url=url, offset=2, limit=2, previous_url=url)
    assert last["metadata"] == {"count": 1, "offset": 2, "limit": 2, "previous": url}


def test_tempo_error_is_a_list_of_messages():
    assert tempo_shapes.tempo_error("Worklog with id 9 does not exist") == {
        "errors": [{"message": "Worklog with id 9 does not exist"}]
    }


def test_jira_time_is_jiras_timestamp_format():
    assert jira.jira_time(MOMENT) == "2021-01-17T12:34:00.000+0000"
    assert jira.jira_time(MOMENT, ZoneInfo("America/New_York")) == "2021-01-17T07:34:00.000-0500"


@pytest.mark.parametrize(
    ("seconds", "written"), [(12000, "3h 20m"), (36000, "1d 2h"), (144000, "1w"), (0, "0m")]
)
def test_duration_uses_jiras_eight_hour_days_and_five_day_weeks(seconds, written):
    assert jira.duration(seconds) == written


def test_jira_worklog_has_the_documented_fields():
    author = jira.jira_user("https://acme.atlassian.net", "5b10", email=None, display_name="Mia")
    built = jira.jira_worklog(
        "https://acme.atlassian.net",
        100028,
        10002,
        author=author,
        update_author=author,
        comment=jira.adf("I did some work here."),
        started=MOMENT,
        created=MOMENT,
        updated=MOMENT,
        time_spent_seconds=12000,
    )
    assert built == {
        "self": "https://acme.atlassian.net/rest/api/3/issue/10002/worklog/100028",
        "id": "100028",
        "issueId": "10002",
        "author": author,
        "updateAuthor": author,
        "comment": {
            "type": "doc",
            "version": 1,
            "content": [
                {
                    "type": "paragraph",
                    "content": [{"type": "text", "text": "I did some work here."}],
                }
            ],
        },
        "started": "2021-01-17T12:34:00.000+0000",
        "created": "2021-01-17T12:34:00.000+0000",
        "updated": "2021-01-17T12:34:00.000+0000",
        "timeSpent": "3h 20m",
        "timeSpentSeconds": 12000,
    }


def test_jira_user_keeps_a_hidden_email_as_null():
    built = jira.jira_user("https://acme.atlassian.net", "5b10", email=None, display_name="Mia")
    assert built == {
        "self": "https://acme.atlassian.net/rest/api/3/user?accountId=5b10",
        "accountId": "5b10",
        "accountType": "atlassian",
        "emailAddress": None,
        "displayName": "Mia",
        "active": True,
        "timeZone": None,
    }


def test_jsm_page_has_the_paged_dto_fields_and_no_total():
    page = jira.jsm_page(
        [{"id": "1"}],
        base="https://acme.atlassian.net",
        self_url="https://acme.atlassian.net/rest/servicedeskapi/servicedesk?start=0&limit=1",
        start=0,
        limit=1,
        is_last=False,
        next_url="https://acme.atlassian.net/rest/servicedeskapi/servicedesk?start=1&limit=1",
    )
    assert list(page) == ["_expands", "size", "start", "limit", "isLastPage", "_links", "values"]
    assert list(page["_links"]) == ["base", "context", "next", "self"]
    assert (page["size"], page["isLastPage"]) == (1, False)


def test_jsm_date_writes_one_moment_four_ways():
    assert jira.jsm_date(MOMENT) == {
        "iso8601": "2021-01-17T12:34:00+0000",
        "jira": "2021-01-17T12:34:00.000+0000",
        "friendly": "17/Jan/21 12:34 PM",
        "epochMillis": 1610886840000,
    }


def test_search_page_has_a_token_only_when_more_follow():
    assert jira.search_page([], None) == {"issues": [], "isLast": True}
    assert jira.search_page([], "abc") == {"issues": [], "nextPageToken": "abc", "isLast": False}


def test_the_jsm_fields_are_found_by_their_documented_schema():
    participants = jira.participants_field(10026)
    organizations = jira.organizations_field(10002)
    assert participants["schema"]["custom"] == "com.atlassian.servicedesk:sd-request-participants"
    assert (
        organizations["schema"]["custom"] == "com.atlassian.servicedesk:sd-customer-organizations"
    )
    assert (participants["id"], organizations["id"]) == ("customfield_10026", "customfield_10002")


# -- the fakes against the sandbox ------------------------------------------------------------


@pytest.mark.integration
def test_fake_tempo_and_the_sandbox_answer_the_same_worklog_page(tempo):
    sandbox_page = tempo.get("/worklogs", limit=1).json()
    fake = fake_tempo.FakeTempo(page_size=1)
    account = [{"key": "_Account_", "value": "ACME"}]
    fake.worklogs[10000] = [fake_tempo.worklog(n, 20001, attributes=account) for n in (1, 2)]
    base = settings.TEMPO_BASE_URL
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake.install(rsps)
        fake_page = requests.get(f"{base}/4/worklogs/project/10000?limit=1", timeout=5).json()

    assert fields_of(fake_page) == fields_of(sandbox_page)


@pytest.mark.integration
def test_the_sandboxs_tempo_worklog_is_the_shared_builders(tempo):
    """Built again from its own values, a sandbox worklog comes out identical."""
    answer = tempo.all_worklogs()[0]
    rebuilt = tempo_shapes.tempo_worklog(
        worklogs_url=answer["self"].rsplit("/", 1)[0],
        jira_site=answer["issue"]["self"].split("/rest/")[0],
        worklog_id=answer["tempoWorklogId"],
        issue_id=answer["issue"]["id"],
        author_account_id=answer["author"]["accountId"],
        time_spent_seconds=answer["timeSpentSeconds"],
        billable_seconds=answer.get("billableSeconds"),
        start_date=answer["startDate"],
        start_time=answer["startTime"],
        description=answer["description"],
        created_at=answer["createdAt"],
        updated_at=answer["updatedAt"],
        attributes=answer["attributes"]["values"],
    )
    assert rebuilt == answer


SYNC_FIELDS = [
    "summary",
    "status",
    "reporter",
    "created",
    "updated",
    fake_jira.PARTICIPANTS,
    fake_jira.ORGANIZATIONS,
]
EXPERIMENTAL = {"X-ExperimentalApi": "opt-in"}


def plain_worklog(worklog: dict[str, Any]) -> bool:
    """Unrestricted, with a plain-text comment: what the fake's worklogs are."""
    return "visibility" not in worklog and fields_of(worklog["comment"]) == fields_of(
        jira.adf("text")
    )


def sandbox_answers(api) -> dict[str, Any]:
    """The sandbox's answers to the routes the Jira sync reads, one item of each."""
    desks = api.ok("/rest/servicedeskapi/servicedesk")
    desk_id = desks["values"][0]["id"]
    organizations = api.ok(f"/rest/servicedeskapi/servicedesk/{desk_id}/organization")
    members = api.ok(f"/rest/servicedeskapi/organization/{organizations['values'][0]['id']}/user")
    customers = api.get(f"/rest/servicedeskapi/servicedesk/{desk_id}/customer", EXPERIMENTAL)
    issues = api.search_all(f"project = {desks['values'][0]['projectId']}", SYNC_FIELDS)
    issue = next(
        i
        for i in issues
        if i["fields"][fake_jira.PARTICIPANTS] and i["fields"][fake_jira.ORGANIZATIONS]
    )
    search = api.search(f"project = {desks['values'][0]['projectId']}", SYNC_FIELDS, maxResults=1)
    changes = api.ok("/rest/api/3/worklog/updated", since=0)
    listed = api.post(
        "/rest/api/3/worklog/list", {"ids": [c["worklogId"] for c in changes["values"]]}
    )
    worklog = next(w for w in listed.json() if plain_worklog(w))
    on_issue = api.ok(f"/rest/api/3/issue/{worklog['issueId']}/worklog")
    fields = {f["id"]: f for f in api.ok("/rest/api/3/field")}
    return {
        "desks": desks,
        "organizations": organizations,
        "members": members,
        "customers": customers.json(),
        "search": {**search, "issues": [issue]},
        "changes": changes,
        "worklog": worklog,
        "issue worklogs": {**on_issue, "worklogs": [worklog]},
        "participants field": fields[fake_jira.PARTICIPANTS],
        "organizations field": fields[fake_jira.ORGANIZATIONS],
    }


def fake_answers() -> dict[str, Any]:
    """The fake Jira's answers to the same routes (tests/jsm/conftest.py's people)."""
    fake = fake_jira.FakeJira(page_size=50)
    alice = fake_jira.user("acc-alice", "alice@acme.example", "Alice Anders")
    bob = fake_jira.user("acc-bob", "bob@acme.example", "Bob Baker")
    acme = {"id": "1", "name": "Acme"}
    fake.add_project("10000", "ITSD", "IT Service Desk", "1")
    fake.orgs["1"] = [acme]
    fake.members["1"] = [alice, bob]
    fake.customers["1"] = [alice, bob]
    fake.add_issue("10000", "20001", "ITSD-1", alice, participants=[bob], orgs=[acme])
    fake.add_worklog(1, "20001", 3600, bob)
    base = fake_jira.BASE
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake.install(rsps)

        def get(path: str, **kwargs: Any) -> Any:
            return requests.get(f"{base}{path}", timeout=5, **kwargs).json()

        def post(path: str, body: Any) -> Any:
            return requests.post(f"{base}{path}", json=body, timeout=5).json()

        fields = {f["id"]: f for f in get("/rest/api/3/field")}
        return {
            "desks": get("/rest/servicedeskapi/servicedesk"),
            "organizations": get("/rest/servicedeskapi/servicedesk/1/organization"),
            "members": get("/rest/servicedeskapi/organization/1/user"),
            "customers": get("/rest/servicedeskapi/servicedesk/1/customer", headers=EXPERIMENTAL),
            "search": post("/rest/api/3/search/jql", {"jql": "project = 10000", "fields": []}),
            "changes": get("/rest/api/3/worklog/updated?since=0"),
            "worklog": post("/rest/api/3/worklog/list", {"ids": [1]})[0],
            "issue worklogs": get("/rest/api/3/issue/20001/worklog"),
            "participants field": fields[fake_jira.PARTICIPANTS],
            "organizations field": fields[fake_jira.ORGANIZATIONS],
        }


@pytest.mark.integration
def test_fake_jira_and_the_sandbox_answer_with_the_same_fields(jira):
    sandbox, fake = sandbox_answers(jira), fake_answers()
    # The sandbox's longer lists link a next page, which the fake's short ones have not: a
    # difference of length, not of shape.
    sandbox["changes"].pop("nextPage", None)
    sandbox["search"].pop("nextPageToken", None)

    for route, answer in sandbox.items():
        assert fields_of(fake[route]) == fields_of(answer), route
