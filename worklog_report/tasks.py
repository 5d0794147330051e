"""Background work, queued with django-tasks and run by `manage.py db_worker` (PRODUCT.md §2).

Web requests only enqueue; the worker runs the sync. Tests use the immediate backend.
"""

from __future__ import annotations

from django.db import transaction
from django_tasks import task

from jsm.locks import SyncAlreadyRunning, is_locked
from jsm.models import SyncLock
from jsm.sync import sync_jira
from tempo_integration.sync import sync_tempo

from .sync_log import log_sync_already_running, log_sync_run


@task()
def sync_everything(full: bool = False) -> dict[str, str]:
    """Jira first (requests are what worklogs hang on), then Tempo."""
    outcome = {}
    for name, run_sync in (
        ("jira", lambda: sync_jira(full=full)),
        ("tempo", lambda: sync_tempo(full=full)),
    ):
        try:
            run = run_sync()
        except SyncAlreadyRunning:
            log_sync_already_running(name, "task")
            outcome[name] = "skipped"
        else:
            log_sync_run(name, run, "task")
            outcome[name] = run.status if run else "no token"
    return outcome


def sync_is_pending() -> bool:
    """A sync is running, or queued and not yet picked up by the worker."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    queued = DBTaskResult.objects.filter(
        task_path=sync_everything.module_path,
        status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
    ).exists()
    return queued or is_locked("jira") or is_locked("tempo")


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
