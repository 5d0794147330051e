"""Basic authentication of the emulated Jira: one account, e-mail and API token.

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


def is_authenticated(request: HttpRequest) -> bool:
    credentials = basic_credentials(request)
    if credentials is None:
        return False
    email, api_token = credentials
    email_ok = email.strip().lower() == settings.SANDBOX_JIRA_EMAIL.lower()
    token_ok = hmac.compare_digest(token_hash(api_token), settings.SANDBOX_JIRA_API_TOKEN_SHA256)
    return email_ok and token_ok


def jira_api(style: str) -> Callable[[View], View]:
    """Guard a Jira view: 401 without the sandbox account, `JiraError` rendered in `style`.

    `style` is `errors.PLATFORM` or `errors.SERVICE_DESK`, the error body of the route's API.
    """

    def decorator(view: View) -> View:
        # API clients send no CSRF token: Jira authenticates by header, not cookie.
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            if not is_authenticated(request):
                error = JiraError(
                    401, NOT_AUTHENTICATED[style], i18n_key="sd.request.error.unauthenticated"
                )
                response = error_response(error, style)
                response["WWW-Authenticate"] = 'Basic realm="Jira sandbox"'
                return response
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
