"""How the webhooks follow the sync loop and the sync (webhooks.receivers)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from sync.signals import loop_tick, sync_finished
from webhooks.models import PendingChange
from webhooks.receivers import claim_check
from webhooks.tasks import apply_pending_changes, check_webhooks

pytestmark = pytest.mark.django_db


def test_the_check_is_claimed_at_most_every_15_minutes(db):
    now = timezone.now()
    assert claim_check(now) is True
    assert claim_check(now + dt.timedelta(minutes=14)) is False
    assert claim_check(now + dt.timedelta(minutes=15)) is True


def test_the_loop_tick_queues_one_check(queued_tasks):
    loop_tick.send(sender=None)
    loop_tick.send(sender=None)
    assert queued_tasks(check_webhooks) == 1
    assert queued_tasks(apply_pending_changes) == 0


def test_the_loop_tick_queues_the_changes_left_pending(queued_tasks):
    PendingChange.objects.create(kind="tempo_worklog", remote_id="1")
    loop_tick.send(sender=None)
    assert queued_tasks(apply_pending_changes) == 1


def test_a_finished_sync_queues_the_changes_it_kept_waiting(queued_tasks):
    sync_finished.send(sender=None, outcomes=[])
    assert queued_tasks(apply_pending_changes) == 0
    PendingChange.objects.create(kind="jira_issue", remote_id="20001")
    sync_finished.send(sender=None, outcomes=[])
    sync_finished.send(sender=None, outcomes=[])
    assert queued_tasks(apply_pending_changes) == 1


def test_a_finished_sync_queues_the_check_when_due_so_make_run_registers_jira(queued_tasks):
    """`make run` has the app and the worker but no `sync` loop (no loop_tick): the sync
    after Add (or Sync now) must still lead to the check that registers the Jira webhook."""
    sync_finished.send(sender=None, outcomes=[])
    sync_finished.send(sender=None, outcomes=[])  # within 15 minutes: not again
    assert queued_tasks(check_webhooks) == 1
