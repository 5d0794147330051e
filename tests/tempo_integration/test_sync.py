"""The Tempo worklog sync, against Tempo mocked with `responses`."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import responses
from django.conf import settings as django_settings
from django.utils import timezone

from jsm.models import JiraProject
from sync.models import STOPPED, SyncRun
from sync.runs import sync_tempo
from tempo_integration import sentences
from tempo_integration.models import ProjectSyncState, TempoIntegration, Worklog

from .factories import stored_integration
from .fake_tempo import worklog


def test_first_sync_reads_everything_of_enabled_projects(tempo):
    run = sync_tempo()
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert sorted(Worklog.objects.values_list("tempo_id", flat=True)) == [1, 2, 3]
    assert run.counts["skipped_unknown_issue"] == 1  # issue 99999 is not a synced request
    assert run.counts["pages"] == 2 and run.requests_made == 2  # 4 worklogs, pages of 2
    assert all(p["limit"] == "5000" for p in tempo.seen_params[:1])
    assert "updatedFrom" not in tempo.seen_params[0]
    w = Worklog.objects.get(tempo_id=1)
    assert (
        w.request.key == "ITSD-20001" and w.billable_seconds == 3600 and w.description == "Work 1"
    )


def test_incremental_sync_with_nothing_new_is_one_request_per_project(tempo):
    tempo.page_size = 5000  # the overlap re-reads the last few minutes: one real page
    sync_tempo()
    tempo.seen_params.clear()
    run = sync_tempo()
    assert run.requests_made == 2  # the project's read and the audit log
    since = tempo.seen_params[0]["updatedFrom"]
    assert since == "2026-10-03T09:55:00Z"  # newest updatedAt minus the 5-minute overlap
    assert Worklog.objects.count() == 3


def test_edits_and_moves_are_picked_up_incrementally(tempo):
    sync_tempo()
    tempo.worklogs[10000][0] = worklog(1, 20002, billable=1800, updated="2026-11-02T08:00:00Z")
    run = sync_tempo()
    w = Worklog.objects.get(tempo_id=1)
    assert w.request.jira_id == "20002" and w.billable_seconds == 1800
    assert run.counts["worklogs"] == 2  # the changed one, and no. 3 inside the overlap


def test_deletions_are_removed_by_a_full_sync_only(tempo):
    sync_tempo()
    del tempo.worklogs[10000][1]  # worklog 2 deleted in Tempo
    sync_tempo()
    assert Worklog.objects.filter(tempo_id=2).exists()  # lists never show deletions
    run = sync_tempo(full=True)
    assert not Worklog.objects.filter(tempo_id=2).exists()
    assert run.counts["worklogs_removed"] == 1


def test_a_full_sync_happens_once_a_day_by_itself(tempo):
    sync_tempo()
    del tempo.worklogs[10000][1]
    ProjectSyncState.objects.update(last_full_sync_at=timezone.now() - dt.timedelta(days=2))
    sync_tempo()
    assert not Worklog.objects.filter(tempo_id=2).exists()


def test_rerun_is_idempotent(tempo):
    def stored():
        # Everything but the full-read generation, which counts the reads on purpose.
        return [
            {k: v for k, v in row.items() if k != "sync_generation"}
            for row in Worklog.objects.order_by("tempo_id").values()
        ]

    sync_tempo(full=True)
    before = stored()
    sync_tempo(full=True)
    assert stored() == before


def test_interrupted_half_way_then_rerun_completes_without_duplicates(tempo, settings):
    original = tempo.callback
    calls = {"n": 0}

    def dies_on_second_page(request):
        calls["n"] += 1
        if calls["n"] == 2:
            return 500, {}, "boom"
        return original(request)

    tempo.rsps.remove(responses.GET, tempo.rsps.registered()[0].url)
    import re

    pattern = re.compile(rf"{re.escape(django_settings.TEMPO_BASE_URL)}/4/worklogs/project/.*")
    tempo.rsps.add_callback(responses.GET, pattern, dies_on_second_page)
    settings.TEMPO_RETRY_BUDGET = 0
    run = sync_tempo()
    assert run.status == SyncRun.Status.FAILED  # its only enabled project could not be read
    assert run.error.startswith("Tempo could not be read for IT (ITSD): Tempo failed (500).")
    assert "last synced worklogs are kept" in run.error
    assert Worklog.objects.count() == 2  # the first page was kept
    assert ProjectSyncState.objects.get().last_full_sync_at is None
    run = sync_tempo()
    assert run.status == SyncRun.Status.SUCCEEDED
    assert sorted(Worklog.objects.values_list("tempo_id", flat=True)) == [1, 2, 3]


def test_401_marks_the_integration_invalid_and_stops_tempo_calls(projects, admin_user):
    stored_integration(admin_user)
    with responses.RequestsMock() as rsps:
        rsps.get(f"{django_settings.TEMPO_BASE_URL}/4/worklogs/project/10000", status=401)
        run = sync_tempo()
        assert run.status == SyncRun.Status.FAILED and run.error == sentences.INVALID_TOKEN
        assert TempoIntegration.current().status == TempoIntegration.Status.INVALID
        assert sync_tempo() is None  # no more calls until a new token is added
        assert len(rsps.calls) == 1


def test_no_token_means_no_sync(projects):
    assert sync_tempo() is None


def test_revoke_erases_synced_worklogs(tempo, admin_user):
    sync_tempo()
    TempoIntegration.current().revoke(admin_user)
    assert not Worklog.objects.exists() and not ProjectSyncState.objects.exists()


def test_ctrl_c_mid_sync_is_recorded_as_stopped_and_still_stops(tempo):
    def interrupt(number):
        if number == 2:
            raise KeyboardInterrupt

    tempo.before_page = interrupt
    with pytest.raises(KeyboardInterrupt):
        sync_tempo()
    run = SyncRun.objects.get()
    assert run.status == SyncRun.Status.FAILED and run.error == STOPPED
    assert sorted(Worklog.objects.values_list("tempo_id", flat=True)) == [1, 2]  # page 1 kept
    tempo.before_page = None
    assert sync_tempo().status == SyncRun.Status.SUCCEEDED  # the lock was released
    assert sorted(Worklog.objects.values_list("tempo_id", flat=True)) == [1, 2, 3]


def test_a_project_jira_no_longer_lists_keeps_its_worklogs_and_is_not_read(tempo):
    sync_tempo()
    JiraProject.objects.filter(key="ITSD").update(missing_since=timezone.now())
    tempo.seen_params.clear()
    run = sync_tempo(full=True)
    assert run.status == SyncRun.Status.SUCCEEDED
    assert tempo.seen_params == []  # ITSD is not read (SUP's report is off)
    assert sorted(Worklog.objects.values_list("tempo_id", flat=True)) == [1, 2, 3]


class StopAfter(threading.Event):
    """A stop request that arrives after ``checks`` looks at it (one look per page)."""

    def __init__(self, checks: int) -> None:
        super().__init__()
        self.checks = checks

    def is_set(self) -> bool:
        self.checks -= 1
        return self.checks < 0


def test_a_stop_request_ends_the_run_after_the_page_in_hand(tempo):
    run = sync_tempo(stop=StopAfter(1))  # pages of 2: the first page is written, then stop
    assert run.status == SyncRun.Status.FAILED and run.error == STOPPED
    assert sorted(Worklog.objects.values_list("tempo_id", flat=True)) == [1, 2]
    assert sync_tempo().status == SyncRun.Status.SUCCEEDED  # the next run completes it
    assert sorted(Worklog.objects.values_list("tempo_id", flat=True)) == [1, 2, 3]
