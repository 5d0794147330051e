"""The Sync tab says whether Jira accepts the configured credentials, and as whom (issue 14):
one quick `/myself` call, cached, and none at all without JIRA_BASE_URL."""

from __future__ import annotations

import pytest
import requests
import responses
from django.core.cache import cache
from django.urls import reverse

from jsm.client import JiraClient, JiraUnavailable
from jsm.connection import JIRA_CHECK_TIMEOUT, JIRA_NOT_CONFIGURED, JIRA_REJECTED

from .fake_jira import BASE

SYNC = reverse("sync:tab")
MYSELF = f"{BASE}/rest/api/3/myself"
ADMIN = {
    "self": f"{BASE}/rest/api/3/user?accountId=5b10ac8d82e05b22cc7d4ef5",
    "accountId": "5b10ac8d82e05b22cc7d4ef5",
    "accountType": "atlassian",
    "emailAddress": "admin@sandbox.example",
    "displayName": "Site Admin",
    "active": True,
    "timeZone": "Europe/Berlin",
    "locale": "en_US",
}
PLATFORM_401 = {
    "errorMessages": [
        "You are not authenticated. Authentication required to perform this operation."
    ],
    "errors": {},
}


def connection_line(client) -> str:
    page = client.get(SYNC).content.decode()
    start = page.index('<p class="jira-connection"')
    return page[page.index(">", start) + 1 : page.index("</p>", start)]


@pytest.fixture
def jira(jira_settings):
    with responses.RequestsMock() as rsps:
        yield rsps


def test_connected_names_the_account(admin_client, jira):
    call = jira.get(MYSELF, json=ADMIN)

    assert connection_line(admin_client) == "Jira: connected as Site Admin (admin@sandbox.example)."
    assert call.call_count == 1
    sent = jira.calls[0].request
    assert sent.headers["Authorization"].startswith("Basic ")
    assert sent.req_kwargs["timeout"] == JIRA_CHECK_TIMEOUT


def test_connected_without_a_visible_email_gives_the_name_only(admin_client, jira):
    jira.get(MYSELF, json={**ADMIN, "emailAddress": None})

    assert connection_line(admin_client) == "Jira: connected as Site Admin."


def test_rejected_credentials_say_so(admin_client, jira):
    jira.get(MYSELF, status=401, json=PLATFORM_401)

    assert connection_line(admin_client) == JIRA_REJECTED


def test_unreachable_jira_says_so_after_one_attempt(admin_client, jira):
    call = jira.get(MYSELF, body=requests.ConnectionError("refused"))

    assert connection_line(admin_client) == (
        "Jira: the connection could not be checked just now. "
        "Jira could not be reached (ConnectionError)."
    )
    assert call.call_count == 1  # no retries on a page view


def test_a_failing_jira_is_not_retried(admin_client, jira):
    call = jira.get(MYSELF, status=503, headers={"Retry-After": "0"})

    assert connection_line(admin_client) == (
        "Jira: the connection could not be checked just now. Jira failed (503)."
    )
    assert call.call_count == 1


def test_not_configured_never_calls_jira(admin_client, settings):
    settings.JIRA_BASE_URL = ""
    with responses.RequestsMock() as rsps:  # any call would raise ConnectionError
        assert connection_line(admin_client) == JIRA_NOT_CONFIGURED
        assert len(rsps.calls) == 0


def test_the_answer_is_cached_two_page_views_one_call(admin_client, jira):
    call = jira.get(MYSELF, json=ADMIN)

    first, second = connection_line(admin_client), connection_line(admin_client)

    assert first == second == "Jira: connected as Site Admin (admin@sandbox.example)."
    assert call.call_count == 1


def test_a_refusal_is_cached_too(admin_client, jira):
    call = jira.get(MYSELF, status=401, json=PLATFORM_401)

    connection_line(admin_client)
    connection_line(admin_client)

    assert call.call_count == 1


def test_the_status_poll_never_calls_jira(admin_client, jira):
    response = admin_client.get(reverse("sync:status"))

    assert response.status_code == 200
    assert len(jira.calls) == 0


def test_a_display_name_is_escaped(admin_client, jira):
    jira.get(MYSELF, json={**ADMIN, "displayName": "<script>x</script>", "emailAddress": None})

    assert connection_line(admin_client) == "Jira: connected as &lt;script&gt;x&lt;/script&gt;."


def test_the_cache_key_holds_no_secret(admin_client, jira, settings):
    jira.get(MYSELF, json=ADMIN)
    connection_line(admin_client)

    keys = [key for key in cache._cache if "jira-connection" in key]
    assert len(keys) == 1
    assert settings.JIRA_API_TOKEN not in keys[0]
    assert settings.JIRA_EMAIL not in keys[0]


def test_myself_refuses_an_answer_that_is_no_user(jira):
    jira.get(MYSELF, json={"errorMessages": []})

    with pytest.raises(JiraUnavailable), JiraClient() as client:
        client.myself()
