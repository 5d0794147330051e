"""Playwright in Debian's Chromium against the live app (pytest-django's live_server).

The browser is /usr/bin/chromium, never a downloaded one. `make test` installs it when it
is missing; in CI its absence is a failure, elsewhere the browser tests are skipped.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# Without these, Chromium keeps trying to reach Google's services from an offline machine.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        message = f"Debian's chromium is not installed at {CHROMIUM} (make test installs it)."
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    # The live server and Playwright's sync API share this process; Playwright runs an event
    # loop in it, which makes Django refuse ORM calls in fixtures unless told it is fine.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, request):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def sign_in(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username or e-mail address").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


@pytest.fixture
def wired_sandbox(sandbox_clean, settings):
    """The session's sandbox, with the app's Jira and Tempo clients pointed at it."""
    settings.JIRA_BASE_URL = f"{sandbox_clean.url}/jira"
    settings.JIRA_EMAIL = "admin@sandbox.example"
    settings.JIRA_API_TOKEN = "sandbox-jira-token"
    settings.TEMPO_BASE_URL = sandbox_clean.tempo_url
    return sandbox_clean


@pytest.fixture
def demo(transactional_db, wired_sandbox):
    """The sandbox's demo synced into the app: ITSD enabled with organization sharing and
    worker names, Tempo hours from a full-access token; `admin`/`admin`, and alice and carol
    with password `demo`. Returns the sandbox."""
    from django.contrib.auth import get_user_model

    from jsm.models import JiraProject
    from portal.models import ReportSettings
    from sync.runs import sync_jira, sync_tempo
    from tempo_integration.models import TempoIntegration

    assert sync_jira().status == "succeeded"
    users = get_user_model().objects
    admin = users.create_user("admin", "a@example.com", "admin", is_staff=True)
    TempoIntegration.store(wired_sandbox.client.mint_token(full=True), admin)
    settings = ReportSettings.for_project(JiraProject.objects.get(key="ITSD"))
    settings.enabled = True
    settings.visibility = ReportSettings.Visibility.ORGANIZATIONS
    settings.show_worker_names = True
    settings.save()
    assert sync_tempo(full=True).status == "succeeded"
    for email in ("alice@acme.example", "carol@globex.example"):
        user = users.get(username=email)
        user.set_password("demo")
        user.save()
    return wired_sandbox
