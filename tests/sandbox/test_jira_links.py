"""Every link the emulated Jira and JSM hand out resolves, to the object that carries it.

Issue item 5: a client may follow any `self` (and JSM's `_links.self`, `_links.jiraRest`) it
is given, as it can on a real site; unknown objects behind those routes answer 404 in the
route's own error body. Item 8: a service desk's organizations honour `accountId`.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest

from sandbox.demo import catalog
from sandbox.jira.fields import PARTICIPANTS_FIELD

pytestmark = pytest.mark.integration

OPT_IN = {"X-ExperimentalApi": "opt-in"}
LINK_KEYS = ("self", "jiraRest")
ALL_FIELDS = ["*all"]
ITSD_DESK = "/rest/servicedeskapi/servicedesk/1"


def links_in(value: Any) -> Iterator[tuple[dict[str, Any], str]]:
    """(owner, url) for every `self`/`jiraRest` link in a JSON answer; a link inside
    `_links` belongs to the object holding `_links`."""
    if isinstance(value, list):
        for item in value:
            yield from links_in(item)
    if not isinstance(value, dict):
        return
    for key in LINK_KEYS:
        if isinstance(value.get(key), str):
            yield value, value[key]
    links = value.get("_links")
    if isinstance(links, dict):
        for key in LINK_KEYS:
            if isinstance(links.get(key), str):
                yield value, links[key]
    for key, item in value.items():
        if key != "_links":
            yield from links_in(item)


def assert_same_object(owner: dict[str, Any], fetched: dict[str, Any], url: str) -> None:
    """The answer behind `url` is the object (or page) that handed the link out."""
    if "tempoWorklogId" in owner:
        assert fetched == owner, url
    elif "accountId" in owner:
        assert fetched["accountId"] == owner["accountId"], url
        assert fetched["displayName"] == owner["displayName"], url
    elif "id" in owner:
        assert str(fetched["id"]) == str(owner["id"]), url
        for key in ("key", "name", "issueId"):
            if key in owner:
                assert fetched[key] == owner[key], url
    elif "issueId" in owner:  # a JSM request: its own route, and its Jira issue
        assert fetched.get("issueId", fetched.get("id")) == owner["issueId"], url
    elif "values" in owner and "results" in fetched:  # a Tempo worklog's attributes
        assert fetched["results"] == owner["values"], url
    else:  # a page
        content = next(key for key in ("values", "results", "issues") if key in owner)
        assert fetched[content] == owner[content], url


def follow_every_link(
    api: Any, answer: Any, base: str, headers: dict[str, str] | None = None
) -> int:
    """GET each link of `answer` (once per URL) with `api`; 200 and the same object.

    Only links into this sandbox are followed: avatars live on Atlassian's hosts, as on a
    real site. Returns how many distinct links were followed.
    """
    fetched: dict[str, Any] = {}
    for owner, url in links_in(answer):
        assert url.startswith(base), url
        if url not in fetched:
            response = api.get(url, headers=headers)
            assert response.status_code == 200, (url, response.text)
            assert response.headers["Content-Type"].startswith("application/json"), url
            fetched[url] = response.json()
        assert_same_object(owner, fetched[url], url)
    return len(fetched)


def assert_platform_error(response, status):
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"errorMessages", "errors"}
    assert body["errorMessages"] or body["errors"]


def assert_jsm_error(response, status, i18n_key=None):
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"errorMessage", "i18nErrorMessage"}
    assert body["errorMessage"]
    if i18n_key:
        assert body["i18nErrorMessage"]["i18nKey"] == i18n_key


# -- following links ---------------------------------------------------------------------


@pytest.mark.parametrize("project", [p.key for p in catalog.PROJECTS])
def test_search_links_resolve(jira, sandbox, project):
    page = jira.search(f"project = {project} ORDER BY id", ALL_FIELDS, maxResults=15)

    assert page["issues"]
    # Issue, project, status, status category, reporter, participants, organizations.
    assert follow_every_link(jira, page, sandbox.jira_url) >= 4


def test_issue_type_icons_on_this_host_load_without_credentials(jira, sandbox, http):
    page = jira.search("project in (ITSD, PLAT) ORDER BY id", ["issuetype"], maxResults=50)
    icons = {issue["fields"]["issuetype"]["iconUrl"] for issue in page["issues"]}

    assert len(icons) >= 2
    for url in icons:
        response = http.get(url, timeout=10)  # an <img> sends no Authorization
        assert response.status_code == 200, url
        assert response.headers["Content-Type"].startswith("image/"), url


@pytest.mark.parametrize(
    "path", ["/rest/api/3/project/search", "/rest/api/3/project/search?typeKey=service_desk"]
)
def test_project_page_links_resolve(jira, sandbox, path):
    # The page's own `self`, and every project's.
    assert follow_every_link(jira, jira.ok(path), sandbox.jira_url) >= 3


def test_worklog_links_resolve(jira, sandbox):
    issues = jira.search("project = ITSD ORDER BY id", ["id"], maxResults=5)["issues"]
    for issue in issues:
        answer = jira.ok(f"/rest/api/3/issue/{issue['id']}/worklog")
        follow_every_link(jira, answer["worklogs"], sandbox.jira_url)


def test_one_worklog_route_answers_the_worklog(jira):
    issue = jira.search("project = SUP ORDER BY id", ["id"], maxResults=1)["issues"][0]
    worklog = jira.ok(f"/rest/api/3/issue/{issue['id']}/worklog")["worklogs"][0]

    assert jira.ok(worklog["self"]) == worklog
    key = jira.ok(f"/rest/api/3/issue/{issue['id']}", fields="key")["key"]
    assert jira.ok(f"/rest/api/3/issue/{key}/worklog/{worklog['id']}") == worklog


@pytest.mark.parametrize(
    "path",
    [
        "/rest/servicedeskapi/servicedesk",
        "/rest/servicedeskapi/organization",
        f"{ITSD_DESK}/organization",
        "/rest/servicedeskapi/organization/1/user",
        "/rest/servicedeskapi/organization/3/user",
    ],
)
def test_jsm_list_links_resolve(jira, sandbox, path):
    pages = jira.jsm_pages(path)

    assert follow_every_link(jira, pages, sandbox.jira_url) >= 2


@pytest.mark.parametrize("desk", ["1", "2"])
def test_customer_links_resolve(jira, sandbox, desk):
    pages = jira.jsm_pages(f"/rest/servicedeskapi/servicedesk/{desk}/customer", headers=OPT_IN)

    # The customer pages' own `self` needs the opt-in header as the first call did.
    assert follow_every_link(jira, pages, sandbox.jira_url, OPT_IN) >= 2


def test_participant_and_request_links_resolve(jira, sandbox):
    issues = jira.search("project = SUP ORDER BY id", [PARTICIPANTS_FIELD], maxResults=50)
    with_participants = [i for i in issues["issues"] if i["fields"].get(PARTICIPANTS_FIELD)]
    assert with_participants, "the demo has requests with participants"
    for issue in with_participants[:3]:
        participants = jira.jsm_pages(f"/rest/servicedeskapi/request/{issue['id']}/participant")
        follow_every_link(jira, participants, sandbox.jira_url)
        found = jira.ok(f"/rest/servicedeskapi/request/{issue['id']}")
        follow_every_link(jira, found, sandbox.jira_url)


def test_v2_user_and_issue_are_the_v3_objects_with_v2_links(jira, sandbox):
    v3 = jira.search("project = ITSD ORDER BY id", ALL_FIELDS, maxResults=1)["issues"][0]
    v2 = jira.ok(f"/rest/api/2/issue/{v3['key']}")
    reporter = v3["fields"]["reporter"]

    assert v2["self"] == f"{sandbox.jira_url}/rest/api/2/issue/{v3['id']}"
    assert {**v2, "self": v3["self"]} == jira.ok(v3["self"])
    user = jira.ok("/rest/api/2/user", accountId=reporter["accountId"])
    assert user["self"] == f"{sandbox.jira_url}/rest/api/2/user?accountId={reporter['accountId']}"
    assert {**user, "self": reporter["self"]} == jira.ok(reporter["self"])


# -- the new routes' answers ---------------------------------------------------------------


def test_user_has_the_user_shape(jira, sandbox):
    user = jira.ok("/rest/api/3/user", accountId=catalog.ALICE.account_id)

    assert user["self"] == (
        f"{sandbox.jira_url}/rest/api/3/user?accountId={catalog.ALICE.account_id}"
    )
    assert (user["displayName"], user["emailAddress"], user["accountType"]) == (
        "Alice Anders",
        "alice@acme.example",
        "customer",
    )
    assert {"avatarUrls", "timeZone", "active", "locale"} <= set(user)


def test_status_and_category_by_id_name_and_key(jira, sandbox):
    by_id = jira.ok("/rest/api/3/status/5")

    assert (by_id["name"], by_id["statusCategory"]["key"]) == ("Resolved", "done")
    assert jira.ok("/rest/api/3/status/resolved")["id"] == "5"
    category = jira.ok(by_id["statusCategory"]["self"])
    assert category == by_id["statusCategory"]
    assert jira.ok("/rest/api/3/statuscategory/done") == category


def test_service_desk_by_desk_id_project_id_and_key(jira):
    desk = jira.ok(ITSD_DESK)

    assert (desk["id"], desk["projectKey"]) == ("1", "ITSD")
    assert jira.ok("/rest/servicedeskapi/servicedesk/10000") == desk
    assert jira.ok("/rest/servicedeskapi/servicedesk/ITSD") == desk


def test_organization_has_the_organization_shape(jira, sandbox):
    organization = jira.ok("/rest/servicedeskapi/organization/1")

    assert (organization["id"], organization["name"]) == ("1", "Acme")
    assert set(organization["created"]) == {"iso8601", "jira", "friendly", "epochMillis"}
    assert organization["_links"] == {
        "self": f"{sandbox.jira_url}/rest/servicedeskapi/organization/1"
    }


def test_request_has_the_customer_request_shape(jira, sandbox):
    issue = jira.search("project = ITSD ORDER BY id", ALL_FIELDS, maxResults=1)["issues"][0]
    found = jira.ok(f"/rest/servicedeskapi/request/{issue['key']}")

    assert (found["issueId"], found["issueKey"], found["serviceDeskId"]) == (
        issue["id"],
        issue["key"],
        "1",
    )
    assert found["reporter"]["accountId"] == issue["fields"]["reporter"]["accountId"]
    assert found["requestFieldValues"][0]["value"] == issue["fields"]["summary"]
    status = found["currentStatus"]
    assert status["status"] == issue["fields"]["status"]["name"]
    assert status["statusCategory"] == issue["fields"]["status"]["statusCategory"]["key"].upper()
    assert set(status["statusDate"]) == {"iso8601", "jira", "friendly", "epochMillis"}
    assert found["_links"] == {
        "jiraRest": f"{sandbox.jira_url}/rest/api/2/issue/{issue['id']}",
        "self": f"{sandbox.jira_url}/rest/servicedeskapi/request/{issue['id']}",
    }


# -- item 8: a desk's organizations of one user --------------------------------------------


@pytest.mark.parametrize(
    ("person", "names"),
    [
        (catalog.ALICE, ["Acme"]),
        (catalog.JONAS, ["Acme", "Initech"]),
        (catalog.CAROL, ["Globex"]),
        (catalog.CUSTOMERS[-1], []),  # in no organization
    ],
    ids=["one-org", "two-orgs", "other-org", "no-org"],
)
def test_service_desk_organizations_honour_account_id(jira, person, names):
    found = jira.jsm_values(f"{ITSD_DESK}/organization", accountId=person.account_id)

    assert [organization["name"] for organization in found] == names


def test_service_desk_organizations_without_account_id_are_all_linked(jira):
    found = jira.jsm_values(f"{ITSD_DESK}/organization")

    assert [organization["name"] for organization in found] == ["Acme", "Globex", "Initech"]


# -- 400 and 404 in each API's body --------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/rest/api/3/issue/ITSD-1/worklog/999999999",
        "/rest/api/3/issue/NOPE-1/worklog/500001",
        "/rest/api/3/issue/PLAT-1/worklog/not-a-number",
        "/rest/api/3/user?accountId=no-such-account",
        "/rest/api/2/user?accountId=no-such-account",
        "/rest/api/2/issue/NOPE-1",
        "/rest/api/3/status/no-such-status",
        "/rest/api/3/statuscategory/99",
        "/rest/api/3/issuetype/99999",
        "/rest/api/2/universal_avatar/view/type/issuetype/avatar/1",
    ],
)
def test_platform_routes_answer_404_in_platform_body(jira, path):
    assert_platform_error(jira.get(path), 404)


@pytest.mark.parametrize("path", ["/rest/api/3/user", "/rest/api/2/user?accountId="])
def test_user_without_account_id_is_400(jira, path):
    assert_platform_error(jira.get(path), 400)


@pytest.mark.parametrize(
    ("path", "i18n_key"),
    [
        ("/rest/servicedeskapi/servicedesk/99", "sd.servicedesk.error.not.found"),
        ("/rest/servicedeskapi/servicedesk/PLAT", "sd.servicedesk.error.not.found"),
        ("/rest/servicedeskapi/organization/99", "sd.organization.error.not.found"),
        ("/rest/servicedeskapi/organization/acme", "sd.organization.error.not.found"),
        ("/rest/servicedeskapi/request/NOPE-1", "sd.request.error.not.found"),
        # A software project's issue is not a request.
        ("/rest/servicedeskapi/request/PLAT-1", "sd.request.error.not.found"),
    ],
)
def test_jsm_routes_answer_404_in_jsm_body(jira, path, i18n_key):
    assert_jsm_error(jira.get(path), 404, i18n_key)


@pytest.mark.parametrize(
    "path",
    [
        "/rest/api/3/user?accountId=x",
        "/rest/api/2/user?accountId=x",
        "/rest/api/2/issue/ITSD-1",
        "/rest/api/3/status/5",
        "/rest/api/3/statuscategory/2",
        "/rest/api/3/issue/ITSD-1/worklog/500001",
        f"{ITSD_DESK}",
        "/rest/servicedeskapi/organization/1",
        "/rest/servicedeskapi/request/ITSD-1",
    ],
)
def test_new_routes_need_the_account(sandbox, http, path):
    wrong = "Basic " + base64.b64encode(b"admin@sandbox.example:wrong").decode()

    response = http.get(f"{sandbox.jira_url}{path}", headers={"Authorization": wrong}, timeout=10)

    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/json"
