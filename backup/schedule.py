"""The daily Tempo backup (docs/product.md §4.5): queued by the sync loop's tick once the
chosen hour has come, once per local day, through the same task as Back up now."""

from __future__ import annotations

import datetime as dt
import logging

from django.db.models import Q
from django.dispatch import receiver
from django.utils import timezone

from sync.signals import loop_tick

from .models import Backup, BackupSchedule
from .tasks import request_backup

logger = logging.getLogger("worklog_report.backup")


def queue_if_due(now: dt.datetime | None = None) -> Backup | None:
    """Queue today's scheduled backup when its hour has come and it was not queued today.

    The day is claimed with one conditional UPDATE, so two schedulers queue one backup.
    Returns the queued Backup, or None.
    """
    local = timezone.localtime(now)
    schedule = BackupSchedule.get()
    if schedule.hour is None or local.hour < schedule.hour:
        return None
    today = local.date()
    claimed = (
        BackupSchedule.objects.filter(pk=schedule.pk)
        .filter(Q(last_run_on__isnull=True) | Q(last_run_on__lt=today))
        .update(last_run_on=today)
    )
    if not claimed:
        return None
    backup = request_backup(Backup.Trigger.SCHEDULE)
    logger.info(
        "scheduled tempo backup",
        extra={"queued": backup is not None, "hour": schedule.hour},
    )
    return backup


@receiver(loop_tick, dispatch_uid="backup.schedule.queue_if_due")
def on_loop_tick(sender, **kwargs) -> None:
    queue_if_due()
