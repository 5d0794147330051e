"""Webhook work for the task worker (docs/product.md §2: never inside a web request)."""

from __future__ import annotations

import logging

from django.db import transaction
from django_tasks import task

from sync.models import SyncLock

from . import draining, registration

logger = logging.getLogger("worklog_report.webhooks")


@task()
def apply_pending_changes() -> dict:
    """The targeted sync of what the webhooks announced (``draining.drain``)."""
    outcome = draining.drain()
    if outcome.get("arrived_meanwhile"):
        outcome["queued_again"] = int(request_drain())
    logger.info("webhook changes applied", extra={"outcome": outcome})
    return outcome


@task()
def register_tempo_webhooks() -> list[str]:
    """Register the Tempo subscriptions (after a Tempo integration is added); the status of
    each."""
    return [row.status for row in registration.register_tempo()]


@task()
def check_webhooks() -> str:
    """Check, refresh and register what is due (every ``receivers.CHECK_EVERY``), and delete
    at Tempo the subscriptions of a revoked integration."""
    registration.unsubscribe_revoked()
    registration.check_all()
    draining.prune()
    return "checked"


@task()
def unsubscribe_revoked() -> int:
    """Delete at Tempo the subscriptions of a revoked integration (best effort)."""
    return registration.unsubscribe_revoked()


# The row whose UPDATE serialises the callers of enqueue_once (like Sync now's).
QUEUE_LOCK = "webhooks"


def request_drain() -> bool:
    """Queue the targeted sync unless one is queued and not yet picked up; True when queued.

    A running one does not count: it may have read the pending rows before this delivery
    wrote its change, which then needs a run of its own (``draining`` forgets only the
    changes received before it started)."""
    return enqueue_once(apply_pending_changes)


def enqueue_once(chosen) -> bool:
    """Queue ``chosen`` unless one is queued already (ready, not yet picked up); True when
    queued. Concurrent callers are serialised by an UPDATE of one lock row until commit, and
    the database backend writes the task inside that transaction (as ``request_sync``)."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    ready = DBTaskResult.objects.filter(task_path=chosen.module_path, status=TaskResultStatus.READY)
    if ready.exists():
        return False  # the common case in a flood: one read, no lock
    SyncLock.objects.get_or_create(name=QUEUE_LOCK)
    with transaction.atomic():
        SyncLock.objects.filter(name=QUEUE_LOCK).update(name=QUEUE_LOCK)
        if ready.exists():
            return False
        chosen.enqueue()
    return True
