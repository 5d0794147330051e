"""A lease-based lock so two syncs of the same kind never overlap (docs/product.md §6).

The lease is also how a run hears that it should stop: the syncs renew it after every page
they write, and a renewal after the process was asked to stop (SIGTERM, Ctrl-C under
``sync --loop``) raises ``SyncStopped``, so the page in hand is written and nothing after it.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from worklog_report.database_outage import CONNECTION_ERRORS, reconnect

from .models import SyncLock

logger = logging.getLogger("worklog_report.sync")


# A lock held for a drain of webhook changes (a few worklogs or issues, seconds) is waited
# for this long rather than skipping the run: the periodic sync must not lose a whole
# SYNC_INTERVAL to a drain that was about to end. A lock held by a sync is never waited for.
DRAIN = "drain"
DRAIN_WAIT_SECONDS = 60.0
_RETRY_PAUSE = 0.5


def lease() -> dt.timedelta:
    """Renewed after every page a sync writes; a killed worker's lock runs out after this."""
    return dt.timedelta(seconds=settings.SYNC_LOCK_SECONDS)


class SyncAlreadyRunning(Exception):
    """Another process holds the lock."""


class LockLost(Exception):
    """Our lease ran out and another process took the lock: stop writing."""


class SyncStopped(Exception):
    """The process was asked to stop: the run ends after the page it had in hand."""


class Lease:
    """The held lock of one run. ``stop`` is set by whoever may ask the run to end early."""

    def __init__(self, name: str, owner: str, stop: threading.Event | None = None) -> None:
        self.name = name
        self.owner = owner
        self.stop = stop

    def check_stop(self) -> None:
        """Raise SyncStopped once ``stop`` is set; no database call, so a sync may ask after
        every page even where it renews the lease less often."""
        if self.stop is not None and self.stop.is_set():
            raise SyncStopped(f"The {self.name} sync was asked to stop.")

    def renew(self) -> None:
        """Extend the lease; called after every page. Raises SyncStopped once ``stop`` is
        set, LockLost when another process took the lock."""
        self.check_stop()
        renewed = SyncLock.objects.filter(name=self.name, owner=self.owner).update(
            expires_at=timezone.now() + lease()
        )
        if not renewed:
            raise LockLost(f"The {self.name} sync lost its lock to another run.")


def is_locked(name: str) -> bool:
    return SyncLock.objects.filter(name=name, expires_at__gt=timezone.now()).exists()


@contextmanager
def sync_lock(
    name: str, stop: threading.Event | None = None, *, purpose: str = "sync"
) -> Iterator[Lease]:
    """Hold the named lock for the duration of the block, or raise SyncAlreadyRunning.

    ``purpose`` is "sync" for a sync run and ``DRAIN`` for a drain of webhook changes
    (webhooks.draining). A sync finding the lock held by a drain waits for it, at most
    ``DRAIN_WAIT_SECONDS``; any other holder makes it raise at once.
    """
    try:
        with transaction.atomic():
            SyncLock.objects.get_or_create(name=name)
    except IntegrityError:
        pass  # created by a concurrent caller: fine, we only needed the row to exist
    owner = f"{purpose}-{uuid.uuid4().hex}"
    deadline = time.monotonic() + DRAIN_WAIT_SECONDS
    while not _take(name, owner):
        holder = SyncLock.objects.filter(name=name).values_list("owner", flat=True).first()
        if (
            purpose == DRAIN
            or not (holder or "").startswith(f"{DRAIN}-")
            or time.monotonic() > deadline
            or (stop is not None and stop.is_set())
        ):
            raise SyncAlreadyRunning(f"A {name} sync is already running.")
        time.sleep(_RETRY_PAUSE)
    try:
        yield Lease(name, owner, stop)
    finally:
        try:
            SyncLock.objects.filter(name=name, owner=owner).update(owner="", expires_at=None)
        except CONNECTION_ERRORS:
            # The database is gone (the run could not even be recorded): the lease runs out
            # by itself after SYNC_LOCK_SECONDS, and the error that stopped the run is the
            # one to report, not this one.
            reconnect()
            logger.warning("sync lock left to expire", extra={"kind": name})


def _take(name: str, owner: str) -> bool:
    """Take the lock if free or expired (one conditional UPDATE); True when taken."""
    now = timezone.now()
    return bool(
        SyncLock.objects.filter(name=name)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__lte=now))
        .update(owner=owner, expires_at=now + lease())
    )
