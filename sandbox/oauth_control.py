"""The control endpoint's Tempo OAuth 2.0 part (docs/sandbox.md, "OAuth 2.0 Applications").

Loopback only, JSON in and out, errors as `{"error": sentence}`, like the rest of
`control.py`. Token values never leave the sandbox here: counts only.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sandbox.control import ControlError, NotFound, control_view, integer, json_body
from sandbox.tempo.forms import is_redirect_url
from sandbox.tempo.models import (
    OAuthApplication,
    OAuthClientType,
    OAuthLifetimes,
    OAuthToken,
)
from sandbox.tempo.oauth import authorize_without_browser

NAME_MAX_LENGTH = OAuthApplication._meta.get_field("name").max_length
# The longest lifetime the control endpoint sets: ten years, in seconds.
MAX_LIFETIME_SECONDS = 10 * 365 * 24 * 3600


@control_view
@require_POST
def create_application(request: HttpRequest) -> HttpResponse:
    """`{name, redirect_uris: [...], client_type}` → `{id, client_id, client_secret}`."""
    body = json_body(request)
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ControlError("'name' must be the application's name.")
    if len(name) > NAME_MAX_LENGTH:
        raise ControlError(f"'name' must be at most {NAME_MAX_LENGTH} characters.")
    uris = body.get("redirect_uris")
    if not isinstance(uris, list) or not uris or not all(isinstance(u, str) for u in uris):
        raise ControlError("'redirect_uris' must be a list of one or more URLs.")
    bad = [uri for uri in uris if not is_redirect_url(uri)]
    if bad:
        raise ControlError(f"'redirect_uris' must be absolute http(s) URLs, not: {', '.join(bad)}.")
    client_type = body.get("client_type", OAuthClientType.CONFIDENTIAL)
    if client_type not in OAuthClientType.values:
        raise ControlError(f"'client_type' must be one of: {', '.join(OAuthClientType.values)}.")
    application = OAuthApplication.objects.create(
        name=name.strip(), redirect_uris=list(dict.fromkeys(uris)), client_type=client_type
    )
    return JsonResponse(_credentials(application), status=201)


@control_view
@require_POST
def delete_application(request: HttpRequest) -> HttpResponse:
    _application(json_body(request)).delete()
    return JsonResponse({"ok": True})


@control_view
@require_POST
def new_secret(request: HttpRequest) -> HttpResponse:
    application = _application(json_body(request))
    return JsonResponse({"client_secret": application.new_secret()})


@control_view
@require_POST
def authorize(request: HttpRequest) -> HttpResponse:
    """`{client_id, redirect_uri}` → `{code}`: consent given by the API account, no browser."""
    body = json_body(request)
    application = _application(body)
    redirect_uri = body.get("redirect_uri")
    if not isinstance(redirect_uri, str) or redirect_uri not in application.redirect_uris:
        raise ControlError("'redirect_uri' must be one of the application's redirect URLs.")
    return JsonResponse({"code": authorize_without_browser(application, redirect_uri)})


@control_view
@require_POST
def expire(request: HttpRequest) -> HttpResponse:
    """Every live access token of the application expires now; refresh tokens still work."""
    application = _application(json_body(request))
    expired = (
        OAuthToken.objects.live()
        .filter(application=application)
        .update(access_expires_at=timezone.now())
    )
    return JsonResponse({"expired": expired})


@control_view
@require_POST
def revoke(request: HttpRequest) -> HttpResponse:
    """Revoke every access and refresh token of the application."""
    application = _application(json_body(request))
    return JsonResponse({"revoked": OAuthToken.objects.filter(application=application).revoke()})


@control_view
@require_http_methods(["GET", "POST", "DELETE"])
def lifetimes(request: HttpRequest) -> HttpResponse:
    """GET the lifetimes in force; POST `{access_seconds?, code_seconds?}` to change them;
    DELETE goes back to the `SANDBOX_TEMPO_OAUTH_*_SECONDS` settings."""
    if request.method == "DELETE":
        OAuthLifetimes.objects.all().delete()
    if request.method == "POST":
        body = json_body(request)
        values: dict[str, int] = {}
        for name in ("access_seconds", "code_seconds"):
            if body.get(name) is not None:
                values[name] = integer(body[name], name, 1, MAX_LIFETIME_SECONDS)
        if not values:
            raise ControlError("Give 'access_seconds', 'code_seconds' or both.")
        OAuthLifetimes.set(**values)
    access, code = OAuthLifetimes.current()
    return JsonResponse({"access_seconds": access, "code_seconds": code})


@control_view
@require_GET
def tokens(request: HttpRequest) -> HttpResponse:
    """Counts of the application's token pairs by state (`?client_id=`); never values."""
    application = _application(request.GET)
    pairs = OAuthToken.objects.filter(application=application)
    return JsonResponse(
        {
            "client_id": application.client_id,
            "live": pairs.live().count(),
            "expired": pairs.expired().count(),
            "revoked": pairs.revoked().count(),
        }
    )


def _application(source: Any) -> OAuthApplication:
    client_id = source.get("client_id")
    if not isinstance(client_id, str) or not client_id:
        raise ControlError("'client_id' must be the application's client id.")
    application = OAuthApplication.objects.filter(client_id=client_id).first()
    if application is None:
        raise NotFound("No OAuth 2.0 application has this client_id.")
    return application


def _credentials(application: OAuthApplication) -> dict[str, Any]:
    return {
        "id": application.pk,
        "name": application.name,
        "client_id": application.client_id,
        "client_secret": application.client_secret,
        "client_type": application.client_type,
        "redirect_uris": application.redirect_uris,
    }
