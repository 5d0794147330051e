"""Background work, queued with django-tasks and run by `manage.py worker` (docs/product.md §2).

Web requests only enqueue; the worker runs the sync. Tests use the immediate backend.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from .locks import is_locked, lease
from .models import SyncLock
from .runs import run_all


@task()
def sync_everything(full: bool = False) -> dict[str, str]:
    """Jira first (requests are what worklogs hang on), then Tempo: ``{"jira": outcome,
    "tempo": outcome}``, each a run status, "skipped", "no token" or "database unavailable"."""
    words = {"running": "skipped", "no_token": "no token", "database": "database unavailable"}
    return {
        outcome.kind: words[outcome.skipped] if outcome.skipped else outcome.run.status
        for outcome in run_all(trigger="task", full=full)
    }


def sync_is_pending() -> bool:
    """A sync is running, or queued and not yet picked up by the worker.

    A task the worker marked running counts only while it may still be alive: a running sync
    holds a lock, and one that started less than a lease ago may be about to take it. A worker
    killed mid-task (SIGKILL, out of memory, the database gone) leaves its task "running"
    for ever; it must not block Sync now for ever.
    """
    return is_locked("jira") or is_locked("tempo") or task_is_pending(sync_everything)


def task_is_pending(task) -> bool:
    """`task` is queued, or marked running by a worker that may still be alive (it started
    less than a lease ago): a worker killed mid-task leaves its task "running" for ever."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    ours = DBTaskResult.objects.filter(task_path=task.module_path)
    return (
        ours.filter(status=TaskResultStatus.READY).exists()
        or ours.filter(
            status=TaskResultStatus.RUNNING, started_at__gt=timezone.now() - lease()
        ).exists()
    )


def request_sync() -> bool:
    """Queue a sync unless one is already queued or running. True when one was queued.

    Two clicks at the same moment must queue one sync: the UPDATE on the lock row serialises
    callers (a row lock on PostgreSQL, the write lock on SQLite) until commit, and the
    database backend writes the queued task inside the same transaction.
    """
    SyncLock.objects.get_or_create(name="jira")
    with transaction.atomic():
        SyncLock.objects.filter(name="jira").update(name="jira")
        if sync_is_pending():
            return False
        sync_everything.enqueue()
    return True
