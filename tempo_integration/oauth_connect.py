"""Connect with OAuth 2.0: the administrator's round trip through Tempo's consent page
(docs/product.md §4.1; docs/outside-apis.md §2; RFC 6749 §4.1).

``begin`` keeps what the callback needs in the administrator's session (the client secret
encrypted, like every stored secret) and returns the URL of Tempo's consent page.
``finish`` takes Tempo's answer: the pending connection is taken out of the session first,
so an answer can be used once; ``state`` must match; the code is exchanged for tokens, the
access is checked with one call, and only then is anything stored. Every outcome is one
sentence for the flag and one History line, never a secret.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets

from authlib.oauth2.rfc6749.errors import (
    InsecureTransportError,
    MismatchingStateException,
    MissingCodeException,
)
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from . import crypto, oauth, sentences
from .client import TempoAuthError, TempoClient, TempoError, TempoScopeError
from .models import IntegrationEvent, TempoIntegration
from .signals import token_added
from .validation import AddResult, refused, waiting_retry_budget

SESSION_KEY = "tempo_oauth_pending"
# How long a started connection waits for Tempo's answer.
PENDING_LIFETIME = dt.timedelta(minutes=15)
# An RFC 6749 error code is a short word of ASCII; anything else is not repeated to people.
ERROR_CODE = re.compile(r"^[a-z_]{1,40}$")


def redirect_uri(request: HttpRequest) -> str:
    """The callback URL to register in Tempo: this site's, as the browser reaches it."""
    return request.build_absolute_uri(reverse("tempo_integration:oauth_callback"))


@sensitive_variables()
def begin(request: HttpRequest, *, client_id: str, client_secret: str, name: str) -> str:
    """Remember the connection in the session and return where to send the browser.
    Raises InsecureTransportError for an http consent page that is not on loopback."""
    state = oauth.new_state()
    callback = redirect_uri(request)
    url = oauth.authorization_request(client_id, callback, state)
    request.session[SESSION_KEY] = {
        "state": state,
        "client_id": client_id,
        "client_secret": crypto.encrypt(client_secret).ciphertext,
        "name": name,
        "redirect_uri": callback,
        "started_at": timezone.now().isoformat(),
    }
    IntegrationEvent.record(
        IntegrationEvent.Kind.CONNECT_STARTED,
        request.user,
        f"Sent to Tempo to allow the OAuth 2.0 application {name} (client id {client_id}).",
    )
    return url


@sensitive_variables()
def finish(request: HttpRequest) -> AddResult:
    """Tempo's answer at the callback, turned into a stored connection or a sentence."""
    user = request.user
    pending = request.session.pop(SESSION_KEY, None)
    if not isinstance(pending, dict):
        return refused(
            user,
            sentences.OAUTH_NOT_STARTED,
            "An answer from Tempo arrived for "
            "no connection started in this browser (or a second time).",
        )
    name = pending["name"]
    started_at = dt.datetime.fromisoformat(pending["started_at"])
    if timezone.now() - started_at > PENDING_LIFETIME:
        return refused(
            user,
            sentences.OAUTH_EXPIRED,
            f"Connecting {name}: Tempo answered after more than 15 minutes.",
        )
    if not secrets.compare_digest(request.GET.get("state", ""), pending["state"]):
        return refused(
            user,
            sentences.OAUTH_STATE_MISMATCH,
            f"Connecting {name}: Tempo's answer did not carry the connection's state.",
        )
    error = request.GET.get("error")
    if error:
        if error == "access_denied":
            return refused(
                user, sentences.OAUTH_DENIED, f"Connecting {name}: access was denied in Tempo."
            )
        code_word = error if ERROR_CODE.match(error) else "unknown error"
        return refused(
            user,
            sentences.oauth_refused(code_word),
            f"Connecting {name}: Tempo answered {code_word}.",
        )
    try:
        code = oauth.parse_callback(request.build_absolute_uri(), pending["state"])
    except (MissingCodeException, MismatchingStateException):
        return refused(
            user,
            sentences.OAUTH_STATE_MISMATCH,
            f"Connecting {name}: Tempo's answer had no authorization code.",
        )
    try:
        secret = crypto.decrypt(pending["client_secret"])
    except crypto.SecretUnreadable:
        return refused(
            user,
            sentences.OAUTH_EXPIRED,
            f"Connecting {name}: the encryption keys changed while Tempo was asked.",
        )
    return _exchange(user, pending, code, secret)


@sensitive_variables()
def _exchange(user, pending: dict, code: str, secret: str) -> AddResult:
    name, client_id = pending["name"], pending["client_id"]
    try:
        with oauth.TempoOAuthClient(client_id, secret, retry_budget=waiting_retry_budget()) as c:
            tokens = c.exchange_code(code, pending["redirect_uri"])
    except oauth.OAuthRefused as exc:
        message = {
            "invalid_client": sentences.OAUTH_INVALID_CLIENT,
            "unauthorized_client": sentences.OAUTH_INVALID_CLIENT,
            "invalid_grant": sentences.OAUTH_INVALID_GRANT,
        }.get(exc.error)
        if message is None:
            word = exc.error if ERROR_CODE.match(exc.error) else f"HTTP {exc.status}"
            message = sentences.oauth_refused(word)
        return refused(user, message, f"Connecting {name}: {exc}")
    except (oauth.OAuthUnavailable, InsecureTransportError) as exc:
        return refused(user, sentences.OAUTH_UNREACHABLE, f"Connecting {name}: {exc}")
    problem = _check_access(tokens.access_token)
    if problem is not None:
        message, detail = problem
        _revoke_quietly(client_id, secret, tokens)
        return refused(user, message, f"Connecting {name}: {detail}")
    integration = TempoIntegration.store_oauth(
        tokens,
        client_id=client_id,
        client_secret=secret,
        application_name=name,
        redirect_uri=pending["redirect_uri"],
        user=user,
    )
    token_added.send(sender=TempoIntegration, integration=integration)
    return AddResult(ok=True, message=sentences.ADDED)


@sensitive_variables()
def _check_access(access_token: str) -> tuple[str, str] | None:
    """One call with the new access token, as Add does for an API token."""
    try:
        with TempoClient(access_token, retry_budget=waiting_retry_budget()) as client:
            client.check_access()
    except TempoAuthError:
        return sentences.INVALID_TOKEN, "Tempo rejected the new access token (401)."
    except TempoScopeError:
        return sentences.OAUTH_NO_WORKLOG_ACCESS, "The new access token cannot view worklogs (403)."
    except TempoError as exc:
        return sentences.OAUTH_UNREACHABLE, str(exc)
    return None


@sensitive_variables()
def _revoke_quietly(client_id: str, secret: str, tokens: oauth.TokenSet) -> None:
    """Nothing is stored, so tokens Tempo issued must not stay alive there either."""
    try:
        with oauth.TempoOAuthClient(client_id, secret, retry_budget=0) as client:
            client.revoke(tokens.refresh_token, "refresh_token")
            client.revoke(tokens.access_token, "access_token")
    except oauth.OAuthError:
        pass
