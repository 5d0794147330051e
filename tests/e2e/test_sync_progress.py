"""The Sync tab in Chromium: after Sync now, the result appears without a reload (issue 13)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import expect

from sync.views import TEMPO_SKIPPED_NO_TOKEN

from .conftest import sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def admin(transactional_db):
    return get_user_model().objects.create_user(
        "admin", "admin@example.com", "admin", is_staff=True
    )


@pytest.fixture
def queued_tasks(settings):
    """Sync now queues in the database, as in production; no worker runs until the test
    starts one."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.JIRA_BASE_URL = ""  # the Jira sync then fails at once, in words


def test_sync_now_shows_the_result_without_a_reload(page, live_server, admin, queued_tasks):
    sign_in(page, "admin", "admin")
    page.goto("/configuration/sync/")
    page.get_by_role("button", name="Sync now").click()
    expect(page.get_by_text("A sync is queued")).to_be_visible()
    expect(page.get_by_text("This page shows its result when it ends.")).to_be_visible()
    page.evaluate("window.sameDocument = true")

    # The worker, in the test's thread, while the page polls.
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)

    jira = page.locator(".sync-card", has_text="Jira sync")
    expect(jira.locator(".lozenge")).to_have_text("Failed")
    expect(jira).to_contain_text("JIRA_BASE_URL")
    expect(page.locator(".sync-card", has_text="Tempo sync")).to_contain_text(
        TEMPO_SKIPPED_NO_TOKEN
    )
    expect(page.get_by_text("A sync is queued")).to_have_count(0)
    assert page.evaluate("window.sameDocument") is True  # no reload happened
