"""Backups run in the task worker, never in a web request (docs/product.md §2, §4.5)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from sync.locks import is_locked
from sync.models import SyncLock
from sync.tasks import task_is_pending

from .models import Backup
from .runs import LOCK, mark_interrupted, run_backup


@task()
def run_queued_backup(backup_id: int) -> str:
    """Run the queued Backup `backup_id`; returns its final status."""
    backup = Backup.objects.filter(pk=backup_id, status=Backup.Status.QUEUED).first()
    if backup is None:
        return "gone"
    return run_backup(backup).status


def backup_is_pending() -> bool:
    """A backup is running, or queued and not yet picked up by a live worker."""
    return is_locked(LOCK) or task_is_pending(run_queued_backup)


def forget_dead_runs() -> int:
    """Mark failed the runs marked running whose process died (a killed worker or command):
    a live run holds the backup lock from before it is marked running until after it ends.
    Returns how many were marked."""
    return 0 if is_locked(LOCK) else mark_interrupted()


def request_backup(trigger: str, user=None) -> Backup | None:
    """Queue a backup unless one is queued or running; the queued Backup, or None.

    Two clicks (or a click and the schedule) at the same moment queue one backup: the
    UPDATE of the lock row serialises callers until commit, like Sync now.
    """
    SyncLock.objects.get_or_create(name=LOCK)
    with transaction.atomic():
        SyncLock.objects.filter(name=LOCK).update(name=LOCK)
        if backup_is_pending():
            return None
        # Queued rows no worker will run (a worker that died before it picked them up).
        Backup.objects.filter(status=Backup.Status.QUEUED).update(
            status=Backup.Status.FAILED,
            error="This backup never started: no task worker picked it up.",
            finished_at=timezone.now(),
        )
        backup = Backup.objects.create(trigger=trigger, requested_by=user)
        transaction.on_commit(lambda: run_queued_backup.enqueue(backup.pk))
    return backup
