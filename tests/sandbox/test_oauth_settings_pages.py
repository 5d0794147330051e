"""Tempo › Settings › OAuth 2.0 Applications in the sandbox, driven over HTTP like a browser."""

from __future__ import annotations

import html
import re

import pytest

from sandbox.tempo import texts

pytestmark = pytest.mark.integration

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CLIENT_ID = re.compile(r'<code id="client-id">([^<]+)</code>')
CLIENT_SECRET = re.compile(r'<code id="client-secret">([^<]+)</code>')
CREDENTIALS_PAGE = re.compile(r"/oauth-applications/(\d+)/$")
REDIRECT = "http://127.0.0.1:8000/tempo/oauth/callback/"


class ApplicationsPage:
    def __init__(self, sandbox, http):
        self.sandbox = sandbox
        self.root = f"{sandbox.tempo_url}/settings/oauth-applications/"
        self.http = http

    def get(self, path=""):
        response = self.http.get(self.root + path, timeout=10)
        assert response.status_code == 200
        return response

    def submit(self, path, data):
        form = self.get(path).text
        data = {"csrfmiddlewaretoken": CSRF_FIELD.search(form).group(1), **data}
        response = self.http.post(self.root + path, data=data, timeout=10)
        assert response.status_code == 200
        return response

    def create(self, name="Worklog Report", redirect_uris=REDIRECT, client_type="confidential"):
        """Register an application; return (id, client id, client secret, credentials page)."""
        response = self.submit(
            "new/", {"name": name, "redirect_uris": redirect_uris, "client_type": client_type}
        )
        app_id = int(CREDENTIALS_PAGE.search(response.url).group(1))
        return (
            app_id,
            CLIENT_ID.search(response.text).group(1),
            CLIENT_SECRET.search(response.text).group(1),
            response,
        )

    def token_call(self, client_id, secret):
        """A token call that gets past client authentication only with the right secret."""
        return self.http.post(
            f"{self.sandbox.tempo_url}/oauth/token/",
            data={
                "grant_type": "refresh_token",
                "client_id": client_id,
                "client_secret": secret,
                "refresh_token": "unknown",
                "redirect_uri": REDIRECT,
            },
            timeout=10,
        )


@pytest.fixture
def page(tempo_sandbox_clean, http):
    return ApplicationsPage(tempo_sandbox_clean, http)


def shows(response, text):
    return html.escape(text) in response.text


def test_list_page_and_navigation(page, tempo_sandbox):
    response = page.get()
    assert "OAuth 2.0 Applications" in response.text and "New application" in response.text

    api_integration = page.http.get(f"{tempo_sandbox.tempo_url}/settings/api-integration/")
    assert 'href="/tempo/settings/oauth-applications/"' in api_integration.text
    home = page.http.get(f"{tempo_sandbox.url}/", timeout=10)
    assert 'href="/tempo/settings/oauth-applications/"' in home.text


def test_new_application_shows_credentials_with_copy_buttons(page):
    app_id, client_id, secret, shown = page.create(
        "Report (two URLs)", f"{REDIRECT}\r\n\r\nhttps://report.example/cb\r\n", "public"
    )

    assert shows(shown, texts.APP_CREATED.format(name="Report (two URLs)"))
    assert 'data-copy-target="client-id"' in shown.text
    assert 'data-copy-target="client-secret"' in shown.text
    assert "/static/sandbox/copy.js" in shown.text and "<script>" not in shown.text
    listed = page.get().text
    assert "Report (two URLs)" in listed and "Public" in listed
    assert REDIRECT in listed and "https://report.example/cb" in listed
    again = page.get(f"{app_id}/").text
    assert client_id in again and secret in again


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": ""}, texts.APP_NAME_REQUIRED),
        ({"redirect_uris": " \n "}, texts.REDIRECT_URLS_REQUIRED),
        ({"redirect_uris": "/relative/cb"}, texts.REDIRECT_URL_INVALID.format(url="/relative/cb")),
        ({"redirect_uris": "ftp://x/cb"}, texts.REDIRECT_URL_INVALID.format(url="ftp://x/cb")),
        ({"client_type": "secret"}, texts.CLIENT_TYPE_REQUIRED),
    ],
)
def test_new_application_validation(page, data, message):
    form = {"name": "App", "redirect_uris": REDIRECT, "client_type": "confidential", **data}
    response = page.submit("new/", form)

    assert response.url.endswith("/new/")
    assert shows(response, message)


def test_edit_changes_fields_and_new_secret_kills_the_old_one(page):
    app_id, client_id, secret, _ = page.create()
    assert page.token_call(client_id, secret).json()["error"] == "invalid_grant"

    saved = page.submit(
        f"{app_id}/edit/",
        {"name": "Renamed", "redirect_uris": "https://report.example/cb", "client_type": "public"},
    )
    assert shows(saved, texts.APP_UPDATED.format(name="Renamed"))
    assert CLIENT_SECRET.search(saved.text).group(1) == secret

    renewed = page.submit(
        f"{app_id}/edit/",
        {
            "name": "Renamed",
            "redirect_uris": "https://report.example/cb",
            "client_type": "public",
            "new_secret": "on",
        },
    )
    assert shows(renewed, texts.APP_SECRET_RENEWED.format(name="Renamed"))
    new_secret = CLIENT_SECRET.search(renewed.text).group(1)
    assert new_secret != secret
    assert page.token_call(client_id, secret).status_code == 401
    assert page.token_call(client_id, new_secret).status_code == 400


def test_edit_validation(page):
    app_id, *_ = page.create()
    response = page.submit(
        f"{app_id}/edit/", {"name": "X", "redirect_uris": "nope", "client_type": "public"}
    )

    assert shows(response, texts.REDIRECT_URL_INVALID.format(url="nope"))


def test_delete_revokes_the_applications_tokens(page, tempo_sandbox, http):
    app_id, client_id, secret, _ = page.create("Doomed")
    code = tempo_sandbox.client.oauth_authorize(client_id, REDIRECT)
    pair = http.post(
        f"{tempo_sandbox.tempo_url}/oauth/token/",
        data={
            "grant_type": "authorization_code",
            "client_id": client_id,
            "client_secret": secret,
            "code": code,
            "redirect_uri": REDIRECT,
        },
        timeout=10,
    ).json()
    bearer = {"Authorization": f"Bearer {pair['access_token']}"}
    assert http.get(f"{tempo_sandbox.tempo_url}/4/worklogs", headers=bearer).status_code == 200

    confirm = page.get(f"{app_id}/delete/")
    assert "Delete “Doomed”?" in html.unescape(confirm.text)
    deleted = page.submit(f"{app_id}/delete/", {})
    assert shows(deleted, texts.APP_DELETED.format(name="Doomed"))
    assert http.get(f"{tempo_sandbox.tempo_url}/4/worklogs", headers=bearer).status_code == 401
    assert page.http.get(f"{page.root}{app_id}/", timeout=10).status_code == 404
