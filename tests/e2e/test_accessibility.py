"""Accessibility in Chromium: axe-core on every page type finds no serious or critical
violation, the Content-Security-Policy blocks nothing the pages need, and the dialogs, tabs
and expanding rows work from the keyboard.

axe-core comes from the PyPI package axe-playwright-python (its bundled axe.min.js), run in
the page through Playwright's evaluate, which the page's CSP does not apply to.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from playwright.sync_api import expect

from jsm.models import Customer, JiraProject, Organization, Request, SyncRun, Worker
from portal.contracts import Contract
from portal.models import ReportSettings
from tempo_integration.models import ProjectSyncState, TempoIntegration, Worklog

from .conftest import sign_in

pytestmark = pytest.mark.e2e

AXE = Axe()
BLOCKING = {"serious", "critical"}
TODAY = timezone.localdate()
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
        ("/configuration/projects/ITSD/", "project General"),
        (CONTRACTS, "Contract management"),
        (f"{CONTRACTS}new/", "Create contract page"),
    ]:
        page.goto(url)
        audit(page, name)

    page.goto(CONTRACTS)
    page.get_by_role("link", name="Create contract").click()
    dialog = page.get_by_role("dialog", name="Create contract")
    expect(dialog).to_be_visible()
    audit(page, "Create contract dialog")
    dialog.get_by_label("Start date").fill(TODAY.isoformat())
    dialog.get_by_label("End date").fill(TODAY.isoformat())
    dialog.get_by_label("Hours", exact=True).fill("0")
    dialog.get_by_role("button", name="Save").click()  # refused: the dialog again, with errors
    expect(dialog.locator(".field-error").first).to_be_visible()
    audit(page, "Create contract dialog with errors")

    page.goto("/configuration/tempo/")
    page.get_by_role("link", name="Revoke integration").click()
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
    page.get_by_role("link", name="ITSD-1").click()
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


def test_create_contract_dialog_from_the_keyboard(page, site, live_server):
    sign_in(page, "admin", "admin")
    page.goto(CONTRACTS)
    opener = page.get_by_role("link", name="Create contract")
    opener.focus()
    page.keyboard.press("Enter")
    dialog = page.locator("#create-contract")
    expect(dialog).to_be_visible()
    assert in_open_dialog(page)
    for _ in range(25):  # a modal dialog keeps Tab inside it
        page.keyboard.press("Tab")
        assert in_open_dialog(page) or page.evaluate(
            "() => document.activeElement === document.body"
        )
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert focused(page) == "Create contract"


def test_delete_and_revoke_dialogs_from_the_keyboard(page, site, live_server):
    sign_in(page, "admin", "admin")
    page.goto(CONTRACTS)
    page.locator('a[data-open-dialog^="delete-contract-"]').focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog")).to_be_visible()
    assert focused(page) == "Cancel"  # the safe choice has the focus
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog")).to_be_hidden()
    assert focused(page).startswith("Delete the contract of Acme")
    assert Contract.objects.count() == 1

    page.goto("/configuration/tempo/")
    page.get_by_role("link", name="Revoke integration").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    assert focused(page) == "Revoke integration"
    assert TempoIntegration.current() is not None


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
    row_link = page.get_by_role("link", name="ITSD-1")
    row_link.focus()
    page.keyboard.press("Enter")
    expect(row_link).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_text("Work on request 1")).to_be_visible()
    page.keyboard.press("Enter")
    expect(row_link).to_have_attribute("aria-expanded", "false")

    toggle = page.get_by_text("Show contract")
    page.locator(".contract-toggle").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Hide contract")).to_be_visible()
    expect(toggle).to_be_hidden()
    page.keyboard.press("Space")
    expect(page.get_by_text("Show contract")).to_be_visible()
