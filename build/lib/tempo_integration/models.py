"""The Tempo integration: one encrypted token per site, and its history.

See docs/product.md §4.1 and §7.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone

from worklog_report.redaction import register_secret

from . import crypto

# Opening the tab re-checks a token last verified longer ago than this; the claim below makes
# that at most one call to Tempo a minute, however many people open the tab (issue 13).
RECHECK_AFTER = dt.timedelta(minutes=1)
# The tab warns this many days before the recorded expiry date.
EXPIRY_WARNING_DAYS = 7


class TempoIntegration(models.Model):
    """The site's Tempo API token, encrypted. At most one row exists (``slot`` is always 1)."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        INVALID = "invalid", "Invalid"

    slot = models.PositiveSmallIntegerField(default=1, unique=True, editable=False)
    token_ciphertext = models.TextField()
    key_id = models.CharField(max_length=12, help_text="Fingerprint of the key that encrypted it.")
    token_last4 = models.CharField(max_length=4)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_by_name = models.CharField(max_length=150)
    added_at = models.DateTimeField()
    last_verified_at = models.DateTimeField(null=True)
    invalid_since = models.DateTimeField(null=True)
    expires_on = models.DateField(null=True, blank=True)
    # Until when a re-check of the token on opening the tab is claimed (``claim_check``).
    check_claimed_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(slot=1), name="tempo_integration_one_slot"),
        ]

    def __str__(self) -> str:
        return f"Tempo integration ({self.get_status_display()}, token …{self.token_last4})"

    @classmethod
    def current(cls) -> TempoIntegration | None:
        return cls.objects.filter(slot=1).first()

    @classmethod
    def store(cls, token: str, user) -> TempoIntegration:
        """Encrypt and save a token Tempo has just accepted, replacing any earlier one."""
        sealed = crypto.encrypt(token)
        now = timezone.now()
        fields = {
            "token_ciphertext": sealed.ciphertext,
            "key_id": sealed.key_id,
            "token_last4": token[-4:],
            "status": cls.Status.ACTIVE,
            "added_by": user,
            "added_by_name": user.get_username(),
            "added_at": now,
            "last_verified_at": now,
            "invalid_since": None,
        }
        try:
            with transaction.atomic():
                integration, created = cls.objects.update_or_create(slot=1, defaults=fields)
        except IntegrityError:
            # Two Adds raced and the other one inserted first: ours replaces it.
            cls.objects.filter(slot=1).update(**fields)
            integration, created = cls.objects.get(slot=1), False
        IntegrationEvent.record(
            IntegrationEvent.Kind.ADDED,
            user,
            f"Added the token ending in {token[-4:]}."
            if created
            else f"Replaced the token with the one ending in {token[-4:]}.",
        )
        return integration

    def token(self) -> str:
        """The plain token, for the Tempo client only. Raises crypto.SecretUnreadable."""
        value = crypto.decrypt(self.token_ciphertext)
        register_secret(value)
        return value

    def client(self, **options):
        from .client import TempoClient

        return TempoClient(self.token(), **options)

    def revoke(self, user) -> None:
        """Erase the token and every synced Tempo worklog (docs/product.md §4.1)."""
        with transaction.atomic():
            erased, _ = Worklog.objects.all().delete()
            ProjectSyncState.objects.all().delete()
            IntegrationEvent.record(
                IntegrationEvent.Kind.REVOKED,
                user,
                f"Revoked the token ending in {self.token_last4} and erased "
                f"{erased:,} synced Tempo worklog{'' if erased == 1 else 's'}.",
            )
            self.delete()

    def mark_invalid(self, reason: str) -> None:
        """Tempo refused the stored token: stop using it until a new one is added."""
        updated = TempoIntegration.objects.filter(pk=self.pk, status=self.Status.ACTIVE).update(
            status=self.Status.INVALID, invalid_since=timezone.now()
        )
        self.refresh_from_db()
        if updated:  # record the change once, not on every failed call
            IntegrationEvent.record(IntegrationEvent.Kind.INVALIDATED, None, reason)

    def mark_verified(self) -> None:
        self.last_verified_at = timezone.now()
        self.save(update_fields=["last_verified_at"])

    def recheck_due(self, now: dt.datetime | None = None) -> bool:
        """An Active token last verified over a minute ago: opening the tab re-checks it."""
        now = now or timezone.now()
        return self.is_active and (
            self.last_verified_at is None or now - self.last_verified_at > RECHECK_AFTER
        )

    def claim_check(self, now: dt.datetime | None = None) -> bool:
        """True for the one caller a minute that may re-check an Active token on opening the tab.

        Like the sync lock, one conditional UPDATE (on this row) takes a lease; it is never
        released, so it also spaces checks that failed (Tempo down) a minute apart.
        """
        now = now or timezone.now()
        if not self.recheck_due(now):
            return False
        unclaimed = Q(check_claimed_until__isnull=True) | Q(check_claimed_until__lte=now)
        claimed = (
            TempoIntegration.objects.filter(pk=self.pk)
            .filter(unclaimed)
            .update(check_claimed_until=now + RECHECK_AFTER)
        )
        return bool(claimed)

    def check_access(self, **client_options) -> tuple[str, str]:
        """Ask Tempo, with one call, whether the stored token still reads worklogs.

        Returns ``(outcome, detail)``: outcome is ``accepted``, ``rejected`` (401),
        ``no_scope`` (403), ``unreadable`` (cannot be decrypted) or ``unreachable``; detail
        says it for the History. A refusal turns the integration Invalid through
        ``mark_invalid`` (as the sync does); Tempo being unreachable changes nothing.
        """
        from .client import TempoAuthError, TempoError, TempoScopeError

        try:
            with self.client(**client_options) as client:
                client.check_access()
        except crypto.SecretUnreadable:
            outcome, detail = "unreadable", "The stored token cannot be decrypted."
        except TempoAuthError:
            outcome, detail = "rejected", "Tempo rejected the stored token (401)."
        except TempoScopeError:
            outcome, detail = "no_scope", "Tempo no longer lets the token view worklogs (403)."
        except TempoError as exc:
            return "unreachable", str(exc)
        else:
            self.mark_verified()
            return "accepted", "Tempo accepted the stored token."
        self.mark_invalid(detail)
        return outcome, detail

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def masked_token(self) -> str:
        return f"••••••••{self.token_last4}"

    def days_until_expiry(self, today: dt.date | None = None) -> int | None:
        """Days left when the recorded expiry is within the warning window, else None."""
        if self.expires_on is None:
            return None
        days = (self.expires_on - (today or timezone.localdate())).days
        return days if days <= EXPIRY_WARNING_DAYS else None


class IntegrationEvent(models.Model):
    """One line of the History: who did what to the integration, and when. Never the token."""

    class Kind(models.TextChoices):
        ADDED = "added", "Added"
        ADD_FAILED = "add_failed", "Add failed"
        REVOKED = "revoked", "Revoked"
        INVALIDATED = "invalidated", "Became invalid"
        EXPIRY_SET = "expiry_set", "Expiry date"
        CHECKED = "checked", "Checked"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    detail = models.CharField(max_length=300)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.actor_name or 'the app'}: {self.detail}"

    @classmethod
    def record(cls, kind: str, user, detail: str) -> IntegrationEvent:
        return cls.objects.create(
            kind=kind,
            actor=user,
            actor_name=user.get_username() if user else "",
            detail=detail,
        )


class Worklog(models.Model):
    """A Tempo worklog on a synced JSM request (written only by ``tempo_integration.sync``)."""

    tempo_id = models.BigIntegerField(unique=True)
    request = models.ForeignKey(
        "jsm.Request", on_delete=models.CASCADE, related_name="tempo_worklogs"
    )
    author_account_id = models.CharField(max_length=128)
    time_spent_seconds = models.PositiveIntegerField()
    billable_seconds = models.PositiveIntegerField()
    start_date = models.DateField()
    start_time = models.TimeField(null=True, blank=True)
    description = models.TextField(blank=True)
    tempo_updated_at = models.DateTimeField()
    # The project's full-read generation that last saw it: a full read deletes the older ones.
    sync_generation = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            # Covers the report's aggregate (requests × period → billable seconds): an
            # index-only scan, ~25 % less time than reading the rows (README: Load test).
            models.Index(fields=["request", "start_date", "billable_seconds"]),
            models.Index(fields=["start_date"]),
        ]

    def __str__(self) -> str:
        return f"Tempo worklog {self.tempo_id} on {self.request_id}"


class ProjectSyncState(models.Model):
    """Where the Tempo sync of one project stands: its high-water mark and last full read."""

    project = models.OneToOneField(
        "jsm.JiraProject", on_delete=models.CASCADE, related_name="tempo_sync_state"
    )
    updated_watermark = models.DateTimeField(null=True, blank=True)
    last_full_sync_at = models.DateTimeField(null=True, blank=True)
    generation = models.PositiveIntegerField(default=0)
    problem = models.TextField(
        blank=True,
        help_text="Why the last Tempo sync could not read this project, as a sentence for "
        "people; empty when it was read.",
    )
    problem_since = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Tempo sync state of {self.project_id}"
