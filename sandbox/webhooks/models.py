"""Registered webhooks, the deliveries they receive, and the sender's settings.

Kept in the sandbox's database, like faults (sandbox/models.py): the threaded server, the
sender thread and the control endpoint must agree on them, and /_sandbox/webhooks lists them.
"""

from __future__ import annotations

import secrets
import string
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

ALPHANUMERIC = string.ascii_letters + string.digits
# Tempo's sharedSecret and the verification's randomString: 128 characters (assumed
# alphanumeric, like Tempo's example values).
RANDOM_LENGTH = 128


def random_string(length: int = RANDOM_LENGTH) -> str:
    return "".join(secrets.choice(ALPHANUMERIC) for _ in range(length))


class TempoSubscription(models.Model):
    """A Tempo webhook subscription (`WebhookSubscription` in Tempo's v4 OpenAPI).

    `active` is False until the verification handshake succeeded, and again after a delivery
    failed its last retry (Tempo's "Retry policy"); `PATCH .../refresh` sets it back.
    `failures` counts failed delivery attempts since the last success or refresh. The shared
    secret is kept as is: the sandbox signs every delivery with it.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    url = models.URLField(max_length=2000)
    event = models.CharField(max_length=64)
    name = models.CharField(max_length=255, blank=True)
    description = models.TextField(blank=True)
    active = models.BooleanField(default=False)
    shared_secret = models.CharField(max_length=RANDOM_LENGTH, default=random_string)
    created_at = models.DateTimeField(default=timezone.now)
    # Tempo's `updatedAt`: the last change of what the API shows (the verification's
    # outcome, a deactivation, a refresh).
    updated_at = models.DateTimeField(default=timezone.now)
    failures = models.PositiveIntegerField(default=0)
    # How the verification handshake went: "ok", or why it failed (shown by the control).
    verification = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["url", "event"], name="sandbox_tempo_webhook_unique")
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.url}"


class JiraWebhook(models.Model):
    """A Jira admin webhook (Atlassian's "Webhooks" page, REST registration for admins).

    `site` is the Jira root (`http://127.0.0.1:port/jira`) the registration came to, so a
    delivery's `self` links point back at this sandbox. `secret` (may be empty) signs the
    deliveries (`X-Hub-Signature`); it is never written out.
    """

    name = models.CharField(max_length=255)
    url = models.URLField(max_length=2000)
    events = models.JSONField(default=list)
    jql = models.TextField(blank=True)
    exclude_body = models.BooleanField(default=False)
    secret = models.CharField(max_length=255, blank=True)
    enabled = models.BooleanField(default=True)
    site = models.CharField(max_length=500)
    updated_by = models.CharField(max_length=128, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name} → {self.url}"


class Service(models.TextChoices):
    TEMPO = "tempo", "Tempo"
    JIRA = "jira", "Jira"


class Outcome(models.TextChoices):
    PENDING = "pending", "Waiting for its first attempt or a retry"
    SENT = "sent", "Answered with a 2xx"
    FAILED = "failed", "Gave up: last retry failed, or an answer Jira does not retry"
    DROPPED = "dropped", "Never sent (the sandbox's webhook outage, `drop_rate`)"
    CANCELLED = "cancelled", "Not sent: its subscription was deleted or deactivated"


class Delivery(models.Model):
    """One event for one webhook, with its attempts.

    `body` is the exact JSON text sent on every attempt. `event_id` is Tempo's `eventId` or
    Jira's `X-Atlassian-Webhook-Identifier`; `timestamp` is Tempo's `Tempo-Timestamp`, set
    and saved when the first attempt starts, before it is sent, and reused by every retry
    (the signature covers it). `attempts` is how many were made (counted, and the next
    attempt scheduled, before each is sent); `history` holds `{"attempt", "at",
    "status"?, "reason"?}` of each.
    """

    service = models.CharField(max_length=8, choices=Service.choices)
    subscription = models.CharField(max_length=64)  # a TempoSubscription or JiraWebhook id
    url = models.URLField(max_length=2000)
    event_type = models.CharField(max_length=64)
    event_id = models.CharField(max_length=64)
    body = models.TextField()
    timestamp = models.CharField(max_length=32, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_status = models.PositiveIntegerField(null=True, blank=True)
    last_reason = models.TextField(blank=True)
    history = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["outcome", "next_attempt_at", "id"])]

    def __str__(self) -> str:
        return f"{self.service} {self.event_type} #{self.attempts} → {self.url}: {self.outcome}"


class WebhookSettings(models.Model):
    """The sender's settings set through the control endpoint (one row, pk 1); without it,
    or for a field left null, the `SANDBOX_WEBHOOK_*` settings apply (`current()`)."""

    drop_rate = models.FloatField(null=True, blank=True)
    seed = models.BigIntegerField(null=True, blank=True)
    retry_delay_min = models.FloatField(null=True, blank=True)
    retry_delay_max = models.FloatField(null=True, blank=True)
    tempo_max_retries = models.PositiveIntegerField(null=True, blank=True)
    jira_max_retries = models.PositiveIntegerField(null=True, blank=True)
    timeout_seconds = models.FloatField(null=True, blank=True)
    paused = models.BooleanField(default=False)
    # How many drop draws were made since `seed` was set: with the seed, it decides the
    # drops (sender.drops), so they repeat after a restart; a rolled-back change's draws
    # roll back with it.
    draws = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return "webhook settings"

    @classmethod
    def current(cls) -> dict[str, object]:
        """Every setting in force: `{"drop_rate", "seed", "retry_delay_seconds": [min, max],
        "max_retries": {"tempo", "jira"}, "timeout_seconds", "paused"}`."""
        row = cls.objects.filter(pk=1).first() or cls(pk=1)

        def pick(value: object, default: object) -> object:
            return default if value is None else value

        return {
            "drop_rate": pick(row.drop_rate, 0.0),
            "seed": row.seed,
            "retry_delay_seconds": [
                pick(row.retry_delay_min, settings.SANDBOX_WEBHOOK_RETRY_DELAY_MIN),
                pick(row.retry_delay_max, settings.SANDBOX_WEBHOOK_RETRY_DELAY_MAX),
            ],
            "max_retries": {
                "tempo": pick(row.tempo_max_retries, settings.SANDBOX_WEBHOOK_TEMPO_MAX_RETRIES),
                "jira": pick(row.jira_max_retries, settings.SANDBOX_WEBHOOK_JIRA_MAX_RETRIES),
            },
            "timeout_seconds": pick(row.timeout_seconds, settings.SANDBOX_WEBHOOK_TIMEOUT),
            "paused": row.paused,
        }
