"""Basic authentication of the emulated Jira: the administrator and a plain agent.

The administrator is the account the app uses; the agent (credentials.py) is accepted by
every route but refused, 403, by the routes only Jira administrators may call (`admin_only`:
admin webhooks, Atlassian's "Webhooks" page: "you must be a Jira administrator").

Only a SHA-256 of the API token is kept (settings.SANDBOX_JIRA_API_TOKEN_SHA256), and the
comparison is constant-time, as for any credential check.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from sandbox.jira.credentials import token_hash
from sandbox.jira.errors import PLATFORM, SERVICE_DESK, JiraError, error_response

View = Callable[..., HttpResponse]

logger = logging.getLogger(__name__)

NOT_AUTHENTICATED = {
    PLATFORM: "You are not authenticated. Authentication required to perform this operation.",
    SERVICE_DESK: "This request requires authentication: send valid Basic credentials.",
}


def basic_credentials(request: HttpRequest) -> tuple[str, str] | None:
    """(e-mail, API token) from `Authorization: Basic ...`, or None when absent or garbled."""
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    email, separator, api_token = decoded.partition(":")
    if not separator:
        return None
    return email, api_token


ADMIN = "admin"
AGENT = "agent"
NOT_ADMIN = "You do not have permission to perform this operation: it needs Jira administration."


def authenticated_account(request: HttpRequest) -> str | None:
    """`ADMIN` or `AGENT` for the account whose Basic credentials came, else None."""
    credentials = basic_credentials(request)
    if credentials is None:
        return None
    email, api_token = credentials
    email = email.strip().lower()
    digest = token_hash(api_token)
    accounts = [(ADMIN, settings.SANDBOX_JIRA_EMAIL, settings.SANDBOX_JIRA_API_TOKEN_SHA256)]
    # Read with defaults: the app's own test run imports this module under its settings.
    agent_email = getattr(settings, "SANDBOX_JIRA_AGENT_EMAIL", None)
    agent_hash = getattr(settings, "SANDBOX_JIRA_AGENT_API_TOKEN_SHA256", None)
    if agent_email and agent_hash:
        accounts.append((AGENT, agent_email, agent_hash))
    for account, known_email, known_hash in accounts:
        # Both comparisons always run, so timing does not tell which part was wrong.
        email_ok = email == known_email.lower()
        token_ok = hmac.compare_digest(digest, known_hash)
        if email_ok and token_ok:
            return account
    return None


def is_authenticated(request: HttpRequest) -> bool:
    return authenticated_account(request) is not None


def jira_api(style: str, *, admin_only: bool = False) -> Callable[[View], View]:
    """Guard a Jira view: 401 without a sandbox account, `JiraError` rendered in `style`.

    `style` is `errors.PLATFORM` or `errors.SERVICE_DESK`, the error body of the route's API.
    `admin_only` routes answer 403 to the non-administrator agent.
    """

    def decorator(view: View) -> View:
        # API clients send no CSRF token: Jira authenticates by header, not cookie.
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            account = authenticated_account(request)
            if account is None:
                error = JiraError(
                    401, NOT_AUTHENTICATED[style], i18n_key="sd.request.error.unauthenticated"
                )
                response = error_response(error, style)
                response["WWW-Authenticate"] = 'Basic realm="Jira sandbox"'
                return response
            if admin_only and account != ADMIN:
                return error_response(JiraError(403, NOT_ADMIN), style)
            try:
                return view(request, *args, **kwargs)
            except JiraError as error:
                return error_response(error, style)
            except Exception:
                # Jira answers an unexpected failure as a JSON 500 in the route's error
                # body, never as a (Django debug) HTML page; the traceback goes to the log.
                logger.exception("Jira sandbox view %s failed", view.__name__)
                error = JiraError(
                    500, "Internal server error.", i18n_key="sd.error.internal.server"
                )
                return error_response(error, style)

        return wrapper

    return decorator
