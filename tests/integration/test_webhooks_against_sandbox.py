"""Webhooks end to end against the real sandbox process (docs/product.md §6, §8): the app
registers with the sandbox's Tempo and Jira, the sandbox delivers each change to the live
app, and the report changes after the queued targeted sync, without a periodic sync."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from jsm.models import JiraProject, Request
from portal.models import ReportSettings
from sync.models import SyncRun
from sync.runs import sync_jira, sync_tempo
from tempo_integration.models import TempoIntegration, Worklog
from webhooks import registration
from webhooks.models import PendingChange, SeenEvent, Subscription
from webhooks.tasks import apply_pending_changes

pytestmark = pytest.mark.integration

SEPTEMBER = "from=2026-09-01&to=2026-09-30&scope=mine&format=csv"


@pytest.fixture
def app(transactional_db, live_server, fresh_sandbox, admin_user, settings):
    """The live app, reachable by the sandbox, with webhooks on and tasks queued in the
    database (the test runs them, as the worker would)."""
    settings.WEBHOOKS = True
    settings.WEBHOOK_BASE_URL = live_server.url
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    fresh_sandbox.client.reset_webhooks()
    TempoIntegration.store(fresh_sandbox.client.mint_token(full=True), admin_user)
    yield fresh_sandbox.client
    fresh_sandbox.client.reset_webhooks()


def queued_drains() -> int:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        task_path=apply_pending_changes.module_path, status="READY"
    ).count()


def alice_hours(key: str) -> str:
    client = Client()
    client.force_login(get_user_model().objects.get(email="alice@acme.example"))
    response = client.get(f"/portal/ITSD/worklog-report/?{SEPTEMBER}")
    assert response.status_code == 200
    rows = response.content.decode("utf-8-sig").splitlines()
    return next(row.split(",")[3] for row in rows if row.startswith(key))


def test_a_tempo_change_reaches_the_report_without_a_sync(app):
    issue = app.create_request("ITSD", "Webhook printer", "alice@acme.example")
    worklog = app.create_tempo_worklog(
        issue["key"], 3600, start_date="2026-09-14", updated="2026-09-14T12:00:00Z"
    )
    assert sync_jira().status == SyncRun.Status.SUCCEEDED
    for project in JiraProject.objects.all():
        ReportSettings.objects.update_or_create(project=project, defaults={"enabled": True})
    assert sync_tempo().status == SyncRun.Status.SUCCEEDED
    assert alice_hours(issue["key"]) == "1.00"

    rows = registration.register_tempo()
    assert [r.status for r in rows] == ["live", "live", "live"]
    state = app.webhook_state()
    assert {s["active"] for s in state["tempo_subscriptions"]} == {True}

    runs = SyncRun.objects.count()
    app.update_tempo_worklog(worklog["id"], billable_seconds=9000)
    delivered = app.wait_for_webhooks(timeout=20)["deliveries"][-1]
    assert (delivered["outcome"], delivered["status"]) == ("sent", 204)
    assert PendingChange.objects.get().remote_id == str(worklog["id"])
    assert queued_drains() == 1

    apply_pending_changes.call()  # what the worker does with the queued task
    assert Worklog.objects.get(tempo_id=worklog["id"]).billable_seconds == 9000
    assert alice_hours(issue["key"]) == "2.50"
    assert SyncRun.objects.count() == runs  # no periodic sync involved

    app.delete_tempo_worklog(worklog["id"])
    app.wait_for_webhooks(timeout=20)
    apply_pending_changes.call()
    assert not Worklog.objects.filter(tempo_id=worklog["id"]).exists()
    assert SeenEvent.objects.count() == 2


def test_a_jira_change_reaches_the_app_without_a_sync(app):
    issue = app.create_request("ITSD", "Webhook scanner", "alice@acme.example")
    assert sync_jira().status == SyncRun.Status.SUCCEEDED
    row = registration.register_jira()
    assert row.status == Subscription.Status.LIVE, row.problem
    assert app.webhook_state()["jira_webhooks"][0]["has_secret"] is True

    app.update_request(issue["key"], summary="Scanner fixed by webhook")
    delivered = app.wait_for_webhooks(timeout=20)["deliveries"][-1]
    assert (delivered["outcome"], delivered["status"]) == ("sent", 204)
    apply_pending_changes.call()
    assert Request.objects.get(jira_id=str(issue["id"])).summary == "Scanner fixed by webhook"
