"""Bearer-token authentication and scope checks of the emulated Tempo API."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from sandbox.scopes import MANAGE, VIEW
from sandbox.tempo.models import OAuthToken, Token
from sandbox.tempo.responses import BadRequest, html_error, json_error

View = Callable[..., HttpResponse]


def bearer_token(request: HttpRequest) -> str | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def tempo_api(scope: str, *, read_only: bool = False) -> Callable[[View], View]:
    """Guard a Tempo API view: 401 without a working token, 403 without the scope's level.

    GET needs *view*, other methods *manage*, as Tempo's scopes define it. `read_only` marks
    POST routes that only read (`/4/worklogs/search`), which view tokens may call. A view may
    raise `BadRequest`, which becomes Tempo's 400 JSON.
    """

    def decorator(view: View) -> View:
        # API clients send no CSRF token: Tempo authenticates by header, not cookie.
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            value = bearer_token(request)
            # An API-integration token, or an OAuth 2.0 access token acting for its user
            # with full access (docs/outside-apis.md §1: either kind is a Bearer token).
            token = (Token.authenticate(value) or OAuthToken.authenticate(value)) if value else None
            if token is None:
                return html_error(
                    401, "Unauthorized", "The access token is missing, invalid or expired."
                )
            needed = VIEW if read_only or request.method == "GET" else MANAGE
            if not token.allows(scope, needed):
                return html_error(
                    403, "Forbidden", f"The access token does not grant this {scope} operation."
                )
            try:
                return view(request, *args, **kwargs)
            except BadRequest as error:
                return json_error(400, str(error))

        return wrapper

    return decorator
