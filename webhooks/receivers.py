"""How the webhooks follow the rest of the app, through its signals (docs/architecture.md):

- a Tempo integration added (``tempo_integration.signals.token_added``): register the Tempo
  subscriptions, in the worker;
- the integration deleted (revoked): forget the local rows at once, delete them at Tempo in
  the worker;
- the sync loop's tick (``sync.signals.loop_tick``): at most every ``CHECK_EVERY``, check
  and refresh the registrations (and register Jira's once the settings allow it), and
  apply changes left pending;
- a sync ended (``sync.signals.sync_finished``): apply the changes it kept waiting;
- the encryption keys rotated (``tempo_integration.signals.rotating_secrets``): re-encrypt
  the shared secrets and the revoked credentials kept for unsubscribing.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.db.models.signals import pre_delete
from django.dispatch import receiver
from django.utils import timezone

from sync.signals import loop_tick, sync_finished
from tempo_integration.models import TempoIntegration
from tempo_integration.signals import rotating_secrets, token_added

from . import draining, registration
from .models import CheckSchedule, PendingUnsubscribe, Subscription
from .tasks import (
    check_webhooks,
    enqueue_once,
    register_tempo_webhooks,
    request_drain,
    unsubscribe_revoked,
)

CHECK_EVERY = dt.timedelta(minutes=15)


@receiver(token_added, dispatch_uid="webhooks.register_tempo")
def register_after_token_added(sender, **kwargs) -> None:
    if registration.base_url_problem() == registration.SWITCHED_OFF:
        return
    transaction.on_commit(lambda: enqueue_once(register_tempo_webhooks))


@receiver(pre_delete, sender=TempoIntegration, dispatch_uid="webhooks.forget_tempo")
def forget_after_revoke(sender, instance: TempoIntegration, **kwargs) -> None:
    registration.forget_tempo(instance)
    transaction.on_commit(lambda: enqueue_once(unsubscribe_revoked))


@receiver(loop_tick, dispatch_uid="webhooks.check_when_due")
def check_when_due(sender, **kwargs) -> None:
    if claim_check():
        enqueue_once(check_webhooks)
    if draining.has_pending():
        request_drain()


@receiver(sync_finished, dispatch_uid="webhooks.drain_after_sync")
def drain_after_sync(sender, **kwargs) -> None:
    """After any sync round (the loop's, Sync now's, the one after Add): drain what waited for
    it, and queue the check when it is due — a deployment without the `sync` loop (`make
    run`: the app and the worker) still registers its Jira webhook and refreshes Tempo's."""
    if claim_check():
        enqueue_once(check_webhooks)
    if draining.has_pending():
        request_drain()


@receiver(rotating_secrets, dispatch_uid="webhooks.rotate_secrets")
def rotate_secrets(sender, rotate, **kwargs) -> None:
    """Re-encrypt every webhook secret with ``rotate`` (inside the command's transaction; its
    CommandError for an unreadable one rolls everything back). Each row is written only over
    the ciphertext read: one a registration replaced meanwhile is sealed with the new key
    already and is left as it is."""
    for row in Subscription.objects.select_for_update().exclude(secret_ciphertext=""):
        what = "the Jira webhook's secret"
        if row.service == Subscription.Service.TEMPO:
            what = f"the shared secret of the Tempo webhook for {row.event}"
        sealed = rotate(row.secret_ciphertext, what)
        Subscription.objects.filter(pk=row.pk, secret_ciphertext=row.secret_ciphertext).update(
            secret_ciphertext=sealed.ciphertext, key_id=sealed.key_id
        )
    for pending in PendingUnsubscribe.objects.select_for_update():
        sealed = rotate(
            pending.token_ciphertext, "a revoked Tempo token kept to delete its webhooks"
        )
        PendingUnsubscribe.objects.filter(pk=pending.pk).update(token_ciphertext=sealed.ciphertext)


def claim_check(now: dt.datetime | None = None) -> bool:
    """True for the one caller every ``CHECK_EVERY`` that may queue the check (one
    conditional UPDATE, like the backup's daily claim)."""
    now = now or timezone.now()
    schedule, _ = CheckSchedule.objects.get_or_create(pk=1)
    due = Q(next_check_at__isnull=True) | Q(next_check_at__lte=now)
    return bool(
        CheckSchedule.objects.filter(pk=schedule.pk)
        .filter(due)
        .update(next_check_at=now + CHECK_EVERY)
    )
