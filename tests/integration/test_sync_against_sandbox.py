"""The Jira and Tempo syncs against a real sandbox process of their own (it is changed here).

First sync, a re-sync with no change, drift in Jira and Tempo, faults half-way and the
recovery, 429 then success, 401 turning the integration Invalid, and the fault matrix: every
kind of misbehaviour of Tempo and of Jira, seen from the Sync tab and the portal.
"""

from __future__ import annotations

import time

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils.html import escape

from jsm.models import JiraProject, JiraWorklog, Request
from portal.models import ReportSettings
from sync.models import SyncRun
from sync.runs import sync_jira, sync_tempo
from tempo_integration import sentences
from tempo_integration.models import TempoIntegration, Worklog
from tests.page_text import comparable

pytestmark = pytest.mark.integration


@pytest.fixture
def sandbox_app(fresh_sandbox, admin_user):
    """A freshly seeded sandbox, the app pointed at it, a token stored."""
    TempoIntegration.store(fresh_sandbox.client.mint_token(full=True), admin_user)
    return fresh_sandbox


def enable_all() -> None:
    for project in JiraProject.objects.all():
        ReportSettings.objects.update_or_create(project=project, defaults={"enabled": True})


def test_first_sync_then_no_change(sandbox_app):
    run = sync_jira()
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert set(JiraProject.objects.values_list("key", flat=True)) == {"ITSD", "SUP"}
    assert Request.objects.count() == 300
    assert JiraWorklog.objects.count() > 1000
    enable_all()
    first = sync_tempo()
    assert first.status == SyncRun.Status.SUCCEEDED, first.error
    stored = Worklog.objects.count()
    assert stored == first.counts["worklogs"] > 1000

    sandbox_app.client.reset_request_count()
    again = sync_tempo()
    assert again.status == SyncRun.Status.SUCCEEDED
    # One request per enabled project, and one to the audit log.
    assert sandbox_app.client.request_count("tempo") == 3
    assert Worklog.objects.count() == stored
    assert sync_jira().counts["requests"] == 300


def test_drift_in_jira_and_tempo_is_reflected(sandbox_app):
    sync_jira()
    enable_all()
    sync_tempo()
    a_request = Request.objects.filter(project__key="ITSD").order_by("key").first()
    other = Request.objects.filter(project__key="ITSD").order_by("-key").first()
    tempo_ids = list(
        Worklog.objects.filter(request=a_request)
        .order_by("tempo_id")
        .values_list("tempo_id", flat=True)
    )
    assert len(tempo_ids) >= 2
    edited, moved = tempo_ids[0], tempo_ids[1]
    sandbox_app.client.update_tempo_worklog(edited, billable_seconds=60, description="edited")
    sandbox_app.client.move_tempo_worklog(moved, other.key)
    sandbox_app.client.update_request(a_request.key, summary="Renamed in Jira")
    victim = Request.objects.filter(project__key="SUP").order_by("key").first()
    gone = sandbox_app.client.delete_request(victim.key)

    assert sync_jira().status == SyncRun.Status.SUCCEEDED
    assert Request.objects.get(pk=a_request.pk).summary == "Renamed in Jira"
    assert not Request.objects.filter(key=victim.key).exists()
    incremental = sync_tempo()
    assert incremental.status == SyncRun.Status.SUCCEEDED
    assert Worklog.objects.get(tempo_id=edited).billable_seconds == 60
    assert Worklog.objects.get(tempo_id=moved).request_id == other.pk
    # The deleted request's worklogs went with it.
    assert not Worklog.objects.filter(tempo_id__in=gone["tempo_worklog_ids"]).exists()

    a_worklog = Worklog.objects.filter(request__project__key="SUP").first().tempo_id
    sandbox_app.client.delete_tempo_worklog(a_worklog)
    # Lists never show deletions; Tempo's audit log does (a dropped webhook is caught).
    incremental = sync_tempo()
    assert not Worklog.objects.filter(tempo_id=a_worklog).exists()
    assert incremental.counts["worklogs_deleted_from_audit"] == 1
    full = sync_tempo(full=True)
    assert full.counts["worklogs_removed"] == 0

    # A token Tempo refuses the audit log: the deletion waits for the full read.
    another = Worklog.objects.filter(request__project__key="SUP").first().tempo_id
    sandbox_app.client.delete_tempo_worklog(another)
    sandbox_app.client.switch_on("tempo_audit_log_forbidden", "*", count=None)
    try:
        refused = sync_tempo()
    finally:
        sandbox_app.client.switch_off("tempo_audit_log_forbidden")
    assert refused.status == SyncRun.Status.SUCCEEDED
    assert Worklog.objects.filter(tempo_id=another).exists()
    assert sync_tempo(full=True).counts["worklogs_removed"] == 1


def test_jira_failing_half_way_keeps_data_and_the_next_run_completes(sandbox_app):
    sync_jira()
    before = Request.objects.count()
    sandbox_app.client.add_fault("jira", "500", count=50)
    failed = sync_jira()
    assert failed.status == SyncRun.Status.FAILED
    assert "last successful sync is kept" in failed.error
    assert Request.objects.count() == before
    sandbox_app.client.clear_faults()
    assert sync_jira().status == SyncRun.Status.SUCCEEDED


def test_tempo_429_then_success(sandbox_app):
    sync_jira()
    enable_all()
    sandbox_app.client.add_fault("tempo", "429", count=2, retry_after=1)
    run = sync_tempo()
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert run.counts["worklogs"] > 1000


def test_tempo_401_turns_the_integration_invalid(sandbox_app):
    sync_jira()
    enable_all()
    token = TempoIntegration.current().token()
    sandbox_app.client.delete_token(token)
    run = sync_tempo()
    assert run.status == SyncRun.Status.FAILED and run.error == sentences.INVALID_TOKEN
    assert TempoIntegration.current().status == TempoIntegration.Status.INVALID
    assert sync_tempo() is None


def test_a_garbage_page_fails_the_run_in_words(sandbox_app):
    sandbox_app.client.add_fault("jira", "truncated", count=50)
    run = sync_jira()
    assert run.status == SyncRun.Status.FAILED
    assert "not JSON" in run.error


# -- The fault matrix (issue 8 §6) ------------------------------------------------------------

# Each kind of misbehaviour and the words the Sync tab's sentence starts with (after the
# service's name). A drip is issue 12's example: a 200 arriving a byte at a time, which only
# the deadline per call (HTTP_CALL_DEADLINE, 2 s here) ends.
FAULTS = {
    "429": "is rate limiting requests (429).",
    "500": "failed (500).",
    "503": "failed (503).",
    "slow": "did not answer in time.",
    "html": "answered with something that is not JSON.",
    "truncated": "answered with something that is not JSON.",
    "drop": "could not be reached (ConnectionError).",
    "drip": "took longer than 2 s to answer.",
}
# Seconds a failing run may take: two calls (Tempo gives up after two projects in a row),
# each within its retry budget (3 s) plus the deadline of its last attempt (2 s), and slack.
FAILING_RUN_BOUND = 2 * (3 + 2) + 5
REPORT = "/portal/ITSD/worklog-report/?period=this_year&scope=organization"


def stored_data() -> tuple:
    return (
        sorted(Request.objects.values_list("jira_id", "summary", "status")),
        sorted(Worklog.objects.values_list("tempo_id", "billable_seconds", "request_id")),
        JiraWorklog.objects.count(),
    )


@pytest.mark.parametrize("kind", FAULTS)
@pytest.mark.parametrize("service", ["tempo", "jira"])
def test_fault_matrix_keeps_the_last_good_data_and_says_what_happened(
    sandbox_app, settings, service, kind
):
    """Tempo or Jira misbehaving for longer than the retries last: the run fails with a
    sentence on the Sync tab, no page answers 500, the portal shows the last good data with
    its Updated time, nothing is lost, the lock is released and the next run completes."""
    relaxed = (settings.TEMPO_READ_TIMEOUT, settings.JIRA_READ_TIMEOUT, settings.HTTP_CALL_DEADLINE)
    assert sync_jira().status == SyncRun.Status.SUCCEEDED
    enable_all()
    for project in JiraProject.objects.all():
        ReportSettings.objects.filter(project=project).update(
            visibility=ReportSettings.Visibility.ORGANIZATIONS
        )
    assert sync_tempo().status == SyncRun.Status.SUCCEEDED
    alice = Client(raise_request_exception=False)
    alice.force_login(get_user_model().objects.get(email="alice@acme.example"))
    admin = Client(raise_request_exception=False)
    admin.force_login(get_user_model().objects.get(username="admin"))
    before, report_before = stored_data(), alice.get(REPORT)
    assert report_before.status_code == 200 and "Updated <time" in report_before.content.decode()

    # A drip's bytes come faster than the read timeout, so only the deadline can end it.
    delay = 0.1 if kind == "drip" else 2
    # Tight limits for the faulty run only: the good runs around it keep the usual ones, so
    # a busy machine (the suite runs on every core) never fails them.
    settings.TEMPO_READ_TIMEOUT = settings.JIRA_READ_TIMEOUT = 0.5  # "slow" is beyond it
    settings.HTTP_CALL_DEADLINE = 2
    sandbox_app.client.add_fault(service, kind, count=1000, retry_after=0, delay=delay)
    started = time.monotonic()
    run = (sync_tempo if service == "tempo" else sync_jira)()
    took = time.monotonic() - started
    sandbox_app.client.clear_faults()

    assert run.status == SyncRun.Status.FAILED
    assert run.error.startswith(f"{service.capitalize()} {FAULTS[kind]}"), run.error
    assert "kept" in run.error and "unexpectedly" not in run.error  # a sentence that says so
    assert took < FAILING_RUN_BOUND
    assert stored_data() == before  # nothing lost, nothing half-written
    report = alice.get(REPORT)
    assert report.status_code == 200
    assert comparable(report) == comparable(report_before)  # same data, same Updated time
    sync_tab = admin.get("/configuration/sync/")
    assert sync_tab.status_code == 200 and escape(run.error) in sync_tab.content.decode()
    for url in ("/portal/", f"{REPORT}&format=csv", "/configuration/tempo/", "/healthz"):
        page = (admin if url.startswith("/configuration") else alice).get(url)
        assert page.status_code == 200, url

    settings.TEMPO_READ_TIMEOUT, settings.JIRA_READ_TIMEOUT, settings.HTTP_CALL_DEADLINE = relaxed
    after = (sync_tempo if service == "tempo" else sync_jira)()
    assert after.status == SyncRun.Status.SUCCEEDED, after.error
    assert stored_data() == before
