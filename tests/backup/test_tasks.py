"""Back up now and the schedule queue one backup at a time, through the task."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.conf import settings

from backup.models import Backup, BackupSchedule
from backup.runs import LOCK
from backup.schedule import on_loop_tick, queue_if_due
from backup.tasks import backup_is_pending, request_backup
from sync.locks import sync_lock


def local(hour: int, day: int = 18) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, 5, tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))


def test_request_backup_queues_one_and_the_task_runs_it(
    tempo, admin_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        backup = request_backup(Backup.Trigger.BUTTON, admin_user)
    assert backup is not None and backup.requested_by == admin_user
    backup.refresh_from_db()
    assert backup.status == Backup.Status.SUCCEEDED, backup.error
    assert list(Backup.archives()) == [backup]


def test_request_backup_returns_none_while_one_is_pending(integration):
    with sync_lock(LOCK):
        assert backup_is_pending()
        assert request_backup(Backup.Trigger.BUTTON) is None
    assert not Backup.objects.exists()
    assert not backup_is_pending()


def test_a_queued_row_no_worker_picked_up_is_failed_by_the_next_request(db):
    orphan = Backup.objects.create(trigger=Backup.Trigger.BUTTON)
    backup = request_backup(Backup.Trigger.BUTTON)
    orphan.refresh_from_db()
    assert backup is not None and backup.status == Backup.Status.QUEUED
    assert orphan.status == Backup.Status.FAILED and "never started" in orphan.error


def test_the_schedule_off_queues_nothing(db):
    assert BackupSchedule.get().hour is None
    assert queue_if_due(local(23)) is None
    assert not Backup.objects.exists()


def test_the_schedule_queues_once_a_day_at_or_after_its_hour(db):
    BackupSchedule.objects.update_or_create(pk=1, defaults={"hour": 3})
    assert queue_if_due(local(2)) is None  # before the hour
    first = queue_if_due(local(3))
    assert first is not None and first.trigger == Backup.Trigger.SCHEDULE
    assert queue_if_due(local(3)) is None  # same day
    assert queue_if_due(local(22)) is None
    assert Backup.objects.count() == 1
    assert BackupSchedule.get().last_run_on == dt.date(2026, 11, 18)
    Backup.objects.update(status=Backup.Status.FAILED)
    assert queue_if_due(local(4, day=19)) is not None  # the next day
    assert Backup.objects.count() == 2


def test_the_schedule_after_the_hour_queues_the_same_day(db):
    BackupSchedule.objects.update_or_create(pk=1, defaults={"hour": 3})
    assert queue_if_due(local(15)) is not None


@pytest.mark.parametrize("hour", [0, 12])
def test_the_loop_tick_queues_when_due(db, hour, time_machine):
    BackupSchedule.objects.update_or_create(pk=1, defaults={"hour": hour})
    time_machine.move_to(local(12), tick=False)
    on_loop_tick(sender=None)
    assert Backup.objects.filter(trigger=Backup.Trigger.SCHEDULE).count() == 1
