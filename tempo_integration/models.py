"""The Tempo integration: one encrypted token per site, and its history.

See docs/product.md §4.1 and §7.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from worklog_report.month_summary import MonthSummary
from worklog_report.redaction import register_secret

from . import crypto, oauth

# Opening the tab re-checks a token last verified longer ago than this; the claim below makes
# that at most one call to Tempo a minute, however many people open the tab (issue 13).
RECHECK_AFTER = dt.timedelta(minutes=1)
# The tab warns this many days before the recorded expiry date.
EXPIRY_WARNING_DAYS = 7


class TempoIntegration(models.Model):
    """The site's Tempo credentials, encrypted. At most one row exists (``slot`` is always 1).

    Either an API token (``method`` api_token: ``token_ciphertext`` is the token) or an
    OAuth 2.0 application (``method`` oauth: ``token_ciphertext`` is the current access
    token, beside the refresh token and the application's client secret; each renewal
    replaces both tokens and adds 1 to ``credentials_version``). Every secret is encrypted
    with the same key, whose id is ``key_id`` (docs/product.md §4.1, §7).
    """

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        INVALID = "invalid", "Invalid"

    class Method(models.TextChoices):
        API_TOKEN = "api_token", "API token"
        OAUTH = "oauth", "OAuth 2.0 application"

    # Every encrypted field, for rotate_encryption_keys.
    SECRET_FIELDS = ("token_ciphertext", "client_secret_ciphertext", "refresh_token_ciphertext")

    slot = models.PositiveSmallIntegerField(default=1, unique=True, editable=False)
    method = models.CharField(max_length=10, choices=Method.choices, default=Method.API_TOKEN)
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

    # OAuth 2.0 only (empty for an API token).
    oauth_application_name = models.CharField(max_length=100, blank=True)
    oauth_client_id = models.CharField(max_length=255, blank=True)
    oauth_redirect_uri = models.CharField(max_length=2000, blank=True)
    client_secret_ciphertext = models.TextField(blank=True)
    refresh_token_ciphertext = models.TextField(blank=True)
    access_token_issued_at = models.DateTimeField(null=True, blank=True)
    access_token_expires_at = models.DateTimeField(null=True, blank=True)
    # +1 at every store and renewal: a renewal only writes over the version it started from.
    credentials_version = models.PositiveIntegerField(default=0, editable=False)
    # Until when one process has claimed the renewal of the access token (``oauth_renewal``).
    renewal_claimed_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(slot=1), name="tempo_integration_one_slot"),
        ]

    def __str__(self) -> str:
        return f"Tempo integration ({self.get_status_display()}, {self.credentials_label})"

    @classmethod
    def current(cls) -> TempoIntegration | None:
        return cls.objects.filter(slot=1).first()

    @classmethod
    @sensitive_variables()
    def store(cls, token: str, user) -> TempoIntegration:
        """Encrypt and save a token Tempo has just accepted, replacing any earlier credentials
        (an OAuth connection's are revoked at Tempo once the new token is stored)."""
        fields = {
            **cls._cleared_oauth_fields(),
            "method": cls.Method.API_TOKEN,
            **cls._sealed_fields(token),
            "token_last4": token[-4:],
        }
        integration, created, previous = cls._replace(fields, user)
        IntegrationEvent.record(
            IntegrationEvent.Kind.ADDED,
            user,
            f"Added the token ending in {token[-4:]}."
            if created
            else f"Replaced the Tempo credentials with the token ending in {token[-4:]}.",
        )
        if previous is not None:
            previous.revoke_oauth_at_tempo(user)
        return integration

    @classmethod
    @sensitive_variables()
    def store_oauth(
        cls,
        tokens: oauth.TokenSet,
        *,
        client_id: str,
        client_secret: str,
        application_name: str,
        redirect_uri: str,
        user,
    ) -> TempoIntegration:
        """Save an OAuth 2.0 connection whose access Tempo has just confirmed, replacing any
        earlier credentials (an older OAuth connection's tokens are revoked at Tempo)."""
        sealed_secret = crypto.encrypt(client_secret)
        fields = {
            "method": cls.Method.OAUTH,
            **cls._sealed_fields(tokens.access_token),
            "token_last4": client_id[-4:],
            "oauth_application_name": application_name,
            "oauth_client_id": client_id,
            "oauth_redirect_uri": redirect_uri,
            "client_secret_ciphertext": sealed_secret.ciphertext,
            "refresh_token_ciphertext": crypto.encrypt(tokens.refresh_token).ciphertext,
            "access_token_issued_at": tokens.issued_at,
            "access_token_expires_at": tokens.expires_at,
            "renewal_claimed_until": None,
        }
        integration, created, previous = cls._replace(fields, user)
        IntegrationEvent.record(
            IntegrationEvent.Kind.ADDED,
            user,
            f"Connected the OAuth 2.0 application {application_name} (client id {client_id})."
            if created
            else f"Replaced the Tempo credentials with the OAuth 2.0 application "
            f"{application_name} (client id {client_id}).",
        )
        if previous is not None and previous.refresh_token_ciphertext != (
            integration.refresh_token_ciphertext
        ):
            previous.revoke_oauth_at_tempo(user)
        return integration

    @staticmethod
    @sensitive_variables()
    def _sealed_fields(access: str) -> dict:
        sealed = crypto.encrypt(access)
        now = timezone.now()
        return {
            "token_ciphertext": sealed.ciphertext,
            "key_id": sealed.key_id,
            "status": TempoIntegration.Status.ACTIVE,
            "last_verified_at": now,
            "invalid_since": None,
        }

    @staticmethod
    def _cleared_oauth_fields() -> dict:
        return {
            "oauth_application_name": "",
            "oauth_client_id": "",
            "oauth_redirect_uri": "",
            "client_secret_ciphertext": "",
            "refresh_token_ciphertext": "",
            "access_token_issued_at": None,
            "access_token_expires_at": None,
            "renewal_claimed_until": None,
        }

    @classmethod
    def _replace(cls, fields: dict, user) -> tuple[TempoIntegration, bool, TempoIntegration | None]:
        """Write the one row; returns it, whether it is new, and the previous OAuth row (whose
        tokens the caller revokes at Tempo) if there was one."""
        fields = {
            **fields,
            "added_by": user,
            "added_by_name": user.get_username(),
            "added_at": timezone.now(),
            "credentials_version": models.F("credentials_version") + 1,
        }
        previous = cls.current()
        try:
            with transaction.atomic():
                created = not cls.objects.filter(slot=1).update(**fields)
                if created:
                    fields["credentials_version"] = 1
                    cls.objects.create(slot=1, **fields)
        except IntegrityError:
            # Two saves raced and the other one inserted first: ours replaces it.
            cls.objects.filter(slot=1).update(**fields)
            created = False
        integration = cls.objects.get(slot=1)
        if previous is None or previous.method != cls.Method.OAUTH:
            previous = None
        return integration, created, previous

    @sensitive_variables()
    def token(self) -> str:
        """The plain token (API token or OAuth access token), for the Tempo client only.
        Raises crypto.SecretUnreadable."""
        value = crypto.decrypt(self.token_ciphertext)
        register_secret(value)
        return value

    @property
    def is_oauth(self) -> bool:
        return self.method == self.Method.OAUTH

    @property
    def renews_at(self) -> dt.datetime | None:
        """When the OAuth access token is next renewed (UTC), or None for an API token."""
        if not self.is_oauth or not self.access_token_expires_at:
            return None
        return oauth.renews_at(self.access_token_issued_at, self.access_token_expires_at)

    @sensitive_variables()
    def oauth_credentials(self) -> tuple[str, str]:
        """(client id, client secret) of the OAuth application. Raises SecretUnreadable."""
        secret = crypto.decrypt(self.client_secret_ciphertext)
        register_secret(secret)
        return self.oauth_client_id, secret

    @sensitive_variables()
    def refresh_token(self) -> str:
        value = crypto.decrypt(self.refresh_token_ciphertext)
        register_secret(value)
        return value

    @sensitive_variables()
    def revoke_oauth_at_tempo(self, user) -> bool:
        """Ask Tempo to revoke this OAuth connection's tokens (RFC 7009; best effort: the
        local credentials are erased whatever Tempo answers). True when Tempo confirmed; the
        History says either way. Nothing to do for an API token (Tempo has no revoke route
        for those: it is deleted on Tempo's API Integration page)."""
        if not self.is_oauth:
            return True
        try:
            client_id, secret = self.oauth_credentials()
            pairs = [(self.refresh_token(), "refresh_token"), (self.token(), "access_token")]
            with oauth.TempoOAuthClient(client_id, secret) as client:
                for value, hint in pairs:
                    client.revoke(value, hint)
        except (crypto.SecretUnreadable, oauth.OAuthError) as exc:
            IntegrationEvent.record(
                IntegrationEvent.Kind.REVOKED,
                user,
                f"Tempo could not revoke the tokens of the OAuth 2.0 application "
                f"{self.oauth_application_name} ({str(exc).rstrip('.')}). Delete the "
                "application in Tempo to be sure they no longer work.",
            )
            return False
        IntegrationEvent.record(
            IntegrationEvent.Kind.REVOKED,
            user,
            f"Tempo revoked the tokens of the OAuth 2.0 application {self.oauth_application_name}.",
        )
        return True

    def revoke(self, user) -> None:
        """Erase the credentials and every synced Tempo worklog (docs/product.md §4.1). An
        OAuth connection's tokens are revoked at Tempo before, outside any transaction
        (``revoke_oauth_at_tempo``)."""
        with transaction.atomic():
            erased, _ = Worklog.objects.all().delete()
            ProjectSyncState.objects.all().delete()
            TimesheetApproval.objects.all().delete()
            IntegrationEvent.record(
                IntegrationEvent.Kind.REVOKED,
                user,
                f"Revoked {self.credentials_label} and erased "
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

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def credentials_label(self) -> str:
        """`the token ending in 1234` or `the OAuth 2.0 application Worklog Report`."""
        if self.is_oauth:
            return f"the OAuth 2.0 application {self.oauth_application_name}"
        return f"the token ending in {self.token_last4}"

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
        RENEWED = "renewed", "Renewed"
        CONNECT_STARTED = "connect_started", "Sent to Tempo"

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
            # Names and ids come from people (an application's name, a client id): a long
            # one is cut rather than refused by the column.
            detail=detail if len(detail) <= 300 else f"{detail[:299]}…",
        )


class Worklog(models.Model):
    """A Tempo worklog on a synced JSM request (written only by ``tempo_integration.sync``)."""

    tempo_id = models.BigIntegerField(unique=True)
    request = models.ForeignKey(
        "jsm.Request",
        on_delete=models.CASCADE,
        related_name="tempo_worklogs",
        db_index=False,  # the covering index below starts with it: one index less to write
        # PostgreSQL checks it per statement with triggers, not with a foreign key checked
        # per row (a third of a first sync's database work). SQLite keeps its real foreign
        # key. migrations/0012 explains how and why.
        db_constraint=False,
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
    # Whether the author's Tempo timesheet for the period holding ``start_date`` is approved
    # (``TimesheetApproval``); set in bulk by the sync for projects on approved timesheets only.
    # A database default: the sync's upsert never names it, so a re-read keeps it.
    approved = models.BooleanField(default=False, db_default=False)

    class Meta:
        indexes = [
            # Covers the report's aggregate (requests × period → billable seconds): an
            # index-only scan, ~25 % less time than reading the rows (README: Load test).
            models.Index(fields=["request", "start_date", "billable_seconds"]),
            models.Index(fields=["start_date"]),
        ]

    def __str__(self) -> str:
        return f"Tempo worklog {self.tempo_id} on {self.request_id}"


class WorklogMonth(MonthSummary):
    """Tempo worklogs per request, month and approval, summed by PostgreSQL's triggers on
    ``Worklog`` (``worklog_report.month_summary``); ``seconds*`` are billable seconds. Read by
    the reports over whole months; empty on SQLite."""

    def __str__(self) -> str:
        return f"Tempo worklogs of {self.request_id} in {self.month:%Y-%m}"


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
    # Projects on approved timesheets only: when the approvals were last read, and why Tempo
    # refused them (empty when read). Without a read, approved hours are unavailable.
    approvals_synced_at = models.DateTimeField(null=True, blank=True)
    approvals_problem = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"Tempo sync state of {self.project_id}"


class TimesheetApproval(models.Model):
    """The status of one person's Tempo timesheet for one approval period, as last read
    (``GET /4/timesheet-approvals/user/{accountId}?from``). Tempo has no REOPENED: a reopened
    timesheet is OPEN again."""

    class Status(models.TextChoices):
        OPEN = "OPEN", "Open"
        IN_REVIEW = "IN_REVIEW", "In review"
        APPROVED = "APPROVED", "Approved"

    account_id = models.CharField(max_length=128)
    period_start = models.DateField()
    period_end = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices)
    synced_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account_id", "period_start"], name="timesheet_approval_unique_period"
            ),
        ]
        indexes = [models.Index(fields=["account_id", "period_end"])]

    def __str__(self) -> str:
        return f"Timesheet of {self.account_id} from {self.period_start}: {self.status}"
