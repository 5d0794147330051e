"""Basic authentication of the emulated Jira, and its two 401 bodies."""

from __future__ import annotations

import base64

import pytest

pytestmark = pytest.mark.integration

PLATFORM_ROUTE = "/rest/api/3/field"
JSM_ROUTE = "/rest/servicedeskapi/servicedesk"


def basic(email, token):
    return "Basic " + base64.b64encode(f"{email}:{token}".encode()).decode()


def test_the_sandbox_account_is_the_make_run_default(sandbox):
    assert (sandbox.jira_email, sandbox.jira_api_token) == (
        "admin@sandbox.example",
        "sandbox-jira-token",
    )


def test_right_credentials_pass(jira):
    assert jira.get(PLATFORM_ROUTE).status_code == 200
    assert jira.get(JSM_ROUTE).status_code == 200


def test_email_is_not_case_sensitive(sandbox, http):
    headers = {"Authorization": basic("Admin@Sandbox.Example", sandbox.jira_api_token)}

    assert http.get(sandbox.jira_url + PLATFORM_ROUTE, headers=headers, timeout=10).ok


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        basic("admin@sandbox.example", "wrong-token"),
        basic("someone@sandbox.example", "sandbox-jira-token"),
        basic("admin@sandbox.example", ""),
        "Basic not-base64!",
        "Basic " + base64.b64encode(b"no-colon").decode(),
        "Bearer sandbox-jira-token",
    ],
    ids=["none", "wrong-token", "wrong-email", "empty-token", "garbled", "no-colon", "bearer"],
)
def test_platform_route_without_the_account_is_401_platform_body(sandbox, http, authorization):
    headers = {"Authorization": authorization} if authorization else {}

    response = http.get(sandbox.jira_url + PLATFORM_ROUTE, headers=headers, timeout=10)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic")
    assert response.json() == {
        "errorMessages": [
            "You are not authenticated. Authentication required to perform this operation."
        ],
        "errors": {},
    }


def test_jsm_route_without_the_account_is_401_jsm_body(sandbox, http):
    headers = {"Authorization": basic("admin@sandbox.example", "wrong-token")}

    response = http.get(sandbox.jira_url + JSM_ROUTE, headers=headers, timeout=10)

    assert response.status_code == 401
    body = response.json()
    assert set(body) == {"errorMessage", "i18nErrorMessage"}
    assert body["errorMessage"]
    assert body["i18nErrorMessage"]["parameters"] == []
    assert body["i18nErrorMessage"]["i18nKey"]


def test_unknown_routes_answer_json_in_their_api_style(jira):
    platform = jira.get("/rest/api/3/no-such-route")
    jsm = jira.get("/rest/servicedeskapi/no-such-route")

    assert platform.status_code == jsm.status_code == 404
    assert "errorMessages" in platform.json()
    assert "errorMessage" in jsm.json()


def test_the_api_token_never_reaches_the_database_or_the_log(jira, sandbox):
    jira.get(PLATFORM_ROUTE)

    files = [sandbox.log_path, *sandbox.data_dir.glob("sandbox.sqlite3*")]
    contents = b"".join(_read(path) for path in files)
    assert b"alice@acme.example" in contents  # the files were read and hold the demo
    assert sandbox.jira_api_token.encode() not in contents


def _read(path):
    try:
        return path.read_bytes()
    except FileNotFoundError:  # SQLite removed its -wal or -shm file since the listing
        return b""
