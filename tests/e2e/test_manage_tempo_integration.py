"""The Manage Tempo integration tab in Chromium, against the real sandbox (issue #3)."""

from __future__ import annotations

import logging

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from tempo_integration import sentences
from tempo_integration.models import TempoIntegration

from .conftest import sign_in
from .token_leaks import assert_token_not_in_database

pytestmark = pytest.mark.e2e


@pytest.fixture
def admin(transactional_db):
    return get_user_model().objects.create_user(
        "admin", "admin@example.com", "admin", is_staff=True
    )


@pytest.fixture
def tempo(sandbox_clean, settings):
    settings.TEMPO_BASE_URL = sandbox_clean.tempo_url
    return sandbox_clean


def flag(page, text: str):
    return page.locator(".flag", has_text=text)


def test_add_cancel_and_confirm_revoke(page, live_server, admin, tempo, caplog):
    caplog.set_level(logging.DEBUG)
    token = tempo.client.mint_token(name="e2e", scopes={"worklogs": "view"})
    bodies: list[str] = []
    page.on(
        "response",
        lambda r: (
            bodies.append(r.text()) if "text/html" in r.headers.get("content-type", "") else None
        ),
    )

    sign_in(page, "admin", "admin")
    expect(page).to_have_url(
        f"{page.context.pages[0].url.split('/configuration')[0]}/configuration/tempo/"
    )
    expect(page.get_by_role("heading", name="Connect Tempo")).to_be_visible()

    page.get_by_label("Tempo API Token").fill(token)
    page.get_by_role("button", name="Add").click()
    expect(flag(page, sentences.ADDED)).to_be_visible()
    expect(page.locator(".flag-success")).to_have_count(1)
    expect(page.get_by_text(f"••••••••{token[-4:]}")).to_be_visible()
    expect(page.locator(".lozenge.success", has_text="Active")).to_be_visible()

    # Flags can be dismissed.
    page.get_by_role("button", name="Dismiss").click()
    expect(flag(page, sentences.ADDED)).to_have_count(0)

    # Cancel keeps the integration.
    page.get_by_role("button", name="Revoke integration").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(sentences.REVOKE_QUESTION)
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    assert TempoIntegration.objects.exists()

    # Escape closes it too, and the keyboard reaches Yes.
    page.get_by_role("button", name="Revoke integration").click()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    page.get_by_role("button", name="Revoke integration").click()
    dialog.get_by_role("button", name="Yes").click()
    expect(flag(page, sentences.REVOKED)).to_be_visible()
    expect(page.get_by_label("Tempo API Token")).to_be_visible()
    expect(page.get_by_role("button", name="Add")).to_be_visible()
    assert not TempoIntegration.objects.exists()

    # The token appears nowhere: no page, no log line, no database column.
    assert bodies and all(token not in body for body in bodies)
    assert token not in caplog.text
    assert_token_not_in_database(token)


def test_expired_token_shows_the_invalid_flag(page, admin, tempo):
    token = tempo.client.mint_token(name="e2e expired", expired=True)
    sign_in(page, "admin", "admin")
    page.get_by_label("Tempo API Token").fill(token)
    page.get_by_role("button", name="Add").click()
    expect(flag(page, sentences.INVALID_TOKEN)).to_be_visible()
    expect(page.locator(".flag-error")).to_have_count(1)
    assert not TempoIntegration.objects.exists()


def test_stored_token_is_not_on_disk_in_plain_text(page, admin, tempo):
    token = tempo.client.mint_token(name="e2e at rest", full=True)
    sign_in(page, "admin", "admin")
    page.get_by_label("Tempo API Token").fill(token)
    page.get_by_role("button", name="Add").click()
    expect(flag(page, sentences.ADDED)).to_be_visible()
    integration = TempoIntegration.current()
    assert_token_not_in_database(token, expect_ciphertext=integration.token_ciphertext)


def test_revoke_works_without_javascript(browser, live_server, admin, tempo):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    token = tempo.client.mint_token(name="e2e no-js", scopes={"worklogs": "view"})
    sign_in(page, "admin", "admin")
    page.get_by_label("Tempo API Token").fill(token)
    page.get_by_role("button", name="Add").click()
    page.get_by_role("link", name="Revoke integration").click()
    expect(page).to_have_url(f"{live_server.url}/configuration/tempo/revoke/confirm/")
    expect(page.get_by_text(sentences.REVOKE_QUESTION)).to_be_visible()
    page.get_by_role("button", name="Yes").click()
    expect(flag(page, sentences.REVOKED)).to_be_visible()
    context.close()


def test_customer_sees_403_on_configuration(page, transactional_db, live_server):
    get_user_model().objects.create_user("alice@acme.example", "alice@acme.example", "demo")
    sign_in(page, "alice@acme.example", "demo")
    expect(page).to_have_url(f"{live_server.url}/portal/")
    response = page.goto("/configuration/tempo/")
    assert response.status == 403
