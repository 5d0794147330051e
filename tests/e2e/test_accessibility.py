"""Accessibility in Chromium: axe-core on every page type finds no serious or critical
violation, the Content-Security-Policy blocks nothing the pages need, and the dialogs, tabs
and expanding rows work from the keyboard.

axe-core comes from the PyPI package axe-playwright-python (its bundled axe.min.js), run in
the page through Playwright's evaluate, which the page's CSP does not apply to.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from playwright.sync_api import expect

from jsm.models import Customer, JiraProject, Organization, Request, Worker
from portal.contracts import Contract
from portal.models import ReportSettings
from sync.models import SyncRun
from tempo_integration.models import ProjectSyncState, TempoIntegration, Worklog
from tests.clock import TODAY

from .conftest import sign_in

# The live server runs in this process, so it sees tests.clock's day too; the pages' scripts
# do no date arithmetic of their own, so Chromium's real clock does not matter.
pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("frozen_today")]

AXE = Axe()
BLOCKING = {"serious", "critical"}
REPORT = "/portal/ITSD/worklog-report/"
CONTRACTS = "/configuration/projects/ITSD/contracts/"


@pytest.fixture
def site(transactional_db):
    """ITSD enabled with organization sharing and worker names, alice of Acme with hours
    this month, a monthly contract at 85 %, a stored Tempo token that has read ITSD and a
    Jira sync run."""
    users = get_user_model().objects
    admin = users.create_user("admin", "admin@example.com", "admin", is_staff=True)
    project = JiraProject.objects.create(
        jira_id="10000", key="ITSD", name="IT Service Desk", service_desk_id="1"
    )
    ReportSettings.objects.create(
        project=project,
        enabled=True,
        visibility=ReportSettings.Visibility.ORGANIZATIONS,
        show_worker_names=True,
    )
    alice = Customer.objects.create(
        account_id="acc-alice",
        email="alice@acme.example",
        display_name="Alice",
        user=users.create_user(
            "alice@acme.example", "alice@acme.example", "demo", first_name="Alice"
        ),
    )
    acme = Organization.objects.create(jira_id="1", name="Acme")
    acme.projects.add(project)
    acme.members.add(alice)
    Worker.objects.create(account_id="agent-1", display_name="Agent Smith")
    now = timezone.now()
    for n, hours in ((1, 5.5), (2, 3)):
        request = Request.objects.create(
            jira_id=str(20000 + n),
            key=f"ITSD-{n}",
            project=project,
            summary=f"Request number {n}",
            status="In Progress",
            status_category="indeterminate",
            reporter=alice,
            created=now,
            updated=now,
        )
        request.organizations.add(acme)
        Worklog.objects.create(
            tempo_id=n,
            request=request,
            author_account_id="agent-1",
            time_spent_seconds=int(hours * 3600),
            billable_seconds=int(hours * 3600),
            start_date=TODAY.replace(day=1),
            description=f"Work on request {n}",
            tempo_updated_at=now,
        )
    Contract.objects.create(
        project=project,
        organization=acme,
        start_date=TODAY.replace(day=1),
        end_date=TODAY.replace(day=1) + dt.timedelta(days=365),
        hours=Decimal("10"),
        carry_over=True,
        description="Acme support",
    )
    SyncRun.objects.create(kind=SyncRun.Kind.JIRA, status=SyncRun.Status.SUCCEEDED, finished_at=now)
    SyncRun.objects.create(
        kind=SyncRun.Kind.TEMPO,
        status=SyncRun.Status.FAILED,
        finished_at=now,
        error="Tempo could not be reached. The data from the last successful sync is kept.",
    )
    TempoIntegration.store("Accessibility-Test-Token-0042", admin)
    ProjectSyncState.objects.create(project=project, last_full_sync_at=now)
    return admin


def watch_csp(page) -> list[str]:
    """Console reports of anything the Content-Security-Policy refused."""
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return refused


def audit(page, name: str) -> None:
    results = AXE.run(page, options={"resultTypes": ["violations"]})
    blocking = [v for v in results.response["violations"] if v["impact"] in BLOCKING]
    report = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(node["html"][:120] for node in v["nodes"][:3])
        for v in blocking
    )
    assert not blocking, f"{name}:\n{report}"


def test_anonymous_pages(page, site, live_server):
    refused = watch_csp(page)
    page.goto("/accounts/login/")
    audit(page, "sign-in")
    page.get_by_label("Username or e-mail address").fill("alice@acme.example")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("didn’t match")
    audit(page, "sign-in with an error")

    page.goto("/accounts/password/set/")
    audit(page, "set password: request")
    page.get_by_label("Email").fill("alice@acme.example")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    audit(page, "set password: sent")

    alice = get_user_model().objects.get(username="alice@acme.example")
    uid = urlsafe_base64_encode(force_bytes(alice.pk))
    page.goto(f"/accounts/password/set/{uid}/{default_token_generator.make_token(alice)}/")
    expect(page.get_by_role("heading", name="Choose a password")).to_be_visible()
    audit(page, "set password: choose")
    page.goto("/accounts/password/set/MQ/expired-link/")
    audit(page, "set password: link no longer works")

    page.goto("/no-such-page/")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    audit(page, "404")
    page.goto("/accounts/logout/")
    expect(page.get_by_role("heading", name="That action is not available here")).to_be_visible()
    audit(page, "405")

    page.goto("/accounts/login/")
    for _ in range(5):
        page.get_by_label("Username or e-mail address").fill("bob@acme.example")
        page.get_by_label("Password").fill("wrong")
        page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Too many failed sign-ins")
    audit(page, "sign-in locked")
    assert refused == []


def test_configuration_pages(page, site, live_server):
    refused = watch_csp(page)
    sign_in(page, "admin", "admin")
    for url, name in [
        ("/configuration/tempo/", "Manage Tempo integration"),
        ("/configuration/tempo/revoke/confirm/", "revoke confirmation page"),
        ("/configuration/projects/", "Select project to configure"),
        ("/configuration/sync/", "Sync"),
        ("/configuration/backup/", "Tempo backup"),
        ("/configuration/projects/ITSD/", "project General"),
        (CONTRACTS, "Contract management"),
        (f"{CONTRACTS}new/", "Create contract page"),
    ]:
        page.goto(url)
        audit(page, name)

    page.goto(CONTRACTS)
    page.get_by_role("link", name="Create contract").click()  # a page, like Edit
    expect(page).to_have_url(f"{live_server.url}{CONTRACTS}new/")
    page.get_by_label("Start date").fill(TODAY.isoformat())
    page.get_by_label("End date").fill(TODAY.isoformat())
    page.get_by_label("Hours", exact=True).fill("0")
    page.get_by_role("button", name="Save").click()  # refused: the page again, with errors
    expect(page.locator(".field-error").first).to_be_visible()
    audit(page, "Create contract page with errors")

    page.goto("/configuration/tempo/")
    page.get_by_role("button", name="Revoke integration").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    audit(page, "Revoke dialog")
    assert refused == []


def test_portal_pages(page, site, live_server):
    refused = watch_csp(page)
    sign_in(page, "alice@acme.example", "demo")
    page.goto("/portal/")
    audit(page, "portal home")

    page.goto(REPORT)
    page.get_by_text("Show contract").click()
    page.get_by_role("button", name="ITSD-1").click()
    expect(page.get_by_text("Work on request 1")).to_be_visible()
    audit(page, "report with the contract panel and a request open")
    page.goto(f"{REPORT}?scope=organization")
    audit(page, "report, organization requests")
    page.goto(f"{REPORT}?from=2020-02-01&to=2020-01-01")
    audit(page, "report with a period error")

    page.goto(f"{REPORT}ITSD-1/")
    audit(page, "request worklogs page")
    page.goto("/configuration/tempo/")
    expect(page.get_by_role("heading", name="You don’t have access to this page")).to_be_visible()
    audit(page, "403")
    assert refused == []


# -- the keyboard -----------------------------------------------------------------------------


def focused(page) -> str:
    return page.evaluate(
        "() => { const e = document.activeElement;"
        " return (e.getAttribute('aria-label') || e.textContent || '').trim(); }"
    )


def in_open_dialog(page) -> bool:
    return page.evaluate("() => !!document.activeElement.closest('dialog[open]')")


def test_first_tab_reaches_the_skip_link(page, site, live_server):
    sign_in(page, "alice@acme.example", "demo")
    page.goto(REPORT)
    page.keyboard.press("Tab")
    assert focused(page) == "Skip to content"
    expect(page.get_by_role("link", name="Skip to content")).to_be_in_viewport()


def test_create_and_edit_contract_are_pages_from_the_keyboard(page, site, live_server):
    sign_in(page, "admin", "admin")
    page.goto(CONTRACTS)
    page.get_by_role("link", name="Create contract").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}{CONTRACTS}new/")
    expect(page.get_by_role("heading", name="Create contract")).to_be_visible()
    page.go_back()
    page.get_by_role("link", name="Edit the contract of Acme").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Edit contract")).to_be_visible()
    assert page.locator("dialog").count() == 0


@pytest.mark.parametrize("key", ["Enter", "Space"])
def test_delete_and_revoke_are_buttons_that_open_dialogs(page, site, live_server, key):
    sign_in(page, "admin", "admin")
    page.goto(CONTRACTS)
    delete = page.get_by_role("button", name="Delete the contract of Acme")
    delete.focus()
    page.keyboard.press(key)
    expect(page.get_by_role("dialog")).to_be_visible()
    assert focused(page) == "Cancel"  # the safe choice has the focus
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog")).to_be_hidden()
    assert focused(page).startswith("Delete the contract of Acme")
    assert Contract.objects.count() == 1

    page.goto("/configuration/tempo/")
    revoke = page.get_by_role("button", name="Revoke integration")
    revoke.focus()
    page.keyboard.press(key)
    expect(page.get_by_role("dialog", name="Revoke integration")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    assert focused(page) == "Revoke integration"
    assert TempoIntegration.current() is not None


def test_tab_reaches_the_delete_and_revoke_buttons(page, site, live_server):
    sign_in(page, "admin", "admin")
    for url, name in [
        (CONTRACTS, "Delete the contract of Acme"),
        ("/configuration/tempo/", "Revoke integration"),
    ]:
        page.goto(url)
        for _ in range(60):
            page.keyboard.press("Tab")
            if focused(page).startswith(name):
                break
        assert focused(page).startswith(name)
        assert page.evaluate("() => document.activeElement.tagName") == "BUTTON"


def test_without_javascript_delete_revoke_and_rows_reach_their_pages(browser, site, live_server):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, "admin", "admin")
    page.goto(CONTRACTS)
    page.get_by_role("link", name="Delete the contract of Acme").click()
    expect(page).to_have_url(re.compile(r"/contracts/\d+/delete/confirm/$"))
    expect(page.get_by_role("button", name="Delete")).to_be_visible()
    page.goto("/configuration/tempo/")
    page.get_by_role("link", name="Revoke integration").click()
    expect(page).to_have_url(f"{live_server.url}/configuration/tempo/revoke/confirm/")
    page.goto(REPORT)
    page.get_by_role("link", name="ITSD-1").click()
    expect(page).to_have_url(re.compile(r"/worklog-report/ITSD-1/\?from="))
    expect(page.get_by_text("Work on request 1")).to_be_visible()
    context.close()


def test_tabs_and_rows_from_the_keyboard(page, site, live_server):
    sign_in(page, "admin", "admin")
    page.goto("/configuration/tempo/")
    page.get_by_role("link", name="Sync", exact=True).focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/configuration/sync/")
    expect(page.get_by_role("link", name="Sync", exact=True)).to_have_attribute(
        "aria-current", "page"
    )

    page.context.clear_cookies()
    sign_in(page, "alice@acme.example", "demo")
    page.goto(REPORT)
    row_button = page.get_by_role("button", name="ITSD-1")
    row_button.focus()
    expect(row_button).to_have_attribute("aria-controls", re.compile(r"^lines-\d+$"))
    page.keyboard.press("Enter")
    expect(row_button).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_text("Work on request 1")).to_be_visible()
    page.keyboard.press("Space")
    expect(row_button).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_text("Work on request 1")).to_be_hidden()
    page.keyboard.press("Space")
    expect(row_button).to_have_attribute("aria-expanded", "true")

    toggle = page.get_by_text("Show contract")
    page.locator(".contract-toggle").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Hide contract")).to_be_visible()
    expect(toggle).to_be_hidden()
    page.keyboard.press("Space")
    expect(page.get_by_text("Show contract")).to_be_visible()


def test_custom_preset_focuses_the_dates_and_a_bad_period_marks_its_field(page, site, live_server):
    sign_in(page, "alice@acme.example", "demo")
    page.goto(REPORT)
    page.get_by_role("group", name="Period presets").get_by_role("link", name="Custom").focus()
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "period-from"

    page.get_by_label("From", exact=True).fill("2020-02-01")
    page.get_by_label("To", exact=True).fill("2020-01-01")
    page.get_by_role("button", name="Apply").click()
    to = page.get_by_label("To", exact=True)
    expect(to).to_have_value("2020-01-01")
    expect(page.get_by_label("From", exact=True)).to_have_value("2020-02-01")
    expect(to).to_have_attribute("aria-invalid", "true")
    expect(to).to_have_accessible_description(re.compile("start date is after the end date"))
    expect(page.get_by_label("From", exact=True)).not_to_have_attribute("aria-invalid", "true")
    error = page.locator("#period-to-error").bounding_box()
    field = to.bounding_box()
    assert abs(error["x"] - field["x"]) < 80 and 0 <= error["y"] - field["y"] < 80


def test_set_password_errors_stand_beside_their_fields(page, site, live_server):
    alice = get_user_model().objects.get(username="alice@acme.example")
    uid = urlsafe_base64_encode(force_bytes(alice.pk))
    page.goto(f"/accounts/password/set/{uid}/{default_token_generator.make_token(alice)}/")
    page.get_by_label("New password", exact=True).fill("abc")
    page.get_by_label("New password confirmation").fill("abd")
    page.get_by_role("button", name="Set password").click()
    password = page.get_by_label("New password", exact=True)
    confirmation = page.get_by_label("New password confirmation")
    expect(password).to_have_accessible_description(re.compile("too short"))
    expect(confirmation).to_have_accessible_description(re.compile("didn’t match"))
    too_short = page.get_by_text("This password is too short").bounding_box()
    mismatch = page.get_by_text("didn’t match").bounding_box()
    assert password.bounding_box()["y"] < too_short["y"] < confirmation.bounding_box()["y"]
    assert confirmation.bounding_box()["y"] < mismatch["y"]
    page.get_by_role("link", name="Back to sign in").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
