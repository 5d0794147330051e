"""Tempo's OAuth 2.0 in the sandbox: consent, code, token, refresh, revoke (outside-apis §2)."""

from __future__ import annotations

import html
import re
import sqlite3
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from sandbox.client import SandboxError

pytestmark = pytest.mark.integration

REDIRECT = "http://127.0.0.1:8000/tempo/oauth/callback/"
OTHER_REDIRECT = "http://localhost:8000/tempo/oauth/callback/"
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class OAuth:
    """An application registered in the sandbox, and the HTTP calls it makes."""

    def __init__(self, sandbox, http):
        self.sandbox = sandbox
        self.http = http
        app = sandbox.client.create_oauth_application("Worklog Report", [REDIRECT, OTHER_REDIRECT])
        self.client_id = app["client_id"]
        self.client_secret = app["client_secret"]

    def authorize_url(self, legacy=False, **params):
        query = {"client_id": self.client_id, "redirect_uri": REDIRECT, **params}
        if legacy:
            return (
                f"{self.sandbox.jira_url}/plugins/servlet/ac/io.tempo.jira/oauth-authorize/",
                query,
            )
        query.setdefault("jira_url", self.sandbox.jira_url)
        return f"{self.sandbox.tempo_url}/oauth/authorize/redirect", query

    def consent(self, decision="allow", legacy=False, **params):
        """GET the consent page, press a button; return the 302's query."""
        url, query = self.authorize_url(legacy=legacy, **params)
        page = self.http.get(url, params=query, timeout=10)
        assert page.status_code == 200, page.text
        data = {"csrfmiddlewaretoken": CSRF_FIELD.search(page.text).group(1), "decision": decision}
        answer = self.http.post(page.url, data=data, allow_redirects=False, timeout=10)
        assert answer.status_code == 302
        location = answer.headers["Location"]
        assert location.startswith(query["redirect_uri"] + "?")
        return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}

    def token(self, secret=None, **form):
        body = {"client_id": self.client_id, "client_secret": secret or self.client_secret}
        body.update(form)
        return self.http.post(f"{self.sandbox.tempo_url}/oauth/token/", data=body, timeout=10)

    def exchange(self, code, redirect_uri=REDIRECT, **form):
        return self.token(
            grant_type="authorization_code", code=code, redirect_uri=redirect_uri, **form
        )

    def refresh(self, refresh_token, redirect_uri=REDIRECT, **form):
        return self.token(
            grant_type="refresh_token",
            refresh_token=refresh_token,
            redirect_uri=redirect_uri,
            **form,
        )

    def revoke(self, token, hint="access_token", secret=None):
        body = {
            "client_id": self.client_id,
            "client_secret": secret or self.client_secret,
            "token": token,
            "token_type_hint": hint,
        }
        return self.http.post(
            f"{self.sandbox.tempo_url}/oauth/revoke_token/", data=body, timeout=10
        )

    def pair(self):
        """A fresh access/refresh pair through the control endpoint's consent."""
        code = self.sandbox.client.oauth_authorize(self.client_id, REDIRECT)
        answer = self.exchange(code)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def api(self, access_token):
        return self.http.get(
            f"{self.sandbox.tempo_url}/4/worklogs",
            headers={"Authorization": f"Bearer {access_token}"},
            timeout=10,
        )

    def counts(self):
        return self.sandbox.client.oauth_token_counts(self.client_id)


@pytest.fixture
def oauth(tempo_sandbox_clean, http):
    tempo_sandbox_clean.client.reset_oauth_lifetimes()
    app = OAuth(tempo_sandbox_clean, http)
    yield app
    tempo_sandbox_clean.client.reset_oauth_lifetimes()


def assert_oauth_error(response, status, error):
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json()["error"] == error
    if error == "invalid_grant":
        assert response.json()["error_description"].endswith(".")


def test_whole_flow_consent_code_token_api_call(oauth):
    back = oauth.consent(state="xyz-123 ü")

    assert back["state"] == "xyz-123 ü"
    answer = oauth.exchange(back["code"])
    assert answer.status_code == 200
    body = answer.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 5_184_000
    assert body["scope"] == "read write"
    assert body["access_token"] and body["refresh_token"]
    assert oauth.api(body["access_token"]).status_code == 200


def test_consent_page_names_the_application_and_the_api_account(oauth, tempo_sandbox):
    url, query = oauth.authorize_url()
    page = oauth.http.get(url, params=query, timeout=10)

    assert "Worklog Report" in page.text
    assert "sandbox-api-account" in page.text
    assert ">Allow<" in page.text and ">Deny<" in page.text


def test_without_state_none_comes_back(oauth):
    back = oauth.consent()

    assert "state" not in back and back["code"]


def test_deny_redirects_with_access_denied_and_state(oauth):
    back = oauth.consent("deny", state="s1")

    assert back["error"] == "access_denied"
    assert back["error_description"]
    assert back["state"] == "s1"
    assert "code" not in back


def test_legacy_authorize_url_works_too(oauth):
    back = oauth.consent(legacy=True, state="legacy")

    assert back["state"] == "legacy"
    assert oauth.exchange(back["code"]).status_code == 200


@pytest.mark.parametrize("legacy", [False, True])
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"client_id": "no-such-client"}, "No OAuth 2.0 application has this client_id."),
        ({"redirect_uri": "http://evil.example/cb"}, "not one of the application's registered"),
        ({"redirect_uri": REDIRECT + "extra"}, "not one of the application's registered"),
        ({"redirect_uri": None}, "The redirect_uri parameter is missing."),
    ],
)
def test_bad_client_or_redirect_is_an_error_page_never_a_redirect(oauth, params, message, legacy):
    url, query = oauth.authorize_url(legacy=legacy, **params)
    query = {key: value for key, value in query.items() if value is not None}
    page = oauth.http.get(url, params=query, allow_redirects=False, timeout=10)

    assert page.status_code == 400
    assert "Location" not in page.headers
    assert page.headers["Content-Type"].startswith("text/html")
    assert message in html.unescape(page.text)


def test_code_replay_is_invalid_grant_and_revokes_its_tokens(oauth):
    code = oauth.sandbox.client.oauth_authorize(oauth.client_id, REDIRECT)
    first = oauth.exchange(code).json()

    replayed = oauth.exchange(code)
    assert_oauth_error(replayed, 400, "invalid_grant")
    assert "already used" in replayed.json()["error_description"]
    assert oauth.api(first["access_token"]).status_code == 401
    assert_oauth_error(oauth.refresh(first["refresh_token"]), 400, "invalid_grant")


def test_code_replay_also_revokes_tokens_refreshed_from_it(oauth):
    code = oauth.sandbox.client.oauth_authorize(oauth.client_id, REDIRECT)
    first = oauth.exchange(code).json()
    second = oauth.refresh(first["refresh_token"]).json()

    oauth.exchange(code)
    assert oauth.api(second["access_token"]).status_code == 401


def test_expired_code_is_invalid_grant(oauth):
    oauth.sandbox.client.oauth_lifetimes(code_seconds=1)
    code = oauth.sandbox.client.oauth_authorize(oauth.client_id, REDIRECT)
    time.sleep(1.1)

    assert_oauth_error(oauth.exchange(code), 400, "invalid_grant")


def test_unknown_code_is_invalid_grant(oauth):
    assert_oauth_error(oauth.exchange("not-a-code"), 400, "invalid_grant")


def test_redirect_uri_other_than_the_authorizations_is_invalid_grant(oauth):
    code = oauth.sandbox.client.oauth_authorize(oauth.client_id, REDIRECT)

    answer = oauth.exchange(code, redirect_uri=OTHER_REDIRECT)
    assert_oauth_error(answer, 400, "invalid_grant")
    assert answer.json()["error_description"]


def test_wrong_secret_or_unknown_client_is_invalid_client(oauth):
    code = oauth.sandbox.client.oauth_authorize(oauth.client_id, REDIRECT)

    assert_oauth_error(oauth.exchange(code, client_secret="wrong"), 401, "invalid_client")
    answer = oauth.http.post(
        f"{oauth.sandbox.tempo_url}/oauth/token/",
        data={
            "client_id": "nobody",
            "client_secret": "x",
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
        },
        timeout=10,
    )
    assert_oauth_error(answer, 401, "invalid_client")


def test_new_secret_stops_the_old_one(oauth):
    pair = oauth.pair()
    new = oauth.sandbox.client.new_oauth_secret(oauth.client_id)

    old_secret_refresh = oauth.refresh(pair["refresh_token"], client_secret=oauth.client_secret)
    assert_oauth_error(old_secret_refresh, 401, "invalid_client")
    assert_oauth_error(oauth.revoke(pair["access_token"]), 401, "invalid_client")
    assert oauth.refresh(pair["refresh_token"], client_secret=new).status_code == 200


def test_unsupported_grant_and_missing_code(oauth):
    assert_oauth_error(oauth.token(grant_type="password"), 400, "unsupported_grant_type")
    missing = oauth.token(grant_type="authorization_code", redirect_uri=REDIRECT)
    assert_oauth_error(missing, 400, "invalid_request")


def test_refresh_rotates_both_tokens(oauth):
    first = oauth.pair()

    answer = oauth.refresh(first["refresh_token"])
    assert answer.status_code == 200
    second = answer.json()
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]
    assert second["scope"] == "read write" and second["expires_in"] == 5_184_000
    assert oauth.api(first["access_token"]).status_code == 401
    assert oauth.api(second["access_token"]).status_code == 200
    assert_oauth_error(oauth.refresh(first["refresh_token"]), 400, "invalid_grant")
    assert oauth.refresh(second["refresh_token"]).status_code == 200


def test_refresh_with_another_redirect_uri_is_invalid_grant(oauth):
    pair = oauth.pair()

    refreshed = oauth.refresh(pair["refresh_token"], redirect_uri=OTHER_REDIRECT)
    assert_oauth_error(refreshed, 400, "invalid_grant")


@pytest.mark.parametrize("which", ["access_token", "refresh_token"])
def test_revoking_either_token_revokes_the_pair(oauth, which):
    pair = oauth.pair()

    assert oauth.revoke(pair[which], hint=which).status_code == 200
    assert oauth.api(pair["access_token"]).status_code == 401
    assert_oauth_error(oauth.refresh(pair["refresh_token"]), 400, "invalid_grant")


def test_revoking_an_unknown_token_is_200(oauth):
    assert oauth.revoke("never-issued").status_code == 200


def test_deleting_the_application_kills_its_tokens(oauth):
    pair = oauth.pair()

    oauth.sandbox.client.delete_oauth_application(oauth.client_id)
    assert oauth.api(pair["access_token"]).status_code == 401
    assert_oauth_error(oauth.refresh(pair["refresh_token"]), 401, "invalid_client")


def test_expired_access_token_is_401_and_refresh_still_works(oauth):
    pair = oauth.pair()

    assert oauth.sandbox.client.expire_oauth_tokens(oauth.client_id) == 1
    response = oauth.api(pair["access_token"])
    assert response.status_code == 401
    assert response.headers["Content-Type"].startswith("text/html")
    assert oauth.counts()["expired"] == 1
    fresh = oauth.refresh(pair["refresh_token"]).json()
    assert oauth.api(fresh["access_token"]).status_code == 200


def test_short_access_lifetime_from_the_control_endpoint(oauth):
    lifetimes = oauth.sandbox.client.oauth_lifetimes(access_seconds=1)
    assert lifetimes == {"access_seconds": 1, "code_seconds": 600}

    pair = oauth.pair()
    assert pair["expires_in"] == 1
    time.sleep(1.1)
    assert oauth.api(pair["access_token"]).status_code == 401


def test_token_counts(oauth):
    oauth.pair()
    revoked = oauth.pair()
    oauth.revoke(revoked["refresh_token"], hint="refresh_token")

    assert oauth.counts() == {
        "client_id": oauth.client_id,
        "live": 1,
        "expired": 0,
        "revoked": 1,
    }
    assert oauth.sandbox.client.revoke_oauth_tokens(oauth.client_id) == 1
    assert oauth.counts()["revoked"] == 2


def test_only_hashes_of_codes_and_tokens_are_stored(oauth, tempo_sandbox):
    code = oauth.sandbox.client.oauth_authorize(oauth.client_id, REDIRECT)
    pair = oauth.exchange(code).json()

    database = tempo_sandbox.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(database) as connection:
        dump = "\n".join(connection.iterdump())
    for value in (code, pair["access_token"], pair["refresh_token"]):
        assert value not in dump


def test_faults_on_the_token_endpoint_leave_the_api_alone(oauth):
    client = oauth.sandbox.client
    client.add_fault("tempo_oauth", "500")
    client.add_fault("tempo_oauth", "html")
    client.add_fault("tempo_oauth", "slow", delay=0.3)
    code = client.oauth_authorize(oauth.client_id, REDIRECT)

    assert oauth.exchange(code).status_code == 500
    page = oauth.exchange(code)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    started = time.monotonic()
    assert oauth.exchange(code).status_code == 200
    assert time.monotonic() - started >= 0.3
    assert client.request_count("tempo_oauth") == 3
    assert client.request_count("tempo") == 0


def test_control_refuses_bad_input(oauth):
    client = oauth.sandbox.client
    with pytest.raises(SandboxError, match="redirect URLs"):
        client.oauth_authorize(oauth.client_id, "http://evil.example/cb")
    with pytest.raises(SandboxError, match="No OAuth 2.0 application"):
        client.expire_oauth_tokens("nobody")
    with pytest.raises(SandboxError, match="absolute http"):
        client.create_oauth_application("x", ["ftp://host/cb"])
    with pytest.raises(SandboxError, match="client_type"):
        client.create_oauth_application("x", [REDIRECT], client_type="secret")
    with pytest.raises(SandboxError, match="access_seconds"):
        client.oauth_lifetimes(access_seconds=0)


def test_get_on_the_token_endpoint_is_a_json_405(oauth):
    answer = oauth.http.get(f"{oauth.sandbox.tempo_url}/oauth/token/", timeout=10)

    assert_oauth_error(answer, 405, "invalid_request")
    assert "POST" in answer.json()["error_description"]
