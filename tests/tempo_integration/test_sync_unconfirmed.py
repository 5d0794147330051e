"""The Tempo sync never deletes on an incomplete observation, and one project's trouble
never stops the others (issue 12 §1, §2; docs/product.md §6)."""

from __future__ import annotations

import pytest
import requests
from django.utils import timezone

from jsm.models import JiraProject, Request
from portal.models import ReportSettings
from sync.models import SyncRun
from sync.runs import sync_tempo
from tempo_integration import sync as tempo_sync
from tempo_integration.models import ProjectSyncState, Worklog

from .fake_tempo import worklog


@pytest.fixture
def both_enabled(projects):
    ReportSettings.objects.filter(project__key="SUP").update(enabled=True)


def test_project_tempo_cannot_read_yet_does_not_stop_the_others(tempo, both_enabled):
    # Enabled projects AAA and BBB; Tempo answers 404 for AAA; BBB has one worklog.
    JiraProject.objects.filter(key="ITSD").update(key="AAA", name="Alpha")
    JiraProject.objects.filter(key="SUP").update(key="BBB", name="Beta")
    tempo.not_found_projects = {10000}

    run = sync_tempo()

    assert run.status == SyncRun.Status.PARTLY
    assert list(Worklog.objects.values_list("tempo_id", flat=True)) == [5]  # BBB's
    problem = ProjectSyncState.objects.get(project__key="AAA").problem
    assert problem == (
        "Tempo cannot read Alpha (AAA) yet: Tempo refused the request (404): Project cannot "
        "be found in the system. Tempo can take a while to catch up with a new project's "
        "permissions, and does not show a project whose worklogs the token's user may not "
        "view; its last synced worklogs are kept and the next run tries again."
    )
    assert run.error == problem
    assert ProjectSyncState.objects.get(project__key="BBB").problem == ""
    assert run.counts["projects"] == 1 and run.counts["projects_failed"] == 1

    tempo.not_found_projects = set()
    assert sync_tempo().status == SyncRun.Status.SUCCEEDED
    assert ProjectSyncState.objects.get(project__key="AAA").problem == ""
    assert Worklog.objects.count() == 4


def test_tempo_down_for_two_projects_in_a_row_stops_the_run(tempo, both_enabled, settings):
    settings.TEMPO_RETRY_BUDGET = 0
    calls = []

    def down(page_number):
        calls.append(page_number)
        raise requests.ConnectionError("Tempo is down")

    tempo.before_page = down

    run = sync_tempo()

    assert run.status == SyncRun.Status.FAILED
    assert len(calls) == 2  # ITSD, then SUP: Tempo itself is down, no third project tried
    assert run.error.startswith("Tempo could not be reached") and run.error.endswith(
        "The worklogs from the last successful sync are kept."
    )


def test_worklog_a_full_read_skipped_is_kept_when_tempo_still_has_it(tempo):
    sync_tempo()
    # Worklog 2 is skipped by the list (it changed while being paged), yet Tempo has it: a
    # direct read still finds it (kept here under a project the sync does not list).
    tempo.worklogs[0] = [tempo.worklogs[10000].pop(1)]

    run = sync_tempo(full=True)

    assert Worklog.objects.filter(tempo_id=2).exists()
    assert tempo.direct_reads == [2]
    assert run.counts["worklogs_removed"] == 0 and run.counts["worklogs_confirmed"] == 1


def test_worklog_deleted_in_tempo_is_removed_once_a_direct_read_says_404(tempo):
    sync_tempo()
    del tempo.worklogs[10000][1]

    run = sync_tempo(full=True)

    assert not Worklog.objects.filter(tempo_id=2).exists()
    assert tempo.direct_reads == [2]
    assert run.counts["worklogs_removed"] == 1


def test_beyond_the_direct_read_limit_two_full_reads_must_miss_a_worklog(tempo, monkeypatch):
    monkeypatch.setattr(tempo_sync, "CONFIRM_LIMIT", 0)
    sync_tempo()
    del tempo.worklogs[10000][1]

    sync_tempo(full=True)
    assert Worklog.objects.filter(tempo_id=2).exists()  # missed once: kept

    run = sync_tempo(full=True)
    assert not Worklog.objects.filter(tempo_id=2).exists()
    assert run.counts["worklogs_removed"] == 1 and tempo.direct_reads == []


def test_worklog_follows_its_issue_into_another_project(tempo, both_enabled):
    # Tempo already lists the worklog under SUP; the Jira sync has not moved ITSD's row yet.
    tempo.worklogs[10001].append(worklog(6, 20001, updated="2026-10-06T10:00:00Z"))
    sync_tempo()
    assert Worklog.objects.get(tempo_id=6).request.jira_id == "20001"


def test_worklogs_of_a_request_synced_after_they_were_listed_are_read_next_time(tempo, projects):
    itsd, _ = projects
    # A request the Jira sync does not have yet (new, or left out by its search), with a
    # worklog last edited long ago: the incremental read will never list it again.
    tempo.worklogs[10000].append(worklog(7, 20009, updated="2026-09-14T12:00:00Z"))
    sync_tempo()
    assert not Worklog.objects.filter(tempo_id=7).exists()

    Request.objects.create(  # the next Jira sync brings the request in
        jira_id="20009",
        key="ITSD-9",
        project=itsd,
        summary="New",
        status="Open",
        created=timezone.now(),
        updated=timezone.now(),
    )
    run = sync_tempo()

    assert Worklog.objects.get(tempo_id=7).request.key == "ITSD-9"
    assert tempo.issue_reads == [20009]  # only the request that joined is read directly
    assert run.status == SyncRun.Status.SUCCEEDED


def test_a_request_moved_in_from_an_unsynced_project_brings_its_old_worklogs(tempo, projects):
    itsd, sup = projects  # SUP's report is off: its worklogs are not synced
    sync_tempo()
    assert not Worklog.objects.filter(tempo_id=5).exists()
    # Jira moved SUP's request 20003 into ITSD; Tempo lists its worklog under ITSD now.
    tempo.worklogs[10000].append(tempo.worklogs[10001].pop())
    Request.objects.filter(jira_id="20003").update(project=itsd, tempo_worklogs_read=False)

    sync_tempo()

    assert Worklog.objects.get(tempo_id=5).request.jira_id == "20003"


def test_many_joined_requests_make_the_read_a_full_one(tempo, projects, monkeypatch):
    monkeypatch.setattr(tempo_sync, "JOINED_READS", 0)
    sync_tempo()
    Request.objects.filter(jira_id="20001").update(tempo_worklogs_read=False)
    tempo.seen_params.clear()
    sync_tempo()
    assert "updatedFrom" not in tempo.seen_params[0] and tempo.issue_reads == []
