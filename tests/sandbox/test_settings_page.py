"""Tempo › Settings › API Integration in the sandbox, driven over HTTP like a browser."""

from __future__ import annotations

import html
import re

import pytest

from sandbox.tempo import texts

pytestmark = pytest.mark.integration

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TOKEN_VALUE = re.compile(r'<code id="token-value">([^<]+)</code>')
VALUE_PAGE = re.compile(r"/api-integration/(\d+)/value/$")


class SettingsPage:
    """A browser on the settings page: follows redirects, posts forms with their CSRF token."""

    def __init__(self, sandbox, http):
        self.root = f"{sandbox.tempo_url}/settings/api-integration/"
        self.http = http

    def get(self, path=""):
        response = self.http.get(self.root + path, timeout=10)
        assert response.status_code == 200
        return response

    def submit(self, path, data):
        """GET the form at `path`, then POST `data` with the form's CSRF token."""
        form = self.get(path).text
        data = {"csrfmiddlewaretoken": CSRF_FIELD.search(form).group(1), **data}
        response = self.http.post(self.root + path, data=data, timeout=10)
        assert response.status_code == 200
        return response

    def create(self, name, expires_in_days="30", **access):
        """Create a token; return (token id, value, the page that showed the value)."""
        data = {"name": name, "expires_in_days": expires_in_days, "access_type": "full"}
        data.update(access)
        response = self.submit("new/", data)
        token_id = int(VALUE_PAGE.search(response.url).group(1))
        return token_id, TOKEN_VALUE.search(response.text).group(1), response


@pytest.fixture
def page(tempo_sandbox_clean, http):
    return SettingsPage(tempo_sandbox_clean, http)


def shows(response, text):
    return html.escape(text) in response.text


def test_list_page_looks_like_tempo(page):
    response = page.get()

    assert "Tempo" in response.text and "API Integration" in response.text
    assert "Sandbox — emulates Tempo's API integration settings" in response.text
    assert "New token" in response.text


def test_css_and_copy_script_are_served(page, tempo_sandbox):
    for path in ("sandbox/sandbox.css", "sandbox/copy.js"):
        assert page.http.get(f"{tempo_sandbox.url}/static/{path}", timeout=10).status_code == 200


def test_full_access_token_is_shown_once_and_works(page, tempo):
    token_id, value, shown = page.create("Worklog Report (full)")

    assert shows(shown, texts.TOKEN_CREATED.format(name="Worklog Report (full)"))
    assert shows(shown, texts.SHOWN_ONCE_WARNING)
    assert 'data-copy-target="token-value"' in shown.text
    assert "/static/sandbox/copy.js" in shown.text
    assert tempo.get("/worklogs", token=value).status_code == 200

    again = page.get(f"{token_id}/value/")
    assert value not in again.text
    assert again.url == page.root
    assert shows(again, texts.VALUE_GONE)
    assert "Worklog Report (full)" in again.text
    assert "Full access" in again.text and "Active" in again.text


def test_custom_access_token_has_only_its_scopes(page, tempo):
    _, viewer, _ = page.create(
        "Viewer", access_type="custom", scope_worklogs="view", scope_teams="manage"
    )
    _, planner, _ = page.create("Planner", access_type="custom", scope_plans="manage")

    listing = page.get().text
    assert "Custom: Worklogs (View), Teams (Manage)" in listing
    assert "Custom: Plans (Manage)" in listing
    assert tempo.get("/worklogs", token=viewer).status_code == 200
    assert tempo.request("DELETE", "/worklogs/1001", token=viewer).status_code == 403
    assert tempo.get("/worklogs", token=planner).status_code == 403


def test_custom_access_needs_a_scope(page):
    response = page.submit(
        "new/", {"name": "Nothing", "expires_in_days": "30", "access_type": "custom"}
    )

    assert shows(response, texts.NO_SCOPE_CHOSEN)
    assert response.url.endswith("/new/")


@pytest.mark.parametrize(
    ("days", "message"),
    [
        ("0", texts.EXPIRY_OUT_OF_RANGE),
        ("5001", texts.EXPIRY_OUT_OF_RANGE),
        ("soon", texts.EXPIRY_NOT_A_NUMBER),
        ("", texts.EXPIRY_REQUIRED),
    ],
)
def test_expiry_outside_1_to_5000_days_is_refused(page, days, message):
    response = page.submit(
        "new/", {"name": "Bad expiry", "expires_in_days": days, "access_type": "full"}
    )

    assert shows(response, message)
    assert "Bad expiry" not in page.get().text


def test_longest_expiry_is_accepted(page):
    _, _, shown = page.create("Long-lived", expires_in_days="5000")

    assert "Long-lived" in shown.text


def test_name_is_required(page):
    response = page.submit("new/", {"name": "  ", "expires_in_days": "30", "access_type": "full"})

    assert shows(response, texts.NAME_REQUIRED)


def test_edit_changes_the_name_only(page, tempo):
    token_id, value, _ = page.create("Old name")

    response = page.submit(f"{token_id}/edit/", {"name": "New name"})

    assert response.url == page.root
    assert shows(response, texts.TOKEN_RENAMED.format(name="New name"))
    assert "Old name" not in response.text
    assert tempo.get("/worklogs", token=value).status_code == 200


def test_regenerate_shows_a_new_value_and_kills_the_old_one(page, tempo):
    token_id, old, _ = page.create("Rotating")
    confirm = page.get(f"{token_id}/regenerate/")
    assert "Regenerate" in confirm.text

    response = page.submit(f"{token_id}/regenerate/", {})

    new = TOKEN_VALUE.search(response.text).group(1)
    assert new != old
    assert shows(response, texts.TOKEN_REGENERATED.format(name="Rotating"))
    assert tempo.get("/worklogs", token=old).status_code == 401
    assert tempo.get("/worklogs", token=new).status_code == 200


def test_delete_asks_then_removes_the_token(page, tempo):
    token_id, value, _ = page.create("Doomed")
    confirm = page.get(f"{token_id}/delete/")
    assert "Delete “Doomed”?" in confirm.text

    response = page.submit(f"{token_id}/delete/", {})

    assert response.url == page.root
    assert shows(response, texts.TOKEN_DELETED.format(name="Doomed"))
    assert "Doomed</td>" not in response.text
    assert tempo.get("/worklogs", token=value).status_code == 401
    assert page.http.get(f"{page.root}{token_id}/edit/", timeout=10).status_code == 404


def test_expired_token_is_listed_as_expired_and_cannot_be_regenerated(page, tempo_sandbox):
    tempo_sandbox.client.mint_token(name="Stale token", expired=True)

    listing = page.get().text
    row = listing[listing.index("Stale token") :].split("</tr>")[0]
    assert "Expired" in row
    assert "Regenerate" not in row


def test_changes_need_the_csrf_token(page):
    response = page.http.post(
        page.root + "new/", data={"name": "Forged", "expires_in_days": "30"}, timeout=10
    )

    assert response.status_code == 403
    assert "Forged" not in page.get().text


def test_its_cookies_never_take_the_apps_names(page):
    """Browsers share cookies between ports of one host: the sandbox's session and CSRF
    cookies must not overwrite the app's on 127.0.0.1 (signing the admin out of it)."""
    page.create("cookie check")
    names = {cookie.name for cookie in page.http.cookies}
    assert names and not names & {"sessionid", "csrftoken"}
    assert "sandbox_csrftoken" in names
