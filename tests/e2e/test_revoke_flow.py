"""Revoke → what the customer sees → re-add, in Chromium at desktop and phone sizes
(issue 13 §1): while no working token exists the report says the hours are unavailable —
never 0.00 h or "no work" — and the same hours come back once a new token is synced."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from sync.runs import sync_tempo
from tempo_integration import sentences

from .conftest import sign_in

pytestmark = pytest.mark.e2e

REPORT = "/portal/ITSD/worklog-report/?preset=this_year&scope=organization"
SIZES = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True},
}


@pytest.mark.parametrize("size", SIZES)
def test_revoke_then_re_add(browser, live_server, demo, size):
    customer = browser.new_context(base_url=live_server.url, **SIZES[size]).new_page()
    admin = browser.new_context(base_url=live_server.url, **SIZES[size]).new_page()
    sign_in(customer, "alice@acme.example", "demo")
    customer.goto(REPORT)
    before = customer.get_by_text(re.compile(r"^Total for ")).locator("..").inner_text()
    assert re.search(r"\d+\.\d\d h", before)

    sign_in(admin, "admin", "admin")
    admin.goto("/configuration/tempo/")
    admin.get_by_role("button", name="Revoke integration").click()
    dialog = admin.get_by_role("dialog")
    expect(dialog).to_contain_text(sentences.REVOKE_QUESTION)
    dialog.get_by_role("button", name="Yes").click()
    expect(admin.get_by_role("heading", name="Connect Tempo")).to_be_visible()

    customer.reload()
    expect(customer.get_by_text("Billable hours are not available right now")).to_be_visible()
    expect(customer.get_by_text(re.compile(r"^Total for "))).to_have_count(0)
    expect(customer.get_by_text(re.compile("No work was logged"))).to_have_count(0)
    assert "0.00 h" not in customer.content()
    csv = customer.request.get(f"{REPORT}&format=csv")
    assert csv.status == 503 and "text/html" in csv.headers["content-type"]

    admin.get_by_label("Tempo API Token").fill(demo.client.mint_token(full=True))
    admin.get_by_role("button", name="Add").click()
    expect(admin.get_by_text(sentences.ADDED)).to_be_visible()
    assert sync_tempo().status == "succeeded"  # the worker's job after Add

    customer.reload()
    after = customer.get_by_text(re.compile(r"^Total for ")).locator("..").inner_text()
    assert after == before
    customer.context.close()
    admin.context.close()
