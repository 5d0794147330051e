"""The sync loop queues the daily backup (sync.signals.loop_tick), and a failing receiver
never stops the loop."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.dispatch import receiver

from backup.models import Backup, BackupSchedule
from sync.management.commands.sync import Command
from sync.signals import loop_tick


@pytest.fixture
def at_ten(time_machine):
    time_machine.move_to(dt.datetime(2026, 12, 1, 10, 5, tzinfo=dt.UTC), tick=False)


def test_a_tick_after_the_hour_queues_one_backup_that_day(db, at_ten):
    # The tests' task backend runs it at once: without a token it fails, in words.
    BackupSchedule.objects.create(pk=1, hour=9)

    Command().tick()
    Command().tick()

    assert list(Backup.objects.values_list("trigger", flat=True)) == ["schedule"]
    assert BackupSchedule.get().last_run_on == dt.date(2026, 12, 1)


def test_a_failing_receiver_is_logged_and_the_loop_goes_on(db, at_ten, caplog):
    @receiver(loop_tick, dispatch_uid="test.broken")
    def broken(sender, **kwargs):
        raise RuntimeError("broken receiver")

    try:
        with caplog.at_level(logging.ERROR, logger="worklog_report.sync"):
            Command().tick()
    finally:
        loop_tick.disconnect(dispatch_uid="test.broken")
    assert "loop tick receiver failed" in caplog.text
