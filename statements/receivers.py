"""Statements listen to the sync (sync.signals.sync_finished) without the sync knowing them."""

from __future__ import annotations

from django.dispatch import receiver

from sync.signals import sync_finished

from .tasks import issue_statements


@receiver(sync_finished, dispatch_uid="statements.issue")
def queue_statements(sender, **kwargs) -> None:
    # Queued, not run: drawing up PDFs and sending mail must never hold up, or fail, a sync.
    issue_statements.enqueue()
