"""Webhooks: what Tempo and Jira were asked to tell us, what they told us, and what is left
to read (docs/product.md §6: "webhooks, when registered, bring a change in within a minute;
polling remains the safety net").

- ``Subscription``: one registration per (service, event). Its ``public_id`` is the last part
  of the address Tempo or Jira posts to; its shared secret is stored encrypted with the
  project's MultiFernet (``tempo_integration.crypto``), never shown, logged or put in a URL.
- ``SeenEvent``: the ids of the deliveries already accepted, for a day, so a retry or a replay
  of one is answered 200 and nothing else.
- ``PendingChange``: what the deliveries announced and the targeted sync has yet to read,
  one row per (kind, remote id) however many deliveries named it.
"""

from __future__ import annotations

import secrets

from django.db import models
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from tempo_integration import crypto
from worklog_report.redaction import register_secret


def new_public_id() -> str:
    """32 URL-safe characters (192 random bits): unguessable, so an address nobody was told
    answers 404 before any secret is looked at."""
    return secrets.token_urlsafe(24)


class Subscription(models.Model):
    """One webhook registered with Tempo (one per event) or Jira (one admin webhook)."""

    class Service(models.TextChoices):
        TEMPO = "tempo", "Tempo"
        JIRA = "jira", "Jira"

    class Status(models.TextChoices):
        PENDING = "pending", "Registering"
        LIVE = "live", "Live"
        INACTIVE = "inactive", "Inactive"
        FAILED = "failed", "Not registered"

    # Every encrypted field: rotate_encryption_keys re-encrypts it
    # (``webhooks.receivers.rotate_secrets``), as PendingUnsubscribe.token_ciphertext.
    SECRET_FIELDS = ("secret_ciphertext",)

    service = models.CharField(max_length=10, choices=Service.choices)
    # Tempo: worklog.created, worklog.updated or worklog.deleted; Jira: "jira" (one webhook
    # carries every issue and worklog event).
    event = models.CharField(max_length=40)
    public_id = models.CharField(max_length=64, unique=True, default=new_public_id)
    remote_id = models.CharField(max_length=100, blank=True)
    url = models.URLField(max_length=500, blank=True)
    # Jira only: the JQL the webhook was registered with (re-registered when it changes).
    jql_filter = models.TextField(blank=True)
    secret_ciphertext = models.TextField(blank=True)
    key_id = models.CharField(max_length=12, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    problem = models.CharField(
        max_length=300,
        blank=True,
        help_text="Why it is not live, as a sentence for people; empty when live.",
    )
    registered_at = models.DateTimeField(null=True, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    last_event_at = models.DateTimeField(null=True, blank=True)
    events_received = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["service", "event"], name="webhook_one_per_event"),
        ]
        ordering = ["service", "event"]

    def __str__(self) -> str:
        return f"{self.get_service_display()} webhook {self.event} ({self.get_status_display()})"

    @sensitive_variables()
    def seal(self, secret: str) -> None:
        """Encrypt ``secret`` into this row (not saved)."""
        sealed = crypto.encrypt(secret)
        register_secret(secret)
        self.secret_ciphertext, self.key_id = sealed.ciphertext, sealed.key_id

    @sensitive_variables()
    def secret(self) -> str:
        """The plain shared secret, for checking signatures only. Raises
        crypto.SecretUnreadable; "" when none is stored."""
        if not self.secret_ciphertext:
            return ""
        return _decrypted(self.secret_ciphertext)

    def fail(self, problem: str) -> None:
        """Not registered, and why (a sentence for the Sync tab). Only these fields are
        written: a row read before ``rotate_encryption_keys`` ran must not write its old
        ciphertext back."""
        self.status, self.problem = self.Status.FAILED, problem[:300]
        self.checked_at = timezone.now()
        self.save(update_fields=["status", "problem", "checked_at"])


# Decrypted secrets by ciphertext: a flood of deliveries costs one HMAC each, not one
# Fernet decryption each. The plain secret is in this process's memory either way.
_secrets: dict[str, str] = {}


@sensitive_variables()
def _decrypted(ciphertext: str) -> str:
    value = _secrets.get(ciphertext)
    if value is None:
        value = crypto.decrypt(ciphertext)
        register_secret(value)
        if len(_secrets) > 64:
            _secrets.clear()
        _secrets[ciphertext] = value
    return value


class SeenEvent(models.Model):
    """A delivery already accepted: Tempo's ``eventId`` or Jira's
    ``X-Atlassian-Webhook-Identifier`` (the same on every retry). Kept a day
    (``webhooks.draining.prune``), longer than any delivery may arrive late."""

    service = models.CharField(max_length=10, choices=Subscription.Service.choices)
    event_id = models.CharField(max_length=200)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["service", "event_id"], name="webhook_event_seen_once"),
        ]

    def __str__(self) -> str:
        return f"{self.service} event {self.event_id}"


class PendingChange(models.Model):
    """Something a webhook said changed, waiting for the targeted sync to read it.

    One row per (kind, remote id): a hundred deliveries about one worklog are one read.
    ``received_at`` is the last delivery's time; the targeted sync removes a row only if no
    delivery came after it started (``webhooks.draining``).
    """

    class Kind(models.TextChoices):
        TEMPO_WORKLOG = "tempo_worklog", "Tempo worklog"
        JIRA_ISSUE = "jira_issue", "Jira issue"
        JIRA_WORKLOG = "jira_worklog", "Jira worklog"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    remote_id = models.CharField(max_length=20)
    # Jira worklogs only: the issue it belongs to (the targeted sync re-reads the issue's).
    issue_id = models.CharField(max_length=20, blank=True)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "remote_id"], name="webhook_change_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.remote_id}"


class PendingUnsubscribe(models.Model):
    """Tempo subscriptions to delete at Tempo after the integration was revoked: the revoked
    credentials (still encrypted) are kept only until the task has tried, at most a day."""

    remote_ids = models.JSONField(default=list)
    token_ciphertext = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{len(self.remote_ids)} Tempo subscription(s) to delete"


class CheckSchedule(models.Model):
    """When the sync loop's tick may next queue the subscriptions' check (one row)."""

    next_check_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Next webhook check at {self.next_check_at}"
