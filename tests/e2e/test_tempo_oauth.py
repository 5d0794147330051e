"""Connect with OAuth 2.0 in Chromium, as an administrator does it (issue #16): the
application registered on the sandbox's Tempo settings page, the tab's form, the sandbox's
consent page, and back. The real sandbox process, the live server, no shortcut.

Chromium checks where a form's answer redirects against the Content-Security-Policy of the
page that sent the form, so the tab's own `form-action` must allow Tempo's consent page:
test_connect_button_reaches_the_consent_page proves the browser gets there.
"""

from __future__ import annotations

import logging
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from tempo_integration import sentences
from tempo_integration.models import TempoIntegration

from .conftest import sign_in
from .token_leaks import assert_token_not_in_database

pytestmark = pytest.mark.e2e

CALLBACK_PATH = "/configuration/tempo/oauth/callback/"
CONSENT_PATH = "/tempo/oauth/authorize/redirect"
DOCS = Path(__file__).resolve().parents[2] / "docs"
# Not part of the suite: `TEMPO_OAUTH_SCREENSHOTS=DIR pytest -k screenshots` writes
# docs/tempo-oauth-connected.png and, into DIR, the pages at desktop and phone size to review.
SCREENSHOTS = os.environ.get("TEMPO_OAUTH_SCREENSHOTS")


@pytest.fixture
def admin(transactional_db):
    return get_user_model().objects.create_user(
        "admin", "admin@example.com", "admin", is_staff=True
    )


@pytest.fixture
def tempo(sandbox_clean, settings):
    """The sandbox as Tempo (Jira stays unconfigured: the sync that a new connection starts,
    at once under the tests' immediate task backend, has nothing to read). The applications
    a test registers are deleted after it: the sandbox lives for the whole session."""
    settings.TEMPO_BASE_URL = sandbox_clean.tempo_url
    registered: list[str] = []
    sandbox_clean.registered = registered
    yield sandbox_clean
    for client_id in registered:
        sandbox_clean.client.delete_oauth_application(client_id)


@dataclass
class Traffic:
    """What the browser asked for and what it got back."""

    urls: list[str] = field(default_factory=list)
    # (url, body) of every HTML answer that was not a redirect.
    pages: list[tuple[str, str]] = field(default_factory=list)

    def watch(self, page) -> Traffic:
        page.on("request", lambda request: self.urls.append(request.url))
        page.on("response", self._keep_html)
        return self

    def _keep_html(self, response) -> None:
        if "text/html" in response.headers.get("content-type", "") and not (
            300 <= response.status < 400
        ):
            self.pages.append((response.url, response.text()))


@dataclass
class Application:
    name: str
    client_id: str
    client_secret: str


def flag(page, text: str):
    return page.locator(".flag", has_text=text)


def register_and_connect(
    page, live_server, tempo, *, in_browser: bool = True, name: str = "", signed_in: bool = False
) -> Application:
    """Sign in, register an application with the tab's redirect URL (on the sandbox's
    settings page, or through its control API when another test already covers that page),
    fill the tab's form and click Connect: the consent page is showing."""
    if not signed_in:
        sign_in(page, "admin", "admin")
    expect(page).to_have_url(f"{live_server.url}/configuration/tempo/")
    redirect_url = page.locator("#oauth-redirect-url").input_value()
    assert redirect_url == f"{live_server.url}{CALLBACK_PATH}"

    name = name or f"Worklog Report e2e {uuid.uuid4().hex[:6]}"
    if in_browser:
        page.goto(f"{tempo.tempo_url}/settings/oauth-applications/")
        page.get_by_role("link", name="New application").click()
        page.get_by_label("Name", exact=True).fill(name)
        page.get_by_label("Redirect URLs").fill(redirect_url)
        page.get_by_label("Confidential").check()
        page.get_by_role("button", name="Create").click()
        expect(page.get_by_role("heading", name=f"Application “{name}”")).to_be_visible()
        application = Application(
            name,
            page.locator("#client-id").inner_text().strip(),
            page.locator("#client-secret").inner_text().strip(),
        )
        page.goto("/configuration/tempo/")
    else:
        created = tempo.client.create_oauth_application(name, [redirect_url])
        application = Application(name, created["client_id"], created["client_secret"])
    tempo.registered.append(application.client_id)

    page.get_by_label("Application name").fill(name)
    page.get_by_label("Client id").fill(application.client_id)
    page.get_by_label("Client secret").fill(application.client_secret)
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.get_by_role("button", name="Connect with OAuth 2.0", exact=True).click()
    # Either the consent page shows or Chromium reports the navigation it blocked.
    consent = page.get_by_role("heading", name=f"Allow “{name}” to access Tempo?")
    expect(consent.or_(page.locator("#oauth-redirect-url"))).to_be_visible()
    for _ in range(100):
        if refused or consent.is_visible():
            break
        page.wait_for_timeout(50)
    assert not refused, refused[0]
    expect(consent).to_be_visible()
    assert urlsplit(page.url).path == CONSENT_PATH
    return application


def test_connect_button_reaches_the_consent_page(page, live_server, admin, tempo):
    """The tab as the app serves it: the POST → 302 to Tempo's consent page is followed."""
    register_and_connect(page, live_server, tempo, in_browser=False)


def test_connect_allow_revoke_and_nothing_leaks(page, live_server, admin, tempo, caplog):
    caplog.set_level(logging.DEBUG)
    traffic = Traffic().watch(page)
    application = register_and_connect(page, live_server, tempo)
    expect(page.locator(".details")).to_contain_text(application.name)

    page.get_by_role("button", name="Allow").click()
    expect(flag(page, sentences.ADDED)).to_be_visible()
    expect(page).to_have_url(f"{live_server.url}/configuration/tempo/")
    details = page.locator(".details")
    expect(details).to_contain_text(f"Connected with OAuth 2.0 application {application.name}")
    expect(details).to_contain_text(application.client_id)
    expect(details.locator("dt:text-is('Access token renews') + dd time")).to_be_visible()
    expect(page.locator(".lozenge.success", has_text="Active")).to_be_visible()

    integration = TempoIntegration.current()
    assert integration.is_oauth and integration.oauth_client_id == application.client_id
    access, refresh = integration.token(), integration.refresh_token()
    secrets = {
        "client secret": application.client_secret,
        "access token": access,
        "refresh token": refresh,
    }
    # Stored encrypted only.
    assert_token_not_in_database(access, expect_ciphertext=integration.token_ciphertext)
    assert_token_not_in_database(refresh, expect_ciphertext=integration.refresh_token_ciphertext)
    assert_token_not_in_database(
        application.client_secret, expect_ciphertext=integration.client_secret_ciphertext
    )
    counts = tempo.client.oauth_token_counts(application.client_id)
    assert (counts["live"], counts["revoked"]) == (1, 0)

    # Revoke integration revokes the tokens at Tempo too.
    page.get_by_role("button", name="Revoke integration").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(sentences.REVOKE_QUESTION_OAUTH)
    dialog.get_by_role("button", name="Yes").click()
    expect(flag(page, sentences.REVOKED)).to_be_visible()
    assert not TempoIntegration.objects.exists()
    counts = tempo.client.oauth_token_counts(application.client_id)
    assert (counts["live"], counts["revoked"]) == (0, 1)

    # Pages, from connecting to revoking: the app's show none of the three; the sandbox's
    # show only the client secret, on the credentials page (as Tempo's does).
    app_pages = [url for url, _ in traffic.pages if url.startswith(live_server.url)]
    assert len(app_pages) >= 4
    for what, value in secrets.items():
        for url, body in traffic.pages:
            if what == "client secret" and not url.startswith(live_server.url):
                continue
            assert value not in body, f"the {what} is in the page {url}"
    # Log lines.
    for what, value in secrets.items():
        assert value not in caplog.text, f"the {what} is in a log line"
    # URLs: no secret in any; the authorization code only in the callback's, the state only
    # in the consent page's and the callback's; the address bar keeps neither.
    for what, value in secrets.items():
        assert not [url for url in traffic.urls if value in url], f"the {what} is in a URL"
    callbacks = [url for url in traffic.urls if urlsplit(url).path == CALLBACK_PATH]
    assert len(callbacks) == 1
    query = parse_qs(urlsplit(callbacks[0]).query)
    assert set(query) == {"code", "state"}
    code, state = query["code"][0], query["state"][0]
    assert [url for url in traffic.urls if code in url] == callbacks
    for url in traffic.urls:
        if state in url:
            assert urlsplit(url).path in {CONSENT_PATH, CALLBACK_PATH}, url
    assert code not in page.url and state not in page.url


def test_deny_stores_nothing(page, live_server, admin, tempo):
    register_and_connect(page, live_server, tempo, in_browser=False)
    page.get_by_role("button", name="Deny").click()
    expect(flag(page, sentences.OAUTH_DENIED)).to_be_visible()
    expect(page.locator(".flag-error")).to_have_count(1)
    expect(page).to_have_url(f"{live_server.url}/configuration/tempo/")
    expect(page.get_by_role("heading", name="Connect Tempo")).to_be_visible()
    assert not TempoIntegration.objects.exists()


@pytest.mark.skipif(not SCREENSHOTS, reason="writes docs/; run with TEMPO_OAUTH_SCREENSHOTS=DIR")
def test_screenshots_for_the_docs(page, live_server, admin, tempo):
    review = Path(SCREENSHOTS)
    review.mkdir(parents=True, exist_ok=True)
    desktop, phone = {"width": 1280, "height": 900}, {"width": 390, "height": 844}

    def shoot(name: str, path: Path | None = None) -> None:
        page.set_viewport_size(phone)
        page.screenshot(path=str(review / f"{name}-phone.png"), full_page=True)
        page.set_viewport_size(desktop)
        page.screenshot(path=str(path or review / f"{name}-desktop.png"), full_page=True)

    sign_in(page, "admin", "admin")
    shoot("tab-unconnected")
    register_and_connect(
        page, live_server, tempo, in_browser=False, name="Worklog Report", signed_in=True
    )
    shoot("consent")
    page.get_by_role("button", name="Allow").click()
    expect(flag(page, sentences.ADDED)).to_be_visible()
    shoot("tab-connected")
    shoot("tab-connected-docs", DOCS / "tempo-oauth-connected.png")
