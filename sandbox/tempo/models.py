"""Tempo's data as the sandbox keeps it: API-integration tokens and worklogs."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
from datetime import timedelta

from django.conf import settings
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


# Tempo OAuth 2.0 (docs/outside-apis.md §2): applications, authorization codes and tokens.


class OAuthClientType(models.TextChoices):
    # The names are assumed: Tempo's page offers the two kinds without documenting them.
    CONFIDENTIAL = "confidential", "Confidential"
    PUBLIC = "public", "Public"


def _new_client_id() -> str:
    return _new_value()


def new_client_secret() -> str:
    return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(64))


class OAuthApplication(models.Model):
    """An application registered on Tempo › Settings › OAuth 2.0 Applications.

    The client secret is kept as is: Tempo's credentials page shows it again whenever asked.
    Deleting the application deletes (revokes) its codes and tokens with it.
    """

    name = models.CharField(max_length=255)
    client_id = models.CharField(max_length=64, unique=True, default=_new_client_id)
    client_secret = models.CharField(max_length=128, default=new_client_secret)
    client_type = models.CharField(
        max_length=16, choices=OAuthClientType.choices, default=OAuthClientType.CONFIDENTIAL
    )
    redirect_uris = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.name

    def secret_matches(self, secret: str | None) -> bool:
        return bool(secret) and hmac.compare_digest(str(secret), self.client_secret)

    def new_secret(self) -> str:
        """Replace the client secret: the old one stops working for token calls at once."""
        self.client_secret = new_client_secret()
        self.save(update_fields=["client_secret"])
        return self.client_secret

    @property
    def redirect_uris_text(self) -> str:
        return "\n".join(self.redirect_uris)


class OAuthCode(models.Model):
    """An authorization code: single-use and short-lived; only its hash is kept."""

    application = models.ForeignKey(OAuthApplication, on_delete=models.CASCADE)
    code_hash = models.CharField(max_length=64, unique=True)
    redirect_uri = models.TextField()
    account_id = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"code of {self.application_id} for {self.account_id}"


class OAuthTokenQuerySet(models.QuerySet["OAuthToken"]):
    def live(self) -> OAuthTokenQuerySet:
        return self.filter(revoked_at__isnull=True, access_expires_at__gt=timezone.now())

    def expired(self) -> OAuthTokenQuerySet:
        return self.filter(revoked_at__isnull=True, access_expires_at__lte=timezone.now())

    def revoked(self) -> OAuthTokenQuerySet:
        return self.filter(revoked_at__isnull=False)

    def revoke(self) -> int:
        return self.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())


class OAuthToken(models.Model):
    """An access token and its refresh token, issued together; only hashes are kept.

    A refresh or a revocation of either value revokes the pair (`revoked_at`); the row stays,
    so the control endpoint can count it. `code` is the authorization the pair descends from,
    through any number of refreshes: a replayed code revokes them all (RFC 6749 §4.1.2).
    """

    application = models.ForeignKey(OAuthApplication, on_delete=models.CASCADE)
    code = models.ForeignKey(OAuthCode, null=True, blank=True, on_delete=models.SET_NULL)
    account_id = models.CharField(max_length=128)
    redirect_uri = models.TextField()
    access_hash = models.CharField(max_length=64, unique=True)
    refresh_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    access_expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = OAuthTokenQuerySet.as_manager()

    def __str__(self) -> str:
        return f"token of {self.application_id} for {self.account_id}"

    @classmethod
    def authenticate(cls, value: str) -> OAuthToken | None:
        """The live pair whose access token is `value`, or None."""
        return cls.objects.live().filter(access_hash=hash_value(value)).first()

    def allows(self, scope: str, level: str) -> bool:
        # An OAuth access token acts for its user with full access ("read write").
        return True


class OAuthLifetimes(models.Model):
    """Lifetimes set at runtime through the control endpoint (one row, pk 1); without it the
    `SANDBOX_TEMPO_OAUTH_*_SECONDS` settings apply. In the database so every thread agrees."""

    access_seconds = models.PositiveIntegerField(null=True, blank=True)
    code_seconds = models.PositiveIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"access {self.access_seconds}s, code {self.code_seconds}s"

    @classmethod
    def current(cls) -> tuple[int, int]:
        """(access token seconds, authorization code seconds) in force now."""
        row = cls.objects.filter(pk=1).first()
        access = row.access_seconds if row and row.access_seconds else None
        code = row.code_seconds if row and row.code_seconds else None
        return (
            access or settings.SANDBOX_TEMPO_OAUTH_ACCESS_SECONDS,
            code or settings.SANDBOX_TEMPO_OAUTH_CODE_SECONDS,
        )

    @classmethod
    def set(cls, *, access_seconds: int | None = None, code_seconds: int | None = None) -> None:
        changes = {}
        if access_seconds is not None:
            changes["access_seconds"] = access_seconds
        if code_seconds is not None:
            changes["code_seconds"] = code_seconds
        cls.objects.update_or_create(pk=1, defaults=changes)


class ListRecord(models.Model):
    """One object of Tempo's other list routes (accounts, customers, teams, work attributes,
    workload and holiday schemes, holidays, roles, categories, programs, plans), kept as the
    JSON the route answers. `position` is the list's order (Tempo's id where there is one);
    `parent` is the holiday scheme of a holiday."""

    kind = models.CharField(max_length=40)
    position = models.BigIntegerField()
    parent = models.BigIntegerField(null=True, blank=True)
    data = models.JSONField()

    class Meta:
        ordering = ["kind", "parent", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "parent", "position"], name="sandbox_tempo_listrecord_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.position}"


class ApprovalStatus(models.TextChoices):
    """Tempo's timesheet approval statuses. There is no REOPENED: a reopened timesheet is
    OPEN again (with the reviewer's comment)."""

    OPEN = "OPEN", "Open"
    IN_REVIEW = "IN_REVIEW", "In review"
    APPROVED = "APPROVED", "Approved"


class Approval(models.Model):
    """The status of one user's timesheet for one monthly period (`period_from` is its first
    day). A user and period without a row is OPEN, as in Tempo before anyone submits."""

    account_id = models.CharField(max_length=128)
    period_from = models.DateField()
    status = models.CharField(max_length=16, choices=ApprovalStatus.choices)
    comment = models.TextField(blank=True)
    # Who last changed the status (the user submits, the reviewer approves or reopens).
    actor_account_id = models.CharField(max_length=128)
    reviewer_account_id = models.CharField(max_length=128, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["period_from", "account_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account_id", "period_from"], name="sandbox_tempo_approval_unique"
            )
        ]
        indexes = [models.Index(fields=["status", "period_from"])]

    def __str__(self) -> str:
        return f"{self.account_id} {self.period_from}: {self.status}"


# Tempo's audit log (`POST /4/papertrail/search`, sandbox/tempo/papertrail.py).

# The control endpoint's switch (`/_sandbox/behaviours`) that makes the audit log answer 403,
# as Tempo does for a token "missing the required permission"; its target is ignored.
AUDIT_LOG_FORBIDDEN = "tempo_audit_log_forbidden"


class AuditEvent(models.Model):
    """One event of Tempo's audit log (`AuditLogEvent` of Tempo's v4 OpenAPI).

    The sandbox records only worklog deletions (entity `worklog`, action `Deleted`), made
    by the control endpoint's drift or by `DELETE /4/worklogs/{id}`; seeding records none.
    """

    entity_type = models.CharField(max_length=40)
    action = models.CharField(max_length=16)
    entity_id = models.CharField(max_length=64)
    parent_id = models.CharField(max_length=64)
    author_account_id = models.CharField(max_length=128)
    worker_account_id = models.CharField(max_length=128, blank=True)
    # [{"field", "previous", "new"}] as `AuditLogChangeBean`.
    changes = models.JSONField(default=list, blank=True)
    timestamp = models.DateTimeField()

    class Meta:
        ordering = ["timestamp", "id"]
        indexes = [models.Index(fields=["timestamp", "id"])]

    def __str__(self) -> str:
        return f"{self.entity_type} {self.entity_id} {self.action} at {self.timestamp}"
