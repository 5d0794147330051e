"""Changing a customer through the control endpoint: portal access revoked and restored,
an e-mail address changed or hidden, seen through every JSM and Jira object of the user.

These tests change data, so they use `drift_sandbox`, and put every change back.
"""

from __future__ import annotations

import pytest

from sandbox.client import SandboxError
from sandbox.demo import catalog
from tests.sandbox.clients import JiraApi

pytestmark = pytest.mark.integration

OPT_IN = {"X-ExperimentalApi": "opt-in"}


@pytest.fixture
def jira(drift_sandbox):
    api = JiraApi(drift_sandbox)
    yield api
    api.session.close()


@pytest.fixture
def control(drift_sandbox):
    return drift_sandbox.client


def alice_everywhere(jira) -> list[dict]:
    """Alice as ITSD's customer list, Acme's member list and her requests' reporter say."""
    account = catalog.ALICE.account_id
    customers = jira.jsm_values("/rest/servicedeskapi/servicedesk/1/customer", headers=OPT_IN)
    members = jira.jsm_values("/rest/servicedeskapi/organization/1/user")
    issues = jira.search_all("project = ITSD", ["reporter"], maxResults=100)
    return [
        next(u for u in customers if u["accountId"] == account),
        next(u for u in members if u["accountId"] == account),
        next(
            i["fields"]["reporter"]
            for i in issues
            if i["fields"]["reporter"]["accountId"] == account
        ),
    ]


def test_revoked_then_restored_portal_access(control, jira):
    revoked = control.revoke_portal_access(catalog.ALICE.email)
    try:
        seen = alice_everywhere(jira)
    finally:
        restored = control.restore_portal_access(catalog.ALICE.account_id)
    assert revoked == {
        "account_id": catalog.ALICE.account_id,
        "email": catalog.ALICE.email,
        "active": False,
    }
    assert [u["active"] for u in seen] == [False, False, False]
    assert restored["active"] is True
    assert [u["active"] for u in alice_everywhere(jira)] == [True, True, True]


def test_changed_then_hidden_email(control, jira):
    try:
        changed = control.change_jira_email(catalog.ALICE.account_id, "alice.anders@acme.example")
        seen_changed = alice_everywhere(jira)
        hidden = control.change_jira_email(catalog.ALICE.account_id, None)
        seen_hidden = alice_everywhere(jira)
    finally:
        control.change_jira_email(catalog.ALICE.account_id, catalog.ALICE.email)
    assert changed["email"] == "alice.anders@acme.example"
    assert [u["emailAddress"] for u in seen_changed] == ["alice.anders@acme.example"] * 3
    assert {u["accountId"] for u in seen_changed} == {catalog.ALICE.account_id}
    assert hidden["email"] is None
    assert [u["emailAddress"] for u in seen_hidden] == [None, None, None]
    assert [u["emailAddress"] for u in alice_everywhere(jira)] == [catalog.ALICE.email] * 3


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda c: c.change_jira_email(catalog.ALICE.account_id, catalog.BOB.email), "Another"),
        (lambda c: c.change_jira_email(catalog.ALICE.account_id, "not-an-address"), "not an"),
        (lambda c: c.revoke_portal_access("nobody@nowhere.example"), "No Jira user"),
        (lambda c: c.change_jira_email("qm:nobody", None), "No Jira user"),
    ],
)
def test_bad_customer_changes_are_refused_with_a_reason(control, call, words):
    with pytest.raises(SandboxError, match=words):
        call(control)


def test_access_takes_only_true_or_false(drift_sandbox):
    response = drift_sandbox.client._session.post(
        f"{drift_sandbox.url}/_sandbox/jira/users/{catalog.ALICE.account_id}/access",
        json={"active": "no"},
        timeout=5,
    )
    assert response.status_code == 400
    assert "true or false" in response.json()["error"]
