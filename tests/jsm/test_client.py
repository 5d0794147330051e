"""JiraClient: error mapping, both error bodies, Retry-After, opt-in header, paging guards."""

from __future__ import annotations

import pytest
import responses
from responses import matchers

from jsm.client import (
    JiraAuthError,
    JiraClient,
    JiraNotFound,
    JiraPermissionError,
    JiraRequestError,
    JiraUnavailable,
)

from .fake_jira import BASE

FIELD = f"{BASE}/rest/api/3/field"


def client(**kw) -> tuple[JiraClient, list[float]]:
    waits: list[float] = []
    return (
        JiraClient(
            base_url=BASE, email="me@example.com", api_token="tok-secret", sleep=waits.append, **kw
        ),
        waits,
    )


@responses.activate
def test_basic_auth_header():
    responses.get(
        FIELD,
        json=[],
        match=[
            matchers.header_matcher({"Authorization": "Basic bWVAZXhhbXBsZS5jb206dG9rLXNlY3JldA=="})
        ],
    )
    jira, _ = client()
    assert jira.custom_field_ids() == {"participants": None, "organizations": None}


@pytest.mark.parametrize(
    "status,body,error,text",
    [
        (401, {"errorMessages": ["Unauthorized"]}, JiraAuthError, "401"),
        (403, {"errorMessage": "No access to this desk"}, JiraPermissionError, "No access"),
        (404, {"errorMessages": ["Issue does not exist"], "errors": {}}, JiraNotFound, "does not"),
        (400, {"errorMessages": [], "errors": {"jql": "bad"}}, JiraRequestError, "jql: bad"),
    ],
)
@responses.activate
def test_refusals_map_to_exceptions_with_jiras_words(status, body, error, text):
    responses.get(FIELD, status=status, json=body)
    jira, waits = client()
    with pytest.raises(error, match=text):
        jira.custom_field_ids()
    assert len(responses.calls) == 1 and waits == []


@responses.activate
def test_429_waits_as_told():
    responses.get(FIELD, status=429, headers={"Retry-After": "7", "X-RateLimit-Remaining": "0"})
    responses.get(FIELD, json=[])
    jira, waits = client(retry_budget=30)
    jira.custom_field_ids()
    assert waits == [7.0]


@responses.activate
def test_503_backs_off_from_five_seconds():
    responses.get(FIELD, status=503)
    responses.get(FIELD, json=[])
    jira, waits = client(retry_budget=30)
    jira.custom_field_ids()
    assert 3.5 <= waits[0] <= 6.5


@responses.activate
def test_customers_send_the_experimental_opt_in():
    responses.get(
        f"{BASE}/rest/servicedeskapi/servicedesk/3/customer",
        json={"values": [{"accountId": "a"}], "isLastPage": True},
        match=[matchers.header_matcher({"X-ExperimentalApi": "opt-in"})],
    )
    jira, _ = client()
    assert [u.account_id for u in jira.customers("3")] == ["a"]


@responses.activate
def test_a_page_of_the_wrong_shape_is_unavailable():
    responses.get(f"{BASE}/rest/servicedeskapi/servicedesk", json={"hello": 1})
    jira, _ = client(retry_budget=0)
    with pytest.raises(JiraUnavailable, match="not a JSM page"):
        list(jira.service_desks())


@responses.activate
def test_jql_takes_only_a_numeric_project_id():
    jira, _ = client()
    with pytest.raises(ValueError):
        list(jira.requests_of_project("10000 OR 1=1", {}))


@pytest.mark.parametrize(
    "link",
    [
        "https://elsewhere.test/rest/api/3/worklog/updated?since=2",  # another host
        "/rest/api/3/worklog/updated?since=2",  # not a full URL
        123,
    ],
)
@responses.activate
def test_a_worklog_feeds_next_page_off_jiras_address_is_not_followed(link):
    """The credentials go with every request: Jira's ``nextPage`` on another address is not
    followed, and the read ends with a sentence."""
    responses.get(
        f"{BASE}/rest/api/3/worklog/updated",
        json={"values": [], "since": 1, "until": 2, "lastPage": False, "nextPage": link},
    )
    jira, _ = client()
    pages = jira.updated_worklog_pages(1)
    next(pages)
    with pytest.raises(JiraUnavailable) as caught:
        next(pages)
    assert str(caught.value) == (
        "Jira answered with a link to its next page that is not on Jira's address; it was "
        "not followed."
    )
    assert len(responses.calls) == 1
