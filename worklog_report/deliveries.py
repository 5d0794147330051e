"""E-mails sent once: the row behind every e-mail the worker sends (contract alerts, monthly
statements), and the claim that makes "once" hold whoever sends.

A row is made (``bulk_create(ignore_conflicts=True)`` on a unique constraint of the concrete
model) before its e-mail exists, then claimed with a conditional UPDATE (pending or failed →
sending): only the worker that changed the row sends, so a re-run, a restarted worker or two
workers never send twice. A failed send is recorded on its row and tried again after 1, 2, 4,
8 minutes, at most ``MAX_ATTEMPTS`` times. A send cut short by a dead worker is never repeated
(it may have gone out): after ``STALE_SENDING`` it is marked failed for good.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

MAX_ATTEMPTS = 5
STALE_SENDING = dt.timedelta(minutes=15)
WORKER_STOPPED = "The worker stopped while sending it; not sent again, so never twice."


class Delivery(models.Model):
    """One e-mail to one address (lower case)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Not sent"

    email = models.EmailField()  # lower case: one e-mail per address
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    @property
    def gives_up(self) -> bool:
        return self.attempts >= MAX_ATTEMPTS

    def retry_delay(self) -> dt.timedelta:
        """1, 2, 4, 8 minutes after the 1st, 2nd, 3rd, 4th failed attempt."""
        return dt.timedelta(minutes=2 ** max(0, self.attempts - 1))


STATUS_VALID = Q(status__in=[value for value, _ in Delivery.Status.choices])


def site_url(path: str) -> str:
    """An absolute link for an e-mail: ``SITE_URL`` (or the first of ``ALLOWED_HOSTS``)."""
    return settings.SITE_URL.rstrip("/") + path


def due(deliveries: models.QuerySet) -> models.QuerySet:
    """The rows of ``deliveries`` to send now: pending, or failed with attempts left and their
    retry time reached."""
    return deliveries.filter(
        status__in=[Delivery.Status.PENDING, Delivery.Status.FAILED], attempts__lt=MAX_ATTEMPTS
    ).filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=timezone.now()))


def skip(delivery: Delivery, reason: str) -> bool:
    """Mark a row not sent (its recipient no longer is one), unless another worker changed it
    meanwhile; True when this call marked it."""
    return bool(_unchanged(delivery).update(status=Delivery.Status.SKIPPED, error=reason))


def deliver(delivery: Delivery, send: Callable[[], None]) -> str:
    """Claim the row and call ``send()``; record the outcome.

    Returns ``"sent"``, ``"failed"`` (the error is on the row, with the time of the next
    attempt) or ``""`` when another worker claimed it first (nothing was sent here).
    ``send`` raises whatever the mail backend raises on a failure.
    """
    model = type(delivery)
    now = timezone.now()
    claimed = _unchanged(delivery).update(
        status=Delivery.Status.SENDING, attempts=F("attempts") + 1, claimed_at=now
    )
    if not claimed:
        return ""
    delivery.refresh_from_db()
    try:
        send()
    except Exception as exc:  # what a mail backend raises: SMTP, socket, timeout, ...
        delivery.error = (str(exc) or type(exc).__name__)[:400]
        model.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.FAILED,
            error=delivery.error,
            next_attempt_at=now + delivery.retry_delay(),
        )
        return "failed"
    model.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.SENT, error="", sent_at=timezone.now()
    )
    return "sent"


def give_up_stale_sends(model: type[Delivery]) -> int:
    """Rows left ``sending`` by a worker that died: failed for good (it may have gone out)."""
    return model.objects.filter(
        status=Delivery.Status.SENDING, claimed_at__lt=timezone.now() - STALE_SENDING
    ).update(status=Delivery.Status.FAILED, error=WORKER_STOPPED, attempts=MAX_ATTEMPTS)


def _unchanged(delivery: Delivery) -> models.QuerySet:
    return type(delivery).objects.filter(
        pk=delivery.pk, status=delivery.status, attempts=delivery.attempts
    )
