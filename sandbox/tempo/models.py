"""Tempo's data as the sandbox keeps it: API-integration tokens and worklogs."""

from __future__ import annotations

import hashlib
import secrets
import string
from datetime import timedelta

from django.db import models
from django.utils import timezone

from sandbox.scopes import (
    DEFAULT_EXPIRY_DAYS,
    LEVELS,
    MAX_EXPIRY_DAYS,
    MIN_EXPIRY_DAYS,
    SCOPES,
    describe,
    full_access_scopes,
    level_allows,
)
from sandbox.tempo import texts

TOKEN_LENGTH = 40
TOKEN_ALPHABET = string.ascii_letters + string.digits


class TokenError(Exception):
    """A token operation Tempo refuses; the message is shown to the user as is."""


def _new_value() -> str:
    # Letters and digits only, like Tempo's tokens: safe in a header, a shell and a form field.
    return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))


def hash_value(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


class Token(models.Model):
    """An API-integration token. Only a hash of its value is kept: it is shown once."""

    name = models.CharField(max_length=255)
    value_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    full_access = models.BooleanField(default=False)
    # {scope name: "view" | "manage"}; for full access, every scope known at creation time.
    scopes = models.JSONField(default=dict)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="sandbox_tempo_token_expires_after_creation",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def issue(
        cls,
        *,
        name: str,
        full_access: bool,
        scopes: dict[str, str] | None = None,
        expires_in_days: int = DEFAULT_EXPIRY_DAYS,
        expired: bool = False,
    ) -> tuple[Token, str]:
        """Create a token and return it with its value, which is never available again.

        `expired` back-dates the token so that its expiry has just passed: the way to get an
        expired token without waiting (`sandbox_token --expired`).
        """
        if not MIN_EXPIRY_DAYS <= expires_in_days <= MAX_EXPIRY_DAYS:
            raise TokenError(texts.EXPIRY_OUT_OF_RANGE)
        grant = full_access_scopes() if full_access else dict(scopes or {})
        _check_grant(grant)
        lifetime = timedelta(days=expires_in_days)
        now = timezone.now()
        expires_at = now - timedelta(seconds=1) if expired else now + lifetime
        value = _new_value()
        token = cls.objects.create(
            name=name,
            value_hash=hash_value(value),
            created_at=expires_at - lifetime,
            expires_at=expires_at,
            full_access=full_access,
            scopes=grant,
        )
        return token, value

    @classmethod
    def authenticate(cls, value: str) -> Token | None:
        """The active token with this value, or None (unknown, regenerated, deleted, expired)."""
        return cls.objects.filter(
            value_hash=hash_value(value), expires_at__gt=timezone.now()
        ).first()

    @classmethod
    def find(cls, value: str) -> Token | None:
        """The token with this value whatever its state (the control endpoint's lookup)."""
        return cls.objects.filter(value_hash=hash_value(value)).first()

    def regenerate(self) -> str:
        """Replace the value, keeping name, access and expiry; the old value stops working.

        Tempo only regenerates tokens that have not expired.
        """
        if self.is_expired:
            raise TokenError(texts.REGENERATE_EXPIRED)
        value = _new_value()
        self.value_hash = hash_value(value)
        self.save(update_fields=["value_hash"])
        return value

    def allows(self, scope: str, level: str) -> bool:
        return level_allows(self.scopes.get(scope), level)

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def status(self) -> str:
        return "Expired" if self.is_expired else "Active"

    @property
    def access_label(self) -> str:
        if self.full_access:
            return "Full access"
        return f"Custom: {describe(self.scopes)}"


def _check_grant(grant: dict[str, str]) -> None:
    unknown = sorted(set(grant) - set(SCOPES))
    if unknown:
        raise TokenError(f"Unknown scope: {', '.join(unknown)}.")
    bad_levels = sorted({str(level) for level in grant.values() if level not in LEVELS})
    if bad_levels:
        raise TokenError(f"Unknown access level: {', '.join(bad_levels)}.")
    if not grant:
        raise TokenError(texts.NO_SCOPE_CHOSEN)


class Worklog(models.Model):
    """A Tempo worklog. `id` is its `tempoWorklogId`.

    Tempo's worklog object does not show the Jira project, but its routes filter by it, so the
    sandbox stores `project_id` beside `issue_id`. Indexes follow the filters and orders of
    `GET /4/worklogs`, which must stay fast at demo scale (tens of thousands of rows).
    """

    issue_id = models.PositiveBigIntegerField()
    project_id = models.PositiveBigIntegerField()
    author_account_id = models.CharField(max_length=128)
    time_spent_seconds = models.PositiveIntegerField()
    billable_seconds = models.PositiveIntegerField(null=True, blank=True)
    start_date = models.DateField()
    start_time = models.TimeField()
    description = models.TextField(blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    # [{"key": "_Account_", "value": "ACME"}] as Tempo's work-attribute values.
    attributes = models.JSONField(default=list, blank=True)

    class Meta:
        indexes = [
            # Each list filter followed by the default order, so a page is an index range.
            models.Index(fields=["start_date", "start_time", "id"]),
            models.Index(fields=["project_id", "start_date", "start_time", "id"]),
            models.Index(fields=["issue_id", "start_date", "start_time", "id"]),
            models.Index(fields=["author_account_id", "start_date", "start_time", "id"]),
            models.Index(fields=["updated_at", "id"]),
        ]

    def __str__(self) -> str:
        return f"Worklog {self.pk} on issue {self.issue_id}"
