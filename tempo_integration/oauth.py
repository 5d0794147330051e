"""Tempo's OAuth 2.0 endpoints, as a client (docs/outside-apis.md §2).

Tempo lets an integration in with an OAuth 2.0 application an administrator registers in
Tempo (client id and secret, redirect URLs). This module knows the three endpoints and
nothing of the database:

- the **authorization URL** the administrator's browser is sent to (Tempo's recommended
  ``{TEMPO_BASE_URL}/oauth/authorize/redirect`` with ``jira_url``, or the legacy Jira-site
  URL through ``TEMPO_OAUTH_AUTHORIZE_URL``), with a ``state`` checked on return;
- ``POST {TEMPO_BASE_URL}/oauth/token/``: an authorization code or a refresh token for a new
  access token **and** a new refresh token (rotation: both old ones stop working);
- ``POST {TEMPO_BASE_URL}/oauth/revoke_token/``.

Authlib builds the authorization URL and the form bodies and parses the callback (RFC 6749
§4.1); the requests go through the app's one transport (``JsonHttpClient``: timeouts, a
deadline per call, retries of 429/5xx within a budget, no secret in a message). The client
id and secret travel in the form body, never in a URL; only the authorization URL carries
the client id (not a secret), as RFC 6749 §4.1.1 has it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from authlib.common.security import generate_token
from authlib.oauth2.rfc6749 import parameters
from authlib.oauth2.rfc6749.errors import InsecureTransportError
from django.conf import settings
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from worklog_report.http_client import JsonHttpClient, ServiceUnavailable
from worklog_report.redaction import register_secret

# Tempo's access tokens live 60 days (docs/outside-apis.md §2); a token answer without
# ``expires_in`` is taken to live this long.
DEFAULT_LIFETIME = dt.timedelta(seconds=5_184_000)
# Renew when this much of the lifetime is left: 7 days of a 60-day token, 1 s of a 5-s one.
RENEW_BEFORE_MAX = dt.timedelta(days=7)
RENEW_BEFORE_FRACTION = 0.2
# Token and revoke calls wait like a person clicking a button, not like a sync.
TIMEOUT = (5.0, 15.0)
RETRY_BUDGET = 10.0


class OAuthError(Exception):
    """Base class: an OAuth call to Tempo did not give what was asked."""


class OAuthRefused(OAuthError):
    """Tempo answered an RFC 6749 §5.2 error: ``error`` is its code (``invalid_grant``,
    ``invalid_client``, ``unsupported_grant_type``…), ``description`` its words if any."""

    def __init__(self, status: int, error: str, description: str = "") -> None:
        self.status = status
        self.error = error
        self.description = description
        super().__init__(f"Tempo refused the OAuth request ({status} {error}).")


class OAuthUnavailable(OAuthError, ServiceUnavailable):
    """Tempo's OAuth endpoint could not be reached or did not answer sensibly in time."""


@dataclass(frozen=True)
class TokenSet:
    """What the token endpoint hands out. ``expires_at`` is UTC."""

    access_token: str
    refresh_token: str
    issued_at: dt.datetime
    expires_at: dt.datetime

    @property
    def renews_at(self) -> dt.datetime:
        return renews_at(self.issued_at, self.expires_at)


def renews_at(issued_at: dt.datetime, expires_at: dt.datetime) -> dt.datetime:
    """When an access token is renewed: 7 days before it expires, or the last fifth of a
    shorter lifetime (UTC datetimes in, UTC out)."""
    margin = min(RENEW_BEFORE_MAX, (expires_at - issued_at) * RENEW_BEFORE_FRACTION)
    return expires_at - margin


def new_state() -> str:
    """An unguessable ``state`` value (RFC 6749 §10.12), 43 characters."""
    return generate_token(43)


def authorize_url() -> str:
    """The authorization endpoint: ``TEMPO_OAUTH_AUTHORIZE_URL``, by default Tempo's
    recommended ``{TEMPO_BASE_URL}/oauth/authorize/redirect``."""
    recommended = f"{settings.TEMPO_BASE_URL}/oauth/authorize/redirect"
    return settings.TEMPO_OAUTH_AUTHORIZE_URL or recommended


def token_url() -> str:
    return f"{settings.TEMPO_BASE_URL}/oauth/token/"


def revoke_url() -> str:
    return f"{settings.TEMPO_BASE_URL}/oauth/revoke_token/"


def consent_origin() -> str | None:
    """The origin (``scheme://host[:port]``) of the consent page, or None when it is an
    ``http`` address that is not loopback (never allowed)."""
    url = authorize_url()
    try:
        InsecureTransportError.check(url)
    except InsecureTransportError:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def authorization_request(client_id: str, redirect_uri: str, state: str) -> str:
    """The URL of Tempo's consent page for this application.

    ``jira_url`` (the recommended endpoint's way of knowing the Jira site) is the configured
    ``JIRA_BASE_URL``. Raises InsecureTransportError for an ``http`` endpoint that is not on
    loopback (RFC 8252 §7.3 allows loopback: the sandbox).
    """
    url = authorize_url()
    InsecureTransportError.check(url)
    extra = {"jira_url": settings.JIRA_BASE_URL or None}
    return parameters.prepare_grant_uri(
        url, client_id, "code", redirect_uri=redirect_uri, state=state, **extra
    )


def parse_callback(full_url: str, state: str) -> str:
    """The ``code`` of a callback whose ``state`` matches; raises Authlib's
    MissingCodeException or MismatchingStateException otherwise."""
    return parameters.parse_authorization_code_response(full_url, state=state)["code"]


class TempoOAuthClient(JsonHttpClient):
    """The token and revoke endpoints, for one application's client id and secret."""

    service = "Tempo"
    unavailable_error = OAuthUnavailable

    def __init__(self, client_id: str, client_secret: str, *, retry_budget: float | None = None):
        register_secret(client_secret)
        super().__init__(
            settings.TEMPO_BASE_URL,
            {},
            timeout=TIMEOUT,
            retry_budget=RETRY_BUDGET if retry_budget is None else retry_budget,
        )
        self.client_id = client_id
        self.client_secret = client_secret

    def raise_for_refusal(self, response: requests.Response) -> None:
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and isinstance(body.get("error"), str):
            raise OAuthRefused(
                response.status_code, body["error"], str(body.get("error_description") or "")
            )
        raise OAuthRefused(response.status_code, f"HTTP {response.status_code}")

    def parse(self, response: requests.Response, attempt: int) -> Any:
        # The revoke endpoint answers 200 with an empty body (RFC 7009 §2.2).
        if not response.content.strip():
            return None
        return super().parse(response, attempt)

    @sensitive_variables()
    def exchange_code(self, code: str, redirect_uri: str) -> TokenSet:
        """An authorization code for a token set (RFC 6749 §4.1.3). Raises OAuthRefused or
        OAuthUnavailable."""
        return self._token_request("authorization_code", redirect_uri, code=code)

    @sensitive_variables()
    def refresh(self, refresh_token: str, redirect_uri: str) -> TokenSet:
        """A refresh token for a new token set; Tempo rotates both (docs/outside-apis.md §2).
        Raises OAuthRefused (``invalid_grant``: the grant is gone) or OAuthUnavailable."""
        return self._token_request("refresh_token", redirect_uri, refresh_token=refresh_token)

    @sensitive_variables()
    def revoke(self, token: str, token_type_hint: str) -> None:
        """Revoke one token (RFC 7009; Tempo's form fields, docs/outside-apis.md §2)."""
        body = {
            "token_type_hint": token_type_hint,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "token": token,
        }
        self._post(revoke_url(), body)

    @sensitive_variables()
    def _token_request(self, grant_type: str, redirect_uri: str, **grant: str) -> TokenSet:
        body = parameters.prepare_token_request(
            grant_type,
            redirect_uri=redirect_uri,
            client_id=self.client_id,
            client_secret=self.client_secret,
            **grant,
        )
        answer = self._post(token_url(), body)
        return _token_set(answer)

    @sensitive_variables()
    def _post(self, url: str, body: str | dict) -> Any:
        InsecureTransportError.check(url)
        return self.request_json(
            "POST",
            url,
            data=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )


@sensitive_variables()
def _token_set(answer: Any) -> TokenSet:
    if not isinstance(answer, dict):
        raise OAuthUnavailable("Tempo answered the token request with JSON that is not a token.")
    access, refresh = answer.get("access_token"), answer.get("refresh_token")
    if not isinstance(access, str) or not access or not isinstance(refresh, str) or not refresh:
        raise OAuthUnavailable("Tempo's token answer has no access token and refresh token.")
    if str(answer.get("token_type", "Bearer")).lower() != "bearer":
        raise OAuthUnavailable("Tempo's token answer is not a Bearer token.")
    register_secret(access)
    register_secret(refresh)
    try:
        lifetime = dt.timedelta(seconds=int(answer["expires_in"]))
    except (KeyError, TypeError, ValueError):
        lifetime = DEFAULT_LIFETIME
    now = timezone.now()
    return TokenSet(access, refresh, issued_at=now, expires_at=now + lifetime)
