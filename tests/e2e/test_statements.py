"""Monthly statements in Chromium (issue 18 §3): an admin switches on Send monthly statements,
last month's statements are drawn up, a customer of Acme finds them from the Worklog Report,
sees Acme's only and downloads a PDF whose total is the list's; a customer of Globex does not
see Acme's; the e-mail switch goes off and says so. The page fits a phone and passes axe.

The demo (tests/e2e/conftest.py's `demo`) is dated from the real day, as the sandbox dates
its worklogs, so "last month" is the real last month: no frozen clock here.

STATEMENTS_SCREENSHOTS=DIR saves the Statements page at 1280×900 and 390×844 (and the PDF
downloaded) in DIR.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from jsm.models import Customer
from portal.models import ReportSettings
from statements import sentences
from statements.drawing import previous_month
from statements.models import Statement, StatementOptOut
from statements.opt_out import opt_out_url

from .conftest import sign_in
from .test_accessibility import audit
from .test_phone_layout import assert_no_horizontal_overflow

pytestmark = pytest.mark.e2e

SCREENSHOTS = os.environ.get("STATEMENTS_SCREENSHOTS")
GENERAL = "/configuration/projects/ITSD/"
REPORT = "/portal/ITSD/worklog-report/"
STATEMENTS = "/portal/ITSD/statements/"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def switch_on_statements(page) -> None:
    sign_in(page, "admin", "admin")
    page.goto(GENERAL)
    switch = page.get_by_label("Send monthly statements")
    expect(switch).not_to_be_checked()
    switch.check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flag-success", has_text="Settings saved.")).to_be_visible()
    page.reload()
    expect(page.get_by_label("Send monthly statements")).to_be_checked()
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.get_by_label("Send monthly statements").scroll_into_view_if_needed()
        page.screenshot(path=str(Path(SCREENSHOTS) / "general-tab.png"))
    assert ReportSettings.objects.get(project__key="ITSD").monthly_statements
    page.context.clear_cookies()


def draw_last_months_statements() -> dict[str, Statement]:
    """`manage.py monthly_statements` as an admin would run it (the worker does the same
    after the first sync of a month): last month's statements of ITSD, by organization."""
    call_command("monthly_statements", "--project", "ITSD", "--no-email", verbosity=0)
    month = previous_month(timezone.localdate())
    return {s.organization_name: s for s in Statement.objects.filter(month=month)}


def test_customer_lists_and_downloads_their_statements(browser, page, live_server, demo, tmp_path):
    switch_on_statements(page)
    drawn = draw_last_months_statements()
    assert {"Acme", "Globex"} <= drawn.keys(), "the demo has hours of both last month"
    acme, globex = drawn["Acme"], drawn["Globex"]
    month = f"{acme.month:%B %Y}"

    # Alice of Acme: from the Worklog Report's header to Acme's statements only.
    sign_in(page, "alice@acme.example", "demo")
    page.goto(REPORT)
    page.get_by_role("link", name="Statements").click()
    expect(page).to_have_url(f"{live_server.url}{STATEMENTS}")
    expect(page.get_by_role("heading", name="Statements", level=1)).to_be_visible()
    rows = page.locator(".statements-table tbody tr")
    expect(rows).to_have_count(1)
    row = rows.first
    expect(row.locator('[data-label="Month"]')).to_have_text(month)
    expect(row.locator('[data-label="Organization"]')).to_have_text("Acme")
    expect(row.locator('[data-label="Requests"]')).to_have_text(str(acme.request_count))
    expect(page.get_by_role("table")).not_to_contain_text("Globex")
    total = row.locator('[data-label="Hours"]').inner_text().strip()
    assert total and total[0].isdigit(), total

    with page.expect_download() as download_info:
        row.get_by_role("link", name=f"PDF of {month}, Acme").click()
    download = download_info.value
    assert download.suggested_filename == f"{acme.file_stem}.pdf"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    pdf = saved.read_bytes()
    assert pdf.startswith(b"%PDF")
    assert pdf == bytes(acme.pdf)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert f"Acme — {month}" in text
    assert total in text, f"the list's total {total!r} is not in the PDF"
    assert "Globex" not in text

    # axe finds nothing serious; on a phone the page is no wider than the screen.
    audit(page, "statements")
    page.set_viewport_size(PHONE)
    page.reload()
    assert_no_horizontal_overflow(page, "statements")
    expect(rows.first.get_by_role("link", name=f"PDF of {month}, Acme")).to_be_visible()
    page.set_viewport_size(DESKTOP)
    if SCREENSHOTS:
        shoot(page, Path(SCREENSHOTS), pdf)

    # The e-mail switch: on by default, off after Save, with a sentence that says so.
    switch = page.get_by_label("E-mail me each new statement")
    expect(switch).to_be_checked()
    switch.uncheck()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flag-success", has_text=sentences.EMAILS_OFF)).to_be_visible()
    expect(page.get_by_label("E-mail me each new statement")).not_to_be_checked()
    alice = Customer.objects.get(email__iexact="alice@acme.example")
    assert StatementOptOut.objects.filter(customer=alice, project__key="ITSD").exists()

    # The link of a statement e-mail, signed out: opening it changes nothing; its one button
    # stops the e-mails (of bob, who still gets them); the page can undo it.
    page.context.clear_cookies()
    bob = Customer.objects.get(email__iexact="bob@acme.example")
    page.goto(opt_out_url(bob.pk, acme.project_id))
    expect(page.get_by_role("heading", name=sentences.OPT_OUT_TITLE)).to_be_visible()
    assert not StatementOptOut.objects.filter(customer=bob).exists()
    if SCREENSHOTS:
        page.screenshot(path=str(Path(SCREENSHOTS) / "opt-out.png"))
    page.get_by_role("button", name="Stop statement e-mails").click()
    expect(page.get_by_role("heading", name=sentences.OPTED_OUT_TITLE)).to_be_visible()
    assert StatementOptOut.objects.filter(customer=bob, project__key="ITSD").exists()
    page.get_by_role("button", name="E-mail me the statements again").click()
    expect(page.get_by_role("heading", name=sentences.OPTED_IN_TITLE)).to_be_visible()
    assert not StatementOptOut.objects.filter(customer=bob).exists()

    # Carol of Globex sees Globex's statement, never Acme's, not even by its address.
    carol = browser.new_context(base_url=live_server.url)
    globex_page = carol.new_page()
    sign_in(globex_page, "carol@globex.example", "demo")
    globex_page.goto(STATEMENTS)
    globex_rows = globex_page.locator(".statements-table tbody tr")
    expect(globex_rows).to_have_count(1)
    expect(globex_rows.first.locator('[data-label="Organization"]')).to_have_text("Globex")
    expect(globex_page.get_by_role("table")).not_to_contain_text("Acme")
    response = globex_page.goto(f"{STATEMENTS}{acme.public_id}.pdf")
    assert response.status == 404
    response = globex_page.request.get(f"{STATEMENTS}{globex.public_id}.pdf")
    assert response.status == 200 and response.body().startswith(b"%PDF")
    carol.close()


def shoot(page, where: Path, pdf: bytes) -> None:
    where.mkdir(parents=True, exist_ok=True)
    (where / "statement.pdf").write_bytes(pdf)
    page.reload()
    page.screenshot(path=str(where / "statements-list.png"), full_page=True)
    # Cropped to the content, for the README: the page down to its last card.
    bottom = page.evaluate(
        "() => Math.ceil(Math.max(...Array.from(document.querySelectorAll('main > *'))"
        ".map(e => e.getBoundingClientRect().bottom + window.scrollY)))"
    )
    page.screenshot(
        path=str(where / "statements-list-cropped.png"),
        clip={"x": 0, "y": 0, "width": DESKTOP["width"], "height": bottom + 24},
        full_page=True,
    )
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(where / "statements-list-phone.png"), full_page=True)
    page.set_viewport_size(DESKTOP)
