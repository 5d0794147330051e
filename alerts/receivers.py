"""Alerts listen to the sync (sync.signals.sync_finished) without the sync knowing them."""

from __future__ import annotations

from django.dispatch import receiver

from sync.signals import sync_finished

from .tasks import check_contract_alerts


@receiver(sync_finished, dispatch_uid="alerts.queue_check")
def queue_check(sender, **kwargs) -> None:
    # Queued, not run: sending mail must never hold up, or fail, a sync.
    check_contract_alerts.enqueue()
