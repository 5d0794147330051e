"""Phones (issue #13): at 390×844 with touch, every page fits the viewport's width, dialogs
fit the screen, tables become cards, the chart's labels stay readable and row actions are
big enough to tap. On a desktop, tables are still tables."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from portal.contracts import Contract
from sync.models import SyncRun
from tests.portal.conftest import PASSWORD, THIS_MONTH, world  # noqa: F401 - the fixture

from .conftest import sign_in

# tests.portal.conftest's world is dated from tests.clock's day: the live server (in this
# process) must see that day too, or its worklogs fall into "last month" on the 1st.
pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("frozen_today")]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
SHOTS = Path("/tmp/phone-shots")
REPORT = "/portal/ITSD/worklog-report/"
CONTRACTS = "/configuration/projects/ITSD/contracts/"
MIN_LABEL_PX = 11
MIN_TAP_PX = 44


@pytest.fixture
def site(transactional_db, world):  # noqa: F811 - the fixture imported above
    """The portal's world (ITSD, Acme and Globex, worklogs this month and last year) with an
    admin, worker names shown, a good and a failed sync run, and two contracts: Acme's
    monthly one, overrun, with a long description, and a fixed project-wide one."""
    admin = get_user_model().objects.create_user(
        "admin", "admin@example.com", "admin", is_staff=True
    )
    world.settings.show_worker_names = True
    world.settings.save()
    acme = world.requests["ITSD-1"].organizations.get()
    Contract.objects.create(
        project=world.project,
        organization=acme,
        start_date=THIS_MONTH,
        end_date=THIS_MONTH + dt.timedelta(days=365),
        hours=Decimal("1"),
        carry_over=True,
        description="Acme support retainer for the office move and the laptops",
    )
    Contract.objects.create(
        project=world.project,
        type="fixed",
        start_date=THIS_MONTH,
        end_date=THIS_MONTH + dt.timedelta(days=180),
        hours=Decimal("120.50"),
    )
    SyncRun.objects.create(
        kind=SyncRun.Kind.JIRA, status=SyncRun.Status.SUCCEEDED, finished_at=timezone.now()
    )
    SyncRun.objects.create(
        kind=SyncRun.Kind.TEMPO,
        status=SyncRun.Status.FAILED,
        finished_at=timezone.now(),
        error="Tempo could not be reached. The data from the last successful sync is kept.",
    )
    return admin


def new_page(browser, live_server, viewport, *, touch: bool):
    context = browser.new_context(
        base_url=live_server.url, viewport=viewport, has_touch=touch, is_mobile=touch
    )
    context.set_default_timeout(10_000)
    return context, context.new_page()


@pytest.fixture
def phone(browser, live_server):
    context, page = new_page(browser, live_server, PHONE, touch=True)
    yield page
    context.close()


@pytest.fixture
def desktop(browser, live_server):
    context, page = new_page(browser, live_server, DESKTOP, touch=False)
    yield page
    context.close()


def shot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def assert_no_horizontal_overflow(page, name: str) -> None:
    """The page is no wider than the phone; a table wider than its box scrolls inside it,
    with a shadow (the wrapper's background) as the cue that it does."""
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name}: the page is {width} px wide"
    without_cue = page.evaluate(
        """() => Array.from(document.querySelectorAll('table'))
            .map(t => t.parentElement)
            .filter(box => box.scrollWidth > box.clientWidth)
            .filter(box => getComputedStyle(box).overflowX !== 'auto'
                || !getComputedStyle(box).backgroundImage.includes('gradient'))
            .map(box => box.className)"""
    )
    assert without_cue == [], f"{name}: a wide table without a scroll box and cue"


def box_inside_viewport(page, locator) -> bool:
    box = locator.bounding_box()
    view = page.viewport_size
    return (
        box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= view["width"]
        and box["y"] + box["height"] <= view["height"]
    )


def visible_in_viewport_width(page, locator) -> bool:
    box = locator.bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]


def rendered_label_sizes(page) -> list[float]:
    """The chart's visible axis labels: computed font size × the SVG's scale on screen."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('.chart svg text'))
            .filter(t => getComputedStyle(t).display !== 'none' && t.getBBox().width > 0)
            .map(t => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a)"""
    )


def overlapping_labels(page) -> list[str]:
    """Pairs of visible x-axis labels whose boxes overlap on screen."""
    return page.evaluate(
        """() => {
          const boxes = Array.from(document.querySelectorAll('.chart svg text.tick'))
            .filter(t => getComputedStyle(t).display !== 'none')
            .map(t => [t.textContent, t.getBoundingClientRect()]);
          const clashes = [];
          for (let i = 1; i < boxes.length; i++) {
            if (boxes[i][1].left < boxes[i - 1][1].right) {
              clashes.push(boxes[i - 1][0] + '/' + boxes[i][0]);
            }
          }
          return clashes;
        }"""
    )


# -- the phone -------------------------------------------------------------------------------


def test_customer_pages_fit_a_phone(phone, site):
    page = phone
    page.goto("/accounts/login/")
    assert_no_horizontal_overflow(page, "sign-in")
    shot(page, "phone-login")
    sign_in(page, "alice@acme.example", PASSWORD)
    expect(page).to_have_url(re.compile(r"/portal/$"))
    assert_no_horizontal_overflow(page, "portal home")
    shot(page, "phone-portal-home")

    page.goto(REPORT)
    page.get_by_text("Show contract").click()
    expect(page.get_by_text("Hide contract")).to_be_visible()
    page.locator("tr.request-row", has_text="ITSD-1").locator("[data-expand]").click()
    expect(page.get_by_text("Work item 1", exact=True)).to_be_visible()
    assert_no_horizontal_overflow(page, "report with the contract panel and a request open")
    # The requests are cards: each row's key, summary, status and hours are on screen.
    for cell in page.locator("tr.request-row td").all():
        assert visible_in_viewport_width(page, cell), cell.inner_text()
    expand = page.locator("tr.request-row [data-expand]").first
    assert expand.bounding_box()["height"] >= MIN_TAP_PX
    shot(page, "phone-report")

    sizes = rendered_label_sizes(page)
    assert sizes and min(sizes) >= MIN_LABEL_PX, sizes
    assert overlapping_labels(page) == []
    for period in ("this_year", "last_3_months", "last_month"):
        page.goto(f"{REPORT}?period={period}")
        assert_no_horizontal_overflow(page, f"report, {period}")
        sizes = rendered_label_sizes(page)
        assert sizes and min(sizes) >= MIN_LABEL_PX, (period, sizes)
        assert overlapping_labels(page) == [], period
    page.goto(f"{REPORT}?from={THIS_MONTH.year - 4}-01-01&to={THIS_MONTH.year}-12-31")
    assert overlapping_labels(page) == []
    shot(page, "phone-report-years")

    page.goto(f"{REPORT}ITSD-1/")
    expect(page.get_by_text("Work item 1", exact=True)).to_be_visible()
    assert_no_horizontal_overflow(page, "request worklog lines")
    shot(page, "phone-request-lines")


def test_configuration_pages_fit_a_phone(phone, site):
    page = phone
    sign_in(page, "admin", "admin")
    for url, name in [
        ("/configuration/tempo/", "tempo"),
        ("/configuration/projects/", "projects"),
        ("/configuration/sync/", "sync"),
        ("/configuration/backup/", "backup"),
        ("/configuration/projects/ITSD/", "project-general"),
        (CONTRACTS, "contracts"),
        (f"{CONTRACTS}new/", "contract-form"),
        (f"{CONTRACTS}{Contract.objects.first().pk}/edit/", "contract-edit"),
        (REPORT, "report-preview"),
    ]:
        page.goto(url)
        assert_no_horizontal_overflow(page, name)
        shot(page, f"phone-{name}")


def test_contract_table_and_dialog_on_a_phone(phone, site):
    page = phone
    sign_in(page, "admin", "admin")
    page.goto(CONTRACTS)
    rows = page.locator("tr.contract-row")
    expect(rows).to_have_count(2)
    for row in rows.all():
        for figure in ("used", "remaining"):
            assert visible_in_viewport_width(page, row.locator(f'[data-figure="{figure}"]'))
        actions = row.locator(".row-actions a, .row-actions button")
        assert actions.count() >= 2
        for action in actions.all():
            assert visible_in_viewport_width(page, action), action.inner_text()
            assert action.bounding_box()["height"] >= MIN_TAP_PX, action.inner_text()
    # The cards say what each figure is.
    expect(rows.first.locator("td", has=page.locator('[data-figure="used"]'))).to_have_attribute(
        "data-label", "Used"
    )
    assert_no_horizontal_overflow(page, "contracts")

    # Create contract is a page (at home on a phone); refused input keeps it within the width.
    page.get_by_role("link", name="Create contract").click()
    expect(page.get_by_role("heading", name="Create contract")).to_be_visible()
    assert_no_horizontal_overflow(page, "Create contract")
    page.get_by_label("Start date").fill(THIS_MONTH.isoformat())
    page.get_by_label("End date").fill(THIS_MONTH.isoformat())
    page.get_by_label("Hours", exact=True).fill("0")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".field-error").first).to_be_visible()
    assert_no_horizontal_overflow(page, "Create contract with errors")
    shot(page, "phone-create-contract-errors")

    page.goto(CONTRACTS)
    page.locator('.row-actions [data-open-dialog^="delete-contract"]').first.click()
    delete = page.get_by_role("dialog", name="Delete contract")
    expect(delete).to_be_visible()
    assert box_inside_viewport(page, delete)
    assert_no_horizontal_overflow(page, "Delete dialog")
    shot(page, "phone-delete-dialog")


# -- the desktop -----------------------------------------------------------------------------


def test_desktop_tables_are_still_tables(desktop, site):
    page = desktop
    sign_in(page, "admin", "admin")
    page.goto(CONTRACTS)
    head = page.locator(".contracts-table thead")
    expect(head).to_be_visible()
    assert head.evaluate("e => getComputedStyle(e).display") == "table-header-group"
    row = page.locator("tr.contract-row").first
    assert row.evaluate("e => getComputedStyle(e).display") == "table-row"
    cells = row.locator("td")
    tops = {round(cells.nth(i).bounding_box()["y"]) for i in range(cells.count())}
    assert len(tops) == 1, "the cells of a row side by side"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= DESKTOP["width"]
    shot(page, "desktop-contracts")
    page.locator('.row-actions [data-open-dialog^="delete-contract"]').first.click()
    dialog = page.get_by_role("dialog", name="Delete contract")
    expect(dialog).to_be_visible()
    shot(page, "desktop-delete-dialog")

    page.goto(REPORT)  # the admin's preview: every request
    expect(page.locator(".report-table thead")).to_be_visible()
    row = page.locator("tr.request-row").first
    assert row.evaluate("e => getComputedStyle(e).display") == "table-row"
    sizes = rendered_label_sizes(page)
    assert sizes and min(sizes) >= MIN_LABEL_PX, sizes
    assert overlapping_labels(page) == []
    page.locator("tr.request-row", has_text="ITSD-1").locator("[data-expand]").click()
    expect(page.get_by_text("Work item 1", exact=True)).to_be_visible()
    shot(page, "desktop-report")
    page.goto(f"{REPORT}?period=this_year")
    assert overlapping_labels(page) == []
    shot(page, "desktop-report-year")
