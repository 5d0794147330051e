"""The JSM routes: service desks, organizations, their users, customers, participants."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from sandbox.demo import catalog

pytestmark = pytest.mark.integration

OPT_IN = {"X-ExperimentalApi": "opt-in"}
JSM_PAGE_KEYS = {"_expands", "size", "start", "limit", "isLastPage", "_links", "values"}
USER_KEYS = {"accountId", "emailAddress", "displayName", "active", "timeZone", "_links"}


def query_of(url):
    return parse_qs(urlsplit(url).query)


def assert_jsm_error(response, status):
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"errorMessage", "i18nErrorMessage"}
    assert body["errorMessage"]
    assert set(body["i18nErrorMessage"]) == {"i18nKey", "parameters"}


def test_service_desks_are_the_jsm_projects_only(jira, sandbox):
    page = jira.ok("/rest/servicedeskapi/servicedesk")

    assert set(page) == JSM_PAGE_KEYS
    assert page["values"] == [
        {
            "id": "1",
            "projectId": "10000",
            "projectName": "IT Service Desk",
            "projectKey": "ITSD",
            "_links": {"self": f"{sandbox.jira_url}/rest/servicedeskapi/servicedesk/1"},
        },
        {
            "id": "2",
            "projectId": "10001",
            "projectName": "Customer Support",
            "projectKey": "SUP",
            "_links": {"self": f"{sandbox.jira_url}/rest/servicedeskapi/servicedesk/2"},
        },
    ]
    assert "PLAT" not in str(page)


def test_jsm_page_envelope(jira, sandbox):
    page = jira.ok("/rest/servicedeskapi/organization/1/user", start=2, limit=3)

    assert (page["_expands"], page["size"], page["start"], page["limit"]) == ([], 3, 2, 3)
    assert page["isLastPage"] is False
    links = page["_links"]
    assert links["base"] == sandbox.jira_url
    assert links["context"] == ""
    assert query_of(links["next"]) == {"start": ["5"], "limit": ["3"]}
    assert query_of(links["prev"]) == {"start": ["0"], "limit": ["3"]}
    assert (
        links["self"]
        == f"{sandbox.jira_url}/rest/servicedeskapi/organization/1/user?start=2&limit=3"
    )


def test_first_and_last_pages_have_no_prev_and_no_next(jira):
    first = jira.ok("/rest/servicedeskapi/servicedesk", limit=1)
    last = jira.ok("/rest/servicedeskapi/servicedesk", start=1, limit=1)

    assert "prev" not in first["_links"] and "next" in first["_links"]
    assert "next" not in last["_links"] and "prev" in last["_links"]
    assert last["isLastPage"] is True


def test_following_next_visits_every_member_once(jira):
    everyone = jira.ok("/rest/servicedeskapi/organization/1/user")["values"]

    pages = jira.jsm_pages("/rest/servicedeskapi/organization/1/user", limit=2)

    seen = [user["accountId"] for page in pages for user in page["values"]]
    assert seen == [user["accountId"] for user in everyone]
    assert len(pages) == (len(everyone) + 1) // 2
    assert [page["start"] for page in pages] == list(range(0, len(everyone), 2))


def test_limit_defaults_to_50_and_is_capped_at_50(jira):
    assert jira.ok("/rest/servicedeskapi/organization")["limit"] == 50
    assert jira.ok("/rest/servicedeskapi/organization", limit=500)["limit"] == 50


@pytest.mark.parametrize("params", [{"start": "-1"}, {"limit": "ten"}, {"limit": "0"}])
def test_bad_paging_parameters_are_400(jira, params):
    assert_jsm_error(jira.get("/rest/servicedeskapi/servicedesk", **params), 400)


@pytest.mark.parametrize("desk", ["1", "10000", "ITSD"])
def test_service_desk_is_found_by_desk_id_project_id_or_key(jira, desk):
    organizations = jira.ok(f"/rest/servicedeskapi/servicedesk/{desk}/organization")["values"]

    assert [(o["id"], o["name"]) for o in organizations] == [
        ("1", "Acme"),
        ("2", "Globex"),
        ("3", "Initech"),
    ]
    assert set(organizations[0]) == {"id", "name", "_links", "created"}


@pytest.mark.parametrize("desk", ["PLAT", "10002", "99", "NOPE"])
def test_software_or_unknown_desk_is_404(jira, desk):
    assert_jsm_error(jira.get(f"/rest/servicedeskapi/servicedesk/{desk}/organization"), 404)


def test_organizations_of_a_customer(jira):
    def names(account):
        values = jira.ok("/rest/servicedeskapi/organization", accountId=account)["values"]
        return [o["name"] for o in values]

    assert names(catalog.ALICE.account_id) == ["Acme"]
    assert names(catalog.CAROL.account_id) == ["Globex"]
    assert names(catalog.JONAS.account_id) == ["Acme", "Initech"]
    assert names("qm:nobody") == []


def test_organization_users_are_ordered_by_account_id(jira):
    acme = jira.jsm_values("/rest/servicedeskapi/organization/1/user")

    ids = [user["accountId"] for user in acme]
    assert ids == sorted(ids)
    assert set(acme[0]) == USER_KEYS
    by_email = {user["emailAddress"]: user for user in acme}
    assert by_email["alice@acme.example"]["displayName"] == "Alice Anders"
    assert by_email["alice@acme.example"]["accountId"] == catalog.ALICE.account_id
    assert by_email["bob@acme.example"]["displayName"] == "Bob Baker"
    assert by_email["ivan@acme.example"]["active"] is False
    assert "carol@globex.example" not in by_email


def test_hidden_email_is_null(jira):
    globex = jira.jsm_values("/rest/servicedeskapi/organization/2/user")

    hidden = next(u for u in globex if u["accountId"] == catalog.HIDDEN.account_id)
    assert hidden["emailAddress"] is None
    assert "carol@globex.example" in {u["emailAddress"] for u in globex}


def test_unknown_organization_is_404(jira):
    assert_jsm_error(jira.get("/rest/servicedeskapi/organization/999/user"), 404)


def test_customers_need_the_experimental_opt_in(jira):
    response = jira.get("/rest/servicedeskapi/servicedesk/1/customer")

    assert_jsm_error(response, 400)
    assert "X-ExperimentalApi: opt-in" in response.json()["errorMessage"]


def test_customers_with_the_opt_in(jira):
    customers = [
        user
        for page in jira.jsm_pages("/rest/servicedeskapi/servicedesk/ITSD/customer", headers=OPT_IN)
        for user in page["values"]
    ]

    ids = [user["accountId"] for user in customers]
    assert ids == sorted(ids)
    assert {catalog.ALICE.account_id, catalog.BOB.account_id, catalog.CAROL.account_id} <= set(ids)
    assert not {agent.account_id for agent in catalog.AGENTS} & set(ids)
    assert set(customers[0]) == USER_KEYS


def test_customer_query_matches_name_or_email(jira):
    def found(query):
        page = jira.get(
            "/rest/servicedeskapi/servicedesk/1/customer", headers=OPT_IN, query=query
        ).json()
        return [user["displayName"] for user in page["values"]]

    assert found("alice") == ["Alice Anders"]
    assert found("anders") == ["Alice Anders"]
    assert set(found("@GLOBEX.example")) == {
        "Carol Chen",
        "Diego Duarte",
        "Elena Esposito",
        "Frank Fischer",
        "Grace Gao",
    }
    assert found("nobody-like-this") == []


def test_participants_of_a_request(jira):
    issue = next(
        issue
        for issue in jira.search_all("project = ITSD", ["customfield_10026"])
        if issue["fields"]["customfield_10026"]
    )
    expected = sorted(user["accountId"] for user in issue["fields"]["customfield_10026"])

    by_key = jira.jsm_values(f"/rest/servicedeskapi/request/{issue['key']}/participant")
    by_id = jira.jsm_values(f"/rest/servicedeskapi/request/{issue['id']}/participant")

    assert [user["accountId"] for user in by_key] == expected
    assert by_id == by_key


@pytest.mark.parametrize("ref", ["ITSD-99999", "PLAT-1"])
def test_participants_of_unknown_request_or_software_issue_is_404(jira, ref):
    assert_jsm_error(jira.get(f"/rest/servicedeskapi/request/{ref}/participant"), 404)
