"""A customer's Worklog Report in Chromium, on the sandbox's demo data (issue #5)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from playwright.sync_api import expect

from .conftest import sign_in

pytestmark = pytest.mark.e2e


def hours(text: str) -> float:
    return float(re.sub(r"[^\d.]", "", text))


def test_alice_reads_her_report(page, live_server, demo):
    sign_in(page, "alice@acme.example", "demo")
    page.get_by_role("link", name=re.compile("IT Service Desk")).click()
    expect(page.get_by_role("heading", name="IT Service Desk")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Updated (just now|.* ago)"))).to_be_visible()

    presets = page.get_by_role("group", name="Period presets")
    presets.get_by_role("link", name="This year").click()
    expect(page.locator(".preset.active")).to_have_text("This year")
    expect(page.get_by_role("img", name="Hours per month")).to_be_visible()
    rows = page.locator("tr.request-row")
    assert rows.count() > 0
    row_hours = [hours(rows.nth(i).locator("td.num").inner_text()) for i in range(rows.count())]
    total = hours(page.locator(".report-table tfoot td.num").inner_text())
    assert total == pytest.approx(sum(row_hours))

    # Expand the first request: its lines add up to its hours.
    first = rows.first
    first.locator("[data-expand]").click()
    lines = page.locator(".lines-row:not([hidden]) .worklog-lines tbody tr")
    expect(lines.first).to_be_visible()
    line_hours = [hours(lines.nth(i).locator("td.num").inner_text()) for i in range(lines.count())]
    assert sum(line_hours) == pytest.approx(row_hours[0])
    expect(page.locator(".lines-row:not([hidden]) th", has_text="Worker")).to_be_visible()

    # The CSV has the same rows and total as the page.
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    rows_csv = list(
        csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig")))
    )
    assert [float(r[3]) for r in rows_csv[1:-1]] == pytest.approx(row_hours)
    assert float(rows_csv[-1][3]) == pytest.approx(total)

    # Organization requests include requests shared with Acme that alice did not raise.
    page.get_by_role("link", name="Organization requests").click()
    expect(page.get_by_role("link", name="Organization requests")).to_have_attribute(
        "aria-current", "page"
    )
    presets.get_by_role("link", name="Last 3 months").click()
    expect(page.locator(".preset.active")).to_have_text("Last 3 months")


def test_carol_cannot_reach_acmes_requests(page, live_server, demo):
    from jsm.models import Request

    acme_only = (
        Request.objects.filter(project__key="ITSD", organizations__name="Acme")
        .exclude(organizations__name="Globex")
        .first()
    )
    sign_in(page, "carol@globex.example", "demo")
    response = page.goto(f"/portal/ITSD/worklog-report/{acme_only.key}/")
    assert response.status == 404
    page.goto("/portal/ITSD/worklog-report/?scope=organization&period=this_year")
    expect(page.get_by_text(acme_only.key, exact=True)).to_have_count(0)


def test_first_time_password_flow(page, live_server, transactional_db):
    get_user_model().objects.create_user("dora@acme.example", "dora@acme.example")
    page.goto("/accounts/login/")
    page.get_by_role("link", name="First time here? Set your password").click()
    page.get_by_label("Email").fill("dora@acme.example")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    link = re.search(r"https?://\S+/accounts/password/set/\S+/", mail.outbox[0].body).group(0)
    page.goto(link.replace("http://testserver", live_server.url))
    page.get_by_label("New password", exact=True).fill("a sturdy new passphrase")
    page.get_by_label("New password confirmation").fill("a sturdy new passphrase")
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_role("heading", name="Your password is set")).to_be_visible()
    sign_in(page, "dora@acme.example", "a sturdy new passphrase")
    expect(page).to_have_url(f"{live_server.url}/portal/")
