"""A sync finding its lock held by a drain of webhook changes waits for it (briefly); a
lock held by another sync is never waited for (sync.locks.sync_lock)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from sync import locks
from sync.locks import DRAIN, SyncAlreadyRunning, sync_lock
from sync.models import SyncLock

pytestmark = pytest.mark.django_db


def _held_by(owner: str) -> None:
    SyncLock.objects.update_or_create(
        name="tempo",
        defaults={"owner": owner, "expires_at": timezone.now() + dt.timedelta(minutes=5)},
    )


def test_a_sync_waits_for_a_drain_to_let_go(monkeypatch):
    _held_by(f"{DRAIN}-abc")
    pauses = []

    def drain_ends(seconds):  # the drain lets go while the sync waits
        pauses.append(seconds)
        SyncLock.objects.filter(name="tempo").update(owner="", expires_at=None)

    monkeypatch.setattr(locks.time, "sleep", drain_ends)
    with sync_lock("tempo") as lease:
        assert lease.owner.startswith("sync-")
    assert pauses == [locks._RETRY_PAUSE]


def test_a_sync_gives_up_on_a_drain_after_the_wait(monkeypatch):
    _held_by(f"{DRAIN}-abc")
    clock = iter([0.0, 1.0, locks.DRAIN_WAIT_SECONDS + 1])
    monkeypatch.setattr(locks.time, "monotonic", lambda: next(clock))
    monkeypatch.setattr(locks.time, "sleep", lambda seconds: None)
    with pytest.raises(SyncAlreadyRunning), sync_lock("tempo"):
        pass


def test_a_lock_held_by_a_sync_is_never_waited_for(monkeypatch):
    _held_by("sync-abc")
    monkeypatch.setattr(locks.time, "sleep", lambda seconds: pytest.fail("waited"))
    with pytest.raises(SyncAlreadyRunning), sync_lock("tempo"):
        pass


def test_a_drain_never_waits(monkeypatch):
    _held_by(f"{DRAIN}-other")
    monkeypatch.setattr(locks.time, "sleep", lambda seconds: pytest.fail("waited"))
    with pytest.raises(SyncAlreadyRunning), sync_lock("tempo", purpose=DRAIN):
        pass
