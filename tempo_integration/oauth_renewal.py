"""Silent renewal of the OAuth 2.0 access token (docs/product.md §4.1; docs/outside-apis.md §2).

Tempo's access tokens live 60 days and each refresh **rotates** both tokens: the old access
and refresh tokens stop working the moment the new ones are issued. So two processes (two
workers, a worker and the web) must never both spend the same refresh token: the second
would get ``invalid_grant`` and the connection would be lost.

One row, one claim, the same on SQLite and PostgreSQL: a renewal first takes a short lease
on the integration row with one conditional UPDATE (``credentials_version`` unchanged and
no live claim), as ``TempoIntegration.claim_check`` and the sync lock do. The winner calls
Tempo and writes the new pair with ``credentials_version + 1`` in one UPDATE that only
applies to the version it started from; everyone else waits for the version to change and
uses the winner's token. A refresh Tempo refuses (``invalid_grant``: the application was
deleted, its secret changed, its user lost access) turns the integration Invalid; Tempo
being unreachable releases the claim and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from . import crypto, oauth
from .client import TempoAuthError, TempoUnavailable
from .models import IntegrationEvent, TempoIntegration

logger = logging.getLogger(__name__)

# How long one renewal may hold its claim: the token call's retry budget and deadline fit.
CLAIM = dt.timedelta(seconds=60)
# How often a process waiting for another one's renewal looks at the row again (seconds).
POLL_INTERVAL = 0.2


def refused_detail(exc: oauth.OAuthRefused) -> str:
    return (
        f"Tempo refused to renew the OAuth 2.0 access token ({exc.error}): the application "
        "was deleted or its secret changed in Tempo, or its user lost access."
    )


class Access:
    """The access token a TempoClient sends, and how to get the next one.

    ``version`` is the integration's ``credentials_version`` the token belongs to, so a
    client whose token was rejected renews only if nobody has renewed since.
    """

    def __init__(self, pk: int, token: str, version: int) -> None:
        self.pk = pk
        self.token = token
        self.version = version

    @classmethod
    @sensitive_variables()
    def current(cls, integration: TempoIntegration) -> Access:
        """The stored access token, renewed first when its renewal time has come.

        A renewal that cannot reach Tempo while the token still works is logged and the
        token used (the next client tries again); past its expiry it raises TempoUnavailable.
        Raises TempoAuthError when Tempo refuses the renewal, SecretUnreadable when a
        stored secret cannot be decrypted.
        """
        renews_at = integration.renews_at
        now = timezone.now()
        if renews_at is not None and now >= renews_at:
            try:
                return renew(integration.pk, integration.credentials_version)
            except TempoUnavailable as exc:
                if now >= integration.access_token_expires_at:
                    raise
                logger.warning("The OAuth access token could not be renewed yet: %s", exc)
        return cls(integration.pk, integration.token(), integration.credentials_version)

    @sensitive_variables()
    def renew_after_rejection(self) -> str:
        """Tempo answered 401 to this token: the renewed token (ours or another process's).
        Raises TempoAuthError or TempoUnavailable as ``renew`` does."""
        renewed = renew(self.pk, self.version)
        self.token, self.version = renewed.token, renewed.version
        return self.token


@sensitive_variables()
def renew(pk: int, from_version: int, *, wait: float | None = None) -> Access:
    """Renew the access token of version ``from_version``, or return the token of a newer
    version when another process has renewed (or an admin replaced the credentials).

    ``wait`` is the longest time in seconds to wait for another process's renewal (default:
    the claim's length). Raises TempoAuthError when the integration is gone, not OAuth, not
    Active or Tempo refuses the renewal (then Invalid), TempoUnavailable when Tempo cannot
    be reached (nothing changed) or the other renewal takes too long, SecretUnreadable.
    """
    give_up_at = time.monotonic() + (CLAIM.total_seconds() if wait is None else wait)
    while True:
        row = TempoIntegration.objects.filter(pk=pk).first()
        if row is None or not row.is_oauth or not row.is_active:
            raise TempoAuthError("The Tempo OAuth 2.0 connection is no longer active.")
        if row.credentials_version != from_version:
            return Access(pk, row.token(), row.credentials_version)
        now = timezone.now()
        unclaimed = Q(renewal_claimed_until__isnull=True) | Q(renewal_claimed_until__lte=now)
        claimed = (
            TempoIntegration.objects.filter(pk=pk, credentials_version=from_version)
            .filter(unclaimed)
            .update(renewal_claimed_until=now + CLAIM)
        )
        if claimed:
            return _refresh(row)
        if time.monotonic() >= give_up_at:
            raise TempoUnavailable("Another process is still renewing the OAuth access token.")
        time.sleep(POLL_INTERVAL)


@sensitive_variables()
def _refresh(row: TempoIntegration) -> Access:
    """Spend the refresh token (we hold the claim) and store the new pair."""
    try:
        client_id, secret = row.oauth_credentials()
        with oauth.TempoOAuthClient(
            client_id, secret, retry_budget=min(settings.TEMPO_RETRY_BUDGET, 30.0)
        ) as client:
            tokens = client.refresh(row.refresh_token(), row.oauth_redirect_uri)
    except oauth.OAuthRefused as exc:
        if exc.status in (400, 401):
            detail = refused_detail(exc)
            row.mark_invalid(detail)
            _release(row)
            raise TempoAuthError(detail) from None
        _release(row)
        raise TempoUnavailable(str(exc)) from None
    except oauth.OAuthUnavailable as exc:
        _release(row)
        raise TempoUnavailable(str(exc)) from None
    except BaseException:
        _release(row)
        raise
    sealed_access = crypto.encrypt(tokens.access_token)
    written = TempoIntegration.objects.filter(
        pk=row.pk, credentials_version=row.credentials_version
    ).update(
        token_ciphertext=sealed_access.ciphertext,
        key_id=sealed_access.key_id,
        refresh_token_ciphertext=crypto.encrypt(tokens.refresh_token).ciphertext,
        access_token_issued_at=tokens.issued_at,
        access_token_expires_at=tokens.expires_at,
        credentials_version=F("credentials_version") + 1,
        renewal_claimed_until=None,
        last_verified_at=tokens.issued_at,
    )
    if not written:
        # An admin replaced or revoked the credentials while Tempo answered: theirs win.
        return renew(row.pk, row.credentials_version)
    IntegrationEvent.record(
        IntegrationEvent.Kind.RENEWED,
        None,
        "Renewed the OAuth 2.0 access token; the new one is valid until "
        f"{tokens.expires_at:%d %b %Y, %H:%M} UTC.",
    )
    return Access(row.pk, tokens.access_token, row.credentials_version + 1)


def _release(row: TempoIntegration) -> None:
    TempoIntegration.objects.filter(pk=row.pk, credentials_version=row.credentials_version).update(
        renewal_claimed_until=None
    )
