"""Enhanced JQL search (`/rest/api/3/search/jql`): JQL, fields, nextPageToken paging."""

from __future__ import annotations

import re

import pytest

from sandbox.demo import catalog
from tests.sandbox.clients import JiraApi

pytestmark = pytest.mark.integration

PARTICIPANTS = "customfield_10026"
ORGANIZATIONS = "customfield_10002"
APP_FIELDS = ["summary", "status", "reporter", "created", "updated", PARTICIPANTS, ORGANIZATIONS]
ISSUE_TYPES = {"Service Request", "Incident", "Problem", "Change", "Task", "Bug", "Story"}
JIRA_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000")
UNBOUNDED = {
    "errorMessages": [
        "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."
    ],
    "errors": {},
}


def keys(issues):
    return [issue["key"] for issue in issues]


def ids(issues):
    return [issue["id"] for issue in issues]


@pytest.fixture(scope="module")
def itsd(sandbox):
    """Every ITSD request with the app's fields, in id order (read once for the module)."""
    return JiraApi(sandbox).search_all("project = ITSD ORDER BY id", APP_FIELDS, maxResults=100)


def test_without_fields_only_ids_come_back(jira, itsd):
    page = jira.search("project = ITSD ORDER BY id", maxResults=3)

    assert page["issues"] == [{"id": issue["id"]} for issue in itsd[:3]]


def test_only_the_requested_fields_come_back(jira, sandbox):
    page = jira.search("project = SUP", ["summary", "status", "no_such_field"], maxResults=1)

    issue = page["issues"][0]
    assert set(issue) == {"id", "key", "self", "fields"}
    assert set(issue["fields"]) == {"summary", "status"}
    assert issue["self"] == f"{sandbox.jira_url}/rest/api/3/issue/{issue['id']}"


def test_get_takes_fields_as_a_comma_separated_list(jira):
    posted = jira.search("project = SUP ORDER BY id", ["summary", "reporter"], maxResults=5)

    got = jira.ok(
        "/rest/api/3/search/jql",
        jql="project = SUP ORDER BY id",
        fields="summary,reporter",
        maxResults=5,
    )

    assert got == posted


def test_field_values_have_jiras_shapes(itsd):
    issue = itsd[0]["fields"]

    assert issue["summary"]
    assert set(issue["status"]) >= {"id", "name", "statusCategory"}
    assert issue["status"]["statusCategory"]["key"] in {"new", "indeterminate", "done"}
    assert set(issue["reporter"]) >= {"accountId", "emailAddress", "displayName", "active"}
    assert JIRA_TIME.fullmatch(issue["created"]) and JIRA_TIME.fullmatch(issue["updated"])
    assert issue["updated"] >= issue["created"]


def test_issue_type_has_jiras_shape(jira, sandbox):
    issues = jira.search_all("project in (ITSD, PLAT)", ["issuetype"], maxResults=100)

    types = [issue["fields"]["issuetype"] for issue in issues]
    assert {t["name"] for t in types} <= ISSUE_TYPES
    assert {t["name"] for t in types} >= {"Service Request", "Incident", "Task", "Bug"}
    first = types[0]
    assert set(first) == {
        "self",
        "id",
        "description",
        "iconUrl",
        "name",
        "subtask",
        "avatarId",
        "hierarchyLevel",
    }
    assert first["self"] == f"{sandbox.jira_url}/rest/api/3/issuetype/{first['id']}"
    assert first["subtask"] is False and first["hierarchyLevel"] == 0


def test_empty_jsm_fields_are_null_and_others_are_lists(itsd):
    participants = [issue["fields"][PARTICIPANTS] for issue in itsd]
    organizations = [issue["fields"][ORGANIZATIONS] for issue in itsd]

    assert None in participants and None in organizations
    assert all(value is None or value for value in participants + organizations)
    shared = next(value for value in organizations if value)
    assert set(shared[0]) >= {"id", "name"}
    assert shared[0]["id"] in {"1", "2", "3"}
    someone = next(value for value in participants if value)
    assert someone[0]["accountId"].startswith("qm:")


def test_hidden_email_reporter_has_null_email(jira):
    issues = jira.search_all("project in (ITSD, SUP)", ["reporter"], maxResults=100)

    hidden = [
        i for i in issues if i["fields"]["reporter"]["accountId"] == catalog.HIDDEN.account_id
    ]
    assert hidden
    assert all(i["fields"]["reporter"]["emailAddress"] is None for i in hidden)


def test_following_next_page_token_visits_every_issue_once(jira, itsd):
    seen = jira.search_all("project = ITSD ORDER BY id", ["summary"], maxResults=7)

    assert ids(seen) == ids(itsd)
    assert len(set(ids(seen))) == len(seen)


def test_last_page_has_no_token(jira, itsd):
    page = jira.search("project = ITSD", ["summary"], maxResults=100, nextPageToken=None)
    while "nextPageToken" in page:
        assert page["isLast"] is False
        page = jira.search(
            "project = ITSD", ["summary"], maxResults=100, nextPageToken=page["nextPageToken"]
        )

    assert page["isLast"] is True
    assert "nextPageToken" not in page


def test_max_results_default_50_and_cap_100_with_fields(jira):
    assert len(jira.search("project = ITSD", ["summary"])["issues"]) == 50
    assert len(jira.search("project = ITSD", ["summary"], maxResults=1000)["issues"]) == 100


def test_ids_only_pages_hold_up_to_5000(jira):
    page = jira.search("project in (ITSD, SUP)", ["id", "key"], maxResults=5000)

    assert len(page["issues"]) == 300
    assert page["isLast"] is True
    assert set(page["issues"][0]) == {"id", "key", "self", "fields"}
    assert page["issues"][0]["fields"] == {}


@pytest.mark.parametrize("jql", ["project = 10000", "project = itsd", "PROJECT = ITSD"])
def test_project_by_id_or_key_any_case(jira, itsd, jql):
    assert sorted(ids(jira.search_all(jql, maxResults=5000))) == ids(itsd)


def test_project_in_lists(jira, itsd):
    both = jira.search_all("project in (10000, SUP)", maxResults=5000)
    sup = jira.search_all("project = SUP", maxResults=5000)

    assert len(both) == len(itsd) + len(sup) == 300


def test_software_issues_are_searchable(jira):
    issues = jira.search_all("project = PLAT", ["status"], maxResults=100)

    assert len(issues) == 24
    assert all(issue["key"].startswith("PLAT-") for issue in issues)


def test_id_and_key_clauses(jira, itsd):
    wanted = itsd[3:6]

    by_id = jira.search(f"id in ({', '.join(ids(wanted))}) ORDER BY id", ["summary"])
    by_key = jira.search(f"key in ({', '.join(keys(wanted))}) ORDER BY id", ["summary"])
    one = jira.search(f"issuekey = {wanted[0]['key']}", ["summary"])

    assert keys(by_id["issues"]) == keys(by_key["issues"]) == keys(wanted)
    assert by_id["issues"][0]["fields"] == {"summary": wanted[0]["fields"]["summary"]}
    assert keys(one["issues"]) == [wanted[0]["key"]]


@pytest.mark.parametrize("moment", ["{day} {time}", "{day}", "{slashes} {time}"])
def test_updated_since(jira, itsd, moment):
    pivot = sorted(issue["fields"]["updated"] for issue in itsd)[len(itsd) // 2]
    day, time = pivot[:10], pivot[11:16]
    value = moment.format(day=day, time=time, slashes=day.replace("-", "/"))
    cutoff = f"{day}T{time if '{time}' in moment else '00:00'}"

    result = jira.search_all(f'project = ITSD AND updated >= "{value}" ORDER BY id', ["updated"])

    assert ids(result) == [i["id"] for i in itsd if i["fields"]["updated"][:16] >= cutoff]


def test_created_before(jira, itsd):
    pivot = itsd[10]["fields"]["created"]

    result = jira.search_all(
        f'project = ITSD and created < "{pivot[:10]}" order by id', ["created"]
    )

    assert ids(result) == [i["id"] for i in itsd if i["fields"]["created"][:10] < pivot[:10]]


@pytest.mark.parametrize(
    ("order", "key"),
    [
        ("ORDER BY id DESC", lambda i: -int(i["id"])),
        ("ORDER BY created", lambda i: (i["fields"]["created"], int(i["id"]))),
        ("ORDER BY updated DESC", lambda i: (i["fields"]["updated"], int(i["id"]))),
    ],
)
def test_order_by(jira, itsd, order, key):
    result = jira.search_all(f"project = ITSD {order}", ["created", "updated"], maxResults=100)

    expected = sorted(itsd, key=key, reverse="updated DESC" in order)
    assert ids(result) == ids(expected)


def test_order_by_key_sorts_numbers_as_numbers(jira):
    result = jira.search_all("project in (ITSD, SUP) ORDER BY key ASC", ["key"], maxResults=5000)

    pairs = [(issue["key"].split("-")[0], int(issue["key"].split("-")[1])) for issue in result]
    assert pairs == sorted(pairs)


@pytest.mark.parametrize("jql", ["", "   ", "ORDER BY id", "order by created desc, key"])
def test_only_a_query_without_a_restriction_is_unbounded(jira, jql):
    response = jira.post("/rest/api/3/search/jql", {"jql": jql, "fields": ["summary"]})

    assert response.status_code == 400
    assert response.json() == UNBOUNDED


@pytest.mark.parametrize(
    "jql",
    ['updated >= "2026-11-01"', "created < 2026-01-01", "status = Resolved", "updated >= -30d"],
)
def test_any_restriction_bounds_the_query(jira, jql):
    """The GitHub issue's examples: Jira counts any clause as a search restriction."""
    response = jira.post("/rest/api/3/search/jql", {"jql": jql, "fields": ["summary"]})

    assert response.status_code == 200, response.text


def test_updated_since_alone_matches_every_project(jira, itsd):
    pivot = sorted(issue["fields"]["updated"] for issue in itsd)[len(itsd) // 2][:10]

    alone = jira.search_all(f'updated >= "{pivot}"', ["project"], maxResults=100)
    scoped = jira.search_all(f'project = ITSD AND updated >= "{pivot}"', maxResults=100)

    assert {i["fields"]["project"]["key"] for i in alone} >= {"ITSD"}
    assert set(ids(scoped)) < set(ids(alone))


@pytest.mark.parametrize(
    ("jql", "message"),
    [
        (
            "project ITSD",
            "Error in the JQL Query: Expecting operator but got 'ITSD'. The valid operators are "
            "'=', '!=', '<', '>', '<=', '>=', '~', '!~', 'IN', 'NOT IN', 'IS' and 'IS NOT'. "
            "(line 1, character 9)",
        ),
        (
            "project = ITSD AND",
            "Error in the JQL Query: Expecting a field name at the end of the query.",
        ),
        (
            "project in (ITSD, SUP",
            "Error in the JQL Query: Expecting ')' before the end of the query.",
        ),
        ("project = ITSD ORDER BY organizations", "Not able to sort using field 'organizations'."),
        (
            "assignee = ITSD",
            "Field 'assignee' does not exist or you do not have permission to view it.",
        ),
        (
            'project = ITSD AND updated >= "yesterday"',
            "Date value 'yesterday' for field 'updated' is invalid. Valid formats include: "
            "'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period "
            "format e.g. '-5d', '4w 2d'.",
        ),
        ("project = NOPE", "The value 'NOPE' does not exist for the field 'project'."),
        ("key in (ITSD-99999)", "An issue with key 'ITSD-99999' does not exist for field 'key'."),
        ("id = 1", "An issue with key '1' does not exist for field 'id'."),
        (
            'project = "ITSD',
            "Error in the JQL Query: The quoted string 'ITSD' has not been completed. "
            "(line 1, character 11)",
        ),
        ("project > ITSD", "The operator '>' is not supported by the 'project' field."),
    ],
)
def test_jql_jira_refuses_is_400_with_jiras_message(jira, jql, message):
    response = jira.post("/rest/api/3/search/jql", {"jql": jql})

    assert response.status_code == 400
    assert response.json() == {"errorMessages": [message], "errors": {}}


def test_a_foreign_next_page_token_is_400(jira):
    token = jira.search("project = ITSD", ["summary"], maxResults=1)["nextPageToken"]

    other_query = jira.post(
        "/rest/api/3/search/jql", {"jql": "project = SUP", "nextPageToken": token}
    )
    garbage = jira.post("/rest/api/3/search/jql", {"jql": "project = SUP", "nextPageToken": "%%%"})

    assert other_query.status_code == garbage.status_code == 400


def test_body_that_is_not_json_is_400(jira):
    response = jira.session.post(f"{jira.base}/rest/api/3/search/jql", data=b"{nope", timeout=10)

    assert response.status_code == 400
    assert response.json()["errorMessages"]
