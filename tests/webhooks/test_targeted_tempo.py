"""The targeted sync of Tempo worklogs a webhook announced (webhooks.draining,
tempo_integration.changes)."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
import responses
from django.conf import settings as django_settings
from django.utils import timezone

from jsm.models import JiraProject, Request
from portal.models import ReportSettings
from sync.locks import sync_lock
from sync.signals import data_changed
from sync.tasks import sync_everything
from tempo_integration.models import ProjectSyncState, TempoIntegration, Worklog
from tests.tempo_integration.factories import stored_integration
from tests.tempo_integration.fake_tempo import FakeTempo, worklog
from webhooks import draining
from webhooks.models import PendingChange

pytestmark = pytest.mark.django_db
ONE_WORKLOG = re.compile(rf"{re.escape(django_settings.TEMPO_BASE_URL)}/4/worklogs/(\d+)$")


@pytest.fixture
def projects(db):
    itsd = JiraProject.objects.create(jira_id="10000", key="ITSD", name="IT", service_desk_id="1")
    sup = JiraProject.objects.create(jira_id="10001", key="SUP", name="Sup", service_desk_id="2")
    for project, jira_id in ((itsd, "20001"), (itsd, "20002"), (sup, "20003")):
        Request.objects.create(
            jira_id=jira_id,
            key=f"{project.key}-{jira_id}",
            project=project,
            summary="s",
            status="Open",
            created=timezone.now(),
            updated=timezone.now(),
            tempo_worklogs_read=True,
        )
    ReportSettings.objects.create(project=itsd, enabled=True)
    ReportSettings.objects.create(project=sup, enabled=False)
    ProjectSyncState.objects.create(project=itsd, generation=40)
    return itsd, sup


@pytest.fixture
def tempo(projects, admin_user, settings):
    settings.TEMPO_RETRY_BUDGET = 0
    stored_integration(admin_user)
    fake = FakeTempo()
    fake.worklogs[10000] = [worklog(1, 20001, billable=1800), worklog(4, 99999)]
    fake.worklogs[10001] = [worklog(5, 20003)]
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake.install(rsps)
        fake.rsps = rsps
        yield fake


@pytest.fixture
def announced():
    heard = []

    def listen(sender, **kwargs):
        heard.append(kwargs)

    data_changed.connect(listen)
    yield heard
    data_changed.disconnect(listen)


def pending(*tempo_ids, ago=dt.timedelta(0)):
    for tempo_id in tempo_ids:
        PendingChange.objects.create(
            kind="tempo_worklog", remote_id=str(tempo_id), received_at=timezone.now() - ago
        )


# Older than the wait for a new request's Jira change (draining.REQUEST_WAIT).
LONG_AGO = draining.REQUEST_WAIT + dt.timedelta(minutes=1)


def stored_worklog(tempo_id, request_jira_id="20001", generation=7):
    return Worklog.objects.create(
        tempo_id=tempo_id,
        request=Request.objects.get(jira_id=request_jira_id),
        author_account_id="agent-1",
        time_spent_seconds=60,
        billable_seconds=60,
        start_date=dt.date(2026, 11, 1),
        tempo_updated_at=timezone.now(),
        sync_generation=generation,
    )


def test_a_changed_worklog_is_written(tempo, projects, announced):
    pending(1)
    draining.drain()
    row = Worklog.objects.get(tempo_id=1)
    assert row.billable_seconds == 1800
    assert row.request.jira_id == "20001"
    # Stamped as seen by the project's last full read, so no full read counts it missed.
    assert row.sync_generation == 40
    assert PendingChange.objects.count() == 0
    assert announced == [
        {"signal": data_changed, "source": "tempo", "project_ids": [projects[0].pk]}
    ]


def test_a_written_worklog_keeps_a_newer_generation(tempo):
    stored_worklog(1, generation=55)
    pending(1)
    draining.drain()
    assert Worklog.objects.get(tempo_id=1).sync_generation == 55


def test_a_worklog_tempo_answers_404_for_is_removed(tempo):
    stored_worklog(77)
    pending(77)
    draining.drain()
    assert not Worklog.objects.filter(tempo_id=77).exists()
    assert tempo.direct_reads == [77]
    assert PendingChange.objects.count() == 0


def test_a_deleted_event_whose_worklog_still_answers_keeps_it(tempo):
    stored_worklog(1)
    pending(1)  # Tempo said worklog.deleted; its direct read still answers
    draining.drain()
    assert Worklog.objects.get(tempo_id=1).billable_seconds == 1800


def test_a_worklog_on_an_unknown_issue_is_skipped(tempo):
    pending(4, ago=LONG_AGO)
    draining.drain()
    assert not Worklog.objects.filter(tempo_id=4).exists()
    assert PendingChange.objects.count() == 0


def test_a_new_worklog_on_an_issue_not_synced_yet_waits_for_its_request(tempo, projects):
    """Logged on a request created moments ago: Tempo's webhook may be drained before
    Jira's. The change stays pending, and the drain after the request arrives writes it."""
    pending(4)
    assert "1 waiting for their request" in draining.drain()["tempo"]
    assert not Worklog.objects.filter(tempo_id=4).exists()
    assert PendingChange.objects.filter(remote_id="4").exists()
    Request.objects.create(  # what the drain of Jira's issue_created brings
        jira_id="99999",
        key="ITSD-99999",
        project=projects[0],
        summary="new",
        status="Open",
        created=timezone.now(),
        updated=timezone.now(),
    )
    draining.drain()
    assert Worklog.objects.get(tempo_id=4).request.jira_id == "99999"
    assert not PendingChange.objects.exists()


def test_a_stored_worklog_moved_to_an_issue_not_synced_yet_is_kept_meanwhile(tempo):
    stored_worklog(4)  # stored on 20001; Tempo now has it on issue 99999, announced just now
    pending(4)
    draining.drain()
    assert Worklog.objects.get(tempo_id=4).request.jira_id == "20001"
    assert PendingChange.objects.filter(remote_id="4").exists()


def test_a_worklog_of_a_project_not_enabled_is_skipped(tempo):
    pending(5)
    draining.drain()
    assert not Worklog.objects.filter(tempo_id=5).exists()


def test_a_stored_worklog_of_a_project_turned_off_is_left_as_it_is(tempo):
    stored_worklog(5, request_jira_id="20003")
    pending(5)
    draining.drain()
    assert Worklog.objects.get(tempo_id=5).billable_seconds == 60


def test_a_stored_worklog_moved_to_an_issue_not_synced_is_removed(tempo):
    stored_worklog(4)  # stored on 20001; Tempo now has it on issue 99999
    pending(4, ago=LONG_AGO)
    draining.drain()
    assert not Worklog.objects.filter(tempo_id=4).exists()


def test_a_tempo_error_leaves_the_change_pending(tempo):
    tempo.rsps.replace(
        responses.GET,
        ONE_WORKLOG,
        status=503,
        body="down",
    )
    pending(1)
    assert draining.drain()["tempo"] == "error"
    assert PendingChange.objects.get().remote_id == "1"
    assert not Worklog.objects.exists()


def test_a_rejected_token_marks_the_integration_invalid_and_keeps_the_change(tempo):
    tempo.rsps.replace(
        responses.GET,
        ONE_WORKLOG,
        status=401,
        body=json.dumps({"errors": [{"message": "unauthorized"}]}),
    )
    pending(1)
    draining.drain()
    assert TempoIntegration.current().status == "invalid"
    assert PendingChange.objects.count() == 1


def test_a_running_sync_leaves_the_changes_pending(tempo):
    pending(1)
    with sync_lock("tempo"):
        assert draining.drain()["tempo"] == "sync running"
    assert PendingChange.objects.count() == 1
    assert tempo.direct_reads == []


def test_a_change_announced_again_while_read_stays(tempo):
    pending(1)

    def announce_again(_request):
        PendingChange.objects.filter(remote_id="1").update(
            received_at=timezone.now() + dt.timedelta(seconds=1)
        )

    original = tempo.one_worklog

    def read(request):
        announce_again(request)
        return original(request)

    tempo.rsps.remove(responses.GET, ONE_WORKLOG)
    tempo.rsps.add_callback(
        responses.GET,
        ONE_WORKLOG,
        read,
    )
    draining.drain()
    assert Worklog.objects.filter(tempo_id=1).exists()
    assert PendingChange.objects.count() == 1  # read again by the next drain


def test_without_a_working_integration_the_changes_are_dropped(projects, db):
    pending(1)
    assert draining.drain()["tempo"] == "no token"
    assert PendingChange.objects.count() == 0


def test_more_than_a_batch_queues_a_sync_instead(tempo, queued_tasks):
    pending(*range(1, draining.BATCH + 2))
    outcome = draining.drain()
    assert outcome["sync"] == "queued"
    assert queued_tasks(sync_everything) == 1
    assert PendingChange.objects.count() == 0
    assert tempo.direct_reads == []


def test_more_than_a_batch_is_left_to_a_sync_queued_already(tempo, queued_tasks):
    sync_everything.enqueue()
    pending(*range(1, draining.BATCH + 2))
    draining.drain()
    assert queued_tasks(sync_everything) == 1
    assert PendingChange.objects.count() == 0


def test_more_than_a_batch_stays_pending_while_a_sync_runs(tempo, queued_tasks):
    pending(*range(1, draining.BATCH + 2))
    with sync_lock("jira"):
        assert draining.drain()["sync"] == "already pending"
    assert PendingChange.objects.count() == draining.BATCH + 1
