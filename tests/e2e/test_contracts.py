"""Contracts in Chromium (issue #6): the admin's form page and table, the customer's panel."""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
import re

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from jsm.models import Customer, JiraProject, Organization, Request
from portal import contract_sentences as sentences
from portal.contracts import Contract
from portal.models import ReportSettings
from tempo_integration.models import ProjectSyncState, TempoIntegration, Worklog
from tests.clock import THIS_MONTH, TODAY

from .conftest import sign_in

# The live server runs in this process, so it sees tests.clock's day too; the pages' scripts
# do no date arithmetic of their own, so Chromium's real clock does not matter.
pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("frozen_today")]

LAST_MONTH = (THIS_MONTH - dt.timedelta(days=1)).replace(day=1)
YEAR_END = dt.date(TODAY.year, 12, 31)
CONTRACTS = "/configuration/projects/ITSD/contracts/"
REPORT = "/portal/ITSD/worklog-report/"
AMBER = "rgb(226, 178, 3)"
RED = "rgb(201, 55, 44)"

_tempo_ids = itertools.count(1)


@pytest.fixture
def itsd(transactional_db):
    """ITSD with Worklog Report on and read by a working Tempo integration, alice of Acme,
    and one request of hers."""
    users = get_user_model().objects
    admin = users.create_user("admin", "admin@example.com", "admin", is_staff=True)
    project = JiraProject.objects.create(
        jira_id="10000", key="ITSD", name="IT Service Desk", service_desk_id="1"
    )
    TempoIntegration.store("Contracts-Test-Token-0042", admin)
    ProjectSyncState.objects.create(project=project, last_full_sync_at=timezone.now())
    ReportSettings.objects.create(project=project, enabled=True)
    alice = Customer.objects.create(
        account_id="acc-alice",
        email="alice@acme.example",
        display_name="Alice",
        user=users.create_user("alice@acme.example", "alice@acme.example", "demo"),
    )
    acme = Organization.objects.create(jira_id="1", name="Acme")
    acme.projects.add(project)
    acme.members.add(alice)
    now = timezone.now()
    return Request.objects.create(
        jira_id="20001",
        key="ITSD-1",
        project=project,
        summary="Laptop will not boot",
        status="In Progress",
        reporter=alice,
        created=now,
        updated=now,
    )


def log(request: Request, day: dt.date, hours: float) -> None:
    Worklog.objects.create(
        tempo_id=next(_tempo_ids),
        request=request,
        author_account_id="agent-1",
        time_spent_seconds=int(hours * 3600),
        billable_seconds=int(hours * 3600),
        start_date=day,
        tempo_updated_at=timezone.now(),
    )


def test_monthly_contract_with_carry_over_from_page_to_portal(browser, live_server, page, itsd):
    log(itsd, LAST_MONTH, 6)  # 10 - 6: 4 h carried into this month
    log(itsd, THIS_MONTH, 3)

    sign_in(page, "admin", "admin")
    page.goto("/configuration/projects/ITSD/")
    page.get_by_role("link", name="Contract management").click()
    expect(page).to_have_url(f"{live_server.url}{CONTRACTS}")
    expect(page.get_by_text("No contracts yet")).to_be_visible()

    page.get_by_role("link", name="Create contract").click()
    # A page, like Edit (no dialog: one pattern, at home on a phone and without JavaScript).
    expect(page).to_have_url(f"{live_server.url}{CONTRACTS}new/")
    dialog = page.locator("form[data-contract-form]")
    # Carry-over is for monthly contracts only.
    carry_over = dialog.get_by_label("Carry unused hours over to the next month")
    dialog.get_by_label("Fixed contract hours").check()
    expect(carry_over).to_be_disabled()
    dialog.get_by_label("Monthly contract hours").check()
    expect(carry_over).to_be_enabled()

    dialog.get_by_label("Start date").fill(LAST_MONTH.isoformat())
    dialog.get_by_label("End date").fill(YEAR_END.isoformat())
    dialog.get_by_label("Hours", exact=True).fill("0")
    dialog.get_by_label("Description").fill("Support retainer")
    dialog.get_by_label("Organization (optional)").select_option(label="Acme")
    carry_over.check()
    dialog.get_by_role("button", name="Save").click()

    # The server refuses 0 hours and shows the form again with what was typed.
    expect(page.get_by_role("heading", name="Create contract")).to_be_visible()
    expect(dialog.get_by_text(sentences.HOURS_POSITIVE)).to_be_visible()
    expect(dialog.get_by_label("Description")).to_have_value("Support retainer")
    assert not Contract.objects.exists()
    dialog.get_by_label("Hours", exact=True).fill("10")
    dialog.get_by_role("button", name="Save").click()

    expect(page.locator(".flag", has_text=sentences.CREATED)).to_be_visible()
    contract = Contract.objects.get()
    assert contract.carry_over and contract.organization.name == "Acme"
    row = page.locator(f"#contract-{contract.pk}")
    expect(row).to_contain_text("Monthly contract hours")
    expect(row).to_contain_text("Acme")
    expect(row).to_contain_text("incl. 4.00 h carried over")
    table_used = row.locator('[data-figure="used"]').inner_text()
    table_remaining = row.locator('[data-figure="remaining"]').inner_text()
    assert (table_used, table_remaining) == ("3.00 h", "11.00 h")

    customer = browser.new_context(base_url=live_server.url)
    portal = customer.new_page()
    sign_in(portal, "alice@acme.example", "demo")
    expect(portal).to_have_url(f"{live_server.url}/portal/")

    def open_panel():
        portal.goto(REPORT)
        panel = portal.locator(".contract-panel")
        expect(panel.locator('[data-figure="used"]')).to_be_hidden()
        panel.get_by_text("Show contract").click()
        expect(panel.get_by_text("Hide contract")).to_be_visible()
        return panel

    panel = open_panel()
    expect(panel).to_contain_text("Monthly contract hours")
    expect(panel).to_contain_text("4.00 h carried over from earlier months = 14.00 h")
    expect(panel.locator('[data-figure="used"]')).to_have_text(table_used)
    expect(panel.locator('[data-figure="remaining"]')).to_have_text(table_remaining)
    progress = panel.get_by_role("progressbar")
    expect(progress).to_have_attribute("aria-valuenow", "21")
    expect(progress).to_have_class("contract-bar level-ok")
    fill = panel.locator(".contract-bar-fill")
    normal = fill.evaluate("e => getComputedStyle(e).fill")

    log(itsd, TODAY, 8.5)  # 11.5 h of 14 h: 82 %
    panel = open_panel()
    expect(panel.get_by_role("progressbar")).to_have_class("contract-bar level-warning")
    assert (
        panel.locator(".contract-bar-fill").evaluate("e => getComputedStyle(e).fill")
        == AMBER
        != normal
    )

    log(itsd, TODAY, 3)  # 14.5 h of 14 h
    panel = open_panel()
    expect(panel.get_by_role("progressbar")).to_have_class("contract-bar level-over")
    expect(panel.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
    assert panel.locator(".contract-bar-fill").evaluate("e => getComputedStyle(e).fill") == RED
    expect(panel.locator('[data-figure="remaining"]')).to_have_text("−0.50 h (overrun)")
    customer.close()

    # The admin's table agrees.
    page.reload()
    expect(row.locator('[data-figure="used"]')).to_have_text("14.50 h")
    expect(row.locator('[data-figure="remaining"]')).to_have_text("−0.50 h (overrun)")


def test_edit_and_delete_without_javascript(browser, live_server, itsd):
    log(itsd, THIS_MONTH, 3)
    Contract.objects.create(
        project=itsd.project,
        type="fixed",
        start_date=THIS_MONTH,
        end_date=THIS_MONTH.replace(day=calendar.monthrange(TODAY.year, TODAY.month)[1]),
        hours=20,
    )
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, "admin", "admin")
    page.goto(CONTRACTS)
    page.get_by_role("link", name="Create contract").click()
    expect(page).to_have_url(f"{live_server.url}{CONTRACTS}new/")
    page.get_by_label("Start date").fill(THIS_MONTH.isoformat())
    page.get_by_label("End date").fill(TODAY.isoformat())
    page.get_by_label("Hours", exact=True).fill("5")
    page.get_by_role("button", name="Save").click()
    # Same scope, overlapping period: refused with a sentence naming the other contract.
    expect(
        page.get_by_text("This period overlaps the project-wide fixed contract of")
    ).to_be_visible()

    page.goto(CONTRACTS)
    page.get_by_role("link", name="Edit the contract of Whole project").click()
    page.get_by_label("Hours", exact=True).fill("25")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flag", has_text=sentences.SAVED)).to_be_visible()
    expect(page.locator('[data-figure="remaining"]')).to_have_text("22.00 h")

    page.get_by_role("link", name="Delete the contract of Whole project").click()
    expect(page).to_have_url(re.compile(r"/delete/confirm/$"))
    page.get_by_role("button", name="Delete").click()
    expect(page.locator(".flag", has_text=sentences.DELETED)).to_be_visible()
    assert not Contract.objects.exists()
    context.close()


def test_forecast_on_the_table_and_the_panel(browser, live_server, page, itsd, time_machine):
    # Wed 2 Jun 2032 (the live server's clock too): its last 10 working days run from Tue 1 Jun
    # back to Wed 19 May. 8 h on five of them and 2 h on Tue 1 Jun: 42 h ÷ 10 = 4.2 h a day.
    time_machine.move_to(dt.datetime(2032, 6, 2, 12, tzinfo=dt.UTC), tick=True)
    for day in [31, 28, 27, 26, 25]:
        log(itsd, dt.date(2032, 5, day), 8)
    log(itsd, dt.date(2032, 6, 1), 2)
    contract = Contract.objects.create(
        project=itsd.project,
        organization=Organization.objects.get(name="Acme"),
        type="monthly",
        start_date=dt.date(2032, 6, 1),
        end_date=dt.date(2032, 12, 31),
        hours=20,
    )
    # 20 - 2 = 18 h left; 18 ÷ 4.2 = 4.3: the 5th working day, Wed 2, Thu 3, Fri 4, Mon 7, Tue 8.
    runs_out = "At this pace the hours run out on 8 Jun."

    sign_in(page, "admin", "admin")
    page.goto(CONTRACTS)
    row = page.locator(f"#contract-{contract.pk}")
    expect(row.locator('[data-figure="forecast"]')).to_have_text(runs_out)

    customer = browser.new_context(base_url=live_server.url)
    portal = customer.new_page()
    sign_in(portal, "alice@acme.example", "demo")
    portal.goto(REPORT)
    panel = portal.locator(".contract-panel")
    expect(panel.locator('[data-figure="forecast"]')).to_be_hidden()
    panel.get_by_text("Show contract").click()
    expect(panel.locator('[data-figure="forecast"]')).to_have_text(runs_out)
    expect(panel.locator('[data-figure="pace"]')).to_have_text(
        "Pace: 4.20 h a working day over the last 10 working days."
    )
    customer.close()
