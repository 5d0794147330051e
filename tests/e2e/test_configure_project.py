"""Admin: Sync now, Select project to configure, Go to project, settings survive a reload."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from portal.models import ReportSettings

from .conftest import sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def admin(transactional_db):
    return get_user_model().objects.create_user(
        "admin", "admin@example.com", "admin", is_staff=True
    )


def test_admin_syncs_picks_a_project_and_configures_it(page, live_server, admin, wired_sandbox):
    sign_in(page, "admin", "admin")
    page.get_by_role("link", name="Select project to configure").click()
    expect(page.get_by_text("No Jira Service Management projects yet")).to_be_visible()

    page.get_by_role("button", name="Sync now").click()  # the test backend runs it at once
    expect(page.locator(".flag", has_text="Sync started.")).to_be_visible()
    select = page.get_by_label("Select Jira Service Management project")
    expect(select.locator("option")).to_have_count(2)
    expect(select).to_contain_text("IT Service Desk (ITSD)")
    expect(select).not_to_contain_text("PLAT")  # the software project is never listed

    select.select_option("ITSD")
    page.get_by_role("button", name="Go to project").click()
    expect(page).to_have_url(f"{live_server.url}/configuration/projects/ITSD/")
    expect(page.get_by_role("heading", name="IT Service Desk (ITSD)")).to_be_visible()
    expect(page.get_by_text("Invalid API Token!")).to_be_visible()  # Tempo hours, no token

    page.get_by_label("Enable Worklog Report").check()
    page.get_by_label("Also requests shared with their organizations").check()
    page.get_by_label("Show worker names").check()
    page.get_by_label("Hours and minutes (1h 30m)").check()
    page.get_by_label("Round each worklog up to").select_option("30")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flag-success", has_text="Settings saved.")).to_be_visible()

    page.reload()
    expect(page.get_by_label("Enable Worklog Report")).to_be_checked()
    expect(page.get_by_label("Also requests shared with their organizations")).to_be_checked()
    expect(page.get_by_label("Show worker names")).to_be_checked()
    expect(page.get_by_label("Hours and minutes (1h 30m)")).to_be_checked()
    expect(page.get_by_label("Round each worklog up to")).to_have_value("30")
    saved = ReportSettings.objects.get(project__key="ITSD")
    assert saved.enabled and saved.rounding_minutes == 30

    page.get_by_role("link", name="Sync", exact=True).click()
    expect(page.locator(".sync-card", has_text="Jira sync")).to_contain_text("300 requests")
