"""Tempo's OAuth 2.0 server as the sandbox emulates it (docs/outside-apis.md §2).

The authorization-code grant only, on oauthlib's `WebApplicationServer` with a validator that
keeps applications, codes and tokens in the sandbox's database (only hashes of codes and
tokens). Routes, under /tempo/:

- `GET oauth/authorize/redirect` (and Jira's legacy `plugins/servlet/ac/io.tempo.jira/
  oauth-authorize/`): the consent page; `POST` the same URL with Allow or Deny.
- `POST oauth/token/`: `authorization_code` and `refresh_token` (rotating both tokens).
- `POST oauth/revoke_token/` (RFC 7009): revokes the pair either token belongs to.

What Tempo does not document is assumed and marked so: the error statuses and bodies (RFC
6749 §5.2), the `state` echo, public clients sending the secret as well.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from oauthlib.common import Request as OAuthRequest
from oauthlib.oauth2 import RequestValidator, WebApplicationServer
from oauthlib.oauth2.rfc6749 import errors

from sandbox.jira.models import JiraUser
from sandbox.tempo.models import (
    OAuthApplication,
    OAuthCode,
    OAuthLifetimes,
    OAuthToken,
    hash_value,
)

SCOPES = ["read", "write"]  # what Tempo answers in `scope`: "read write"
FALLBACK_ACCOUNT_ID = "sandbox-api-account"  # as `GET /rest/api/3/myself` without demo data
DENIED_DESCRIPTION = "The user denied access to the application."
# `error_description` of the token endpoint's invalid_grant answers.
CODE_UNKNOWN = "The authorization code is not valid for this client."
CODE_EXPIRED = "The authorization code has expired."
CODE_REPLAYED = "The authorization code was already used; the tokens issued from it are revoked."
REDIRECT_MISMATCH = "The redirect_uri is not the one of the authorization request."
REFRESH_UNKNOWN = "The refresh token is not valid: unknown, already used or revoked."


def _new_pair_expiry(request: OAuthRequest) -> int:
    return OAuthLifetimes.current()[0]


class TempoValidator(RequestValidator):
    """oauthlib's questions answered from the sandbox's tables."""

    # Clients: both client types authenticate with id and secret in the body (assumed for
    # public clients: Tempo's docs show the secret in every call and no PKCE).

    def client_authentication_required(self, request: OAuthRequest, *args: Any, **kw: Any) -> bool:
        return True

    def authenticate_client(self, request: OAuthRequest, *args: Any, **kwargs: Any) -> bool:
        application = _application(request.client_id)
        if application is None or not application.secret_matches(request.client_secret):
            return False
        request.client = application
        return True

    def validate_client_id(self, client_id: str, request: OAuthRequest, *args: Any, **kw: Any):
        application = _application(client_id)
        if application is None:
            return False
        request.client = application
        return True

    def validate_redirect_uri(self, client_id, redirect_uri, request, *args, **kwargs) -> bool:
        application = _application(client_id)
        return application is not None and redirect_uri in application.redirect_uris

    def get_default_redirect_uri(self, client_id, request, *args, **kwargs) -> None:
        # The redirect_uri is required in every call (docs/outside-apis.md §2).
        return None

    def validate_response_type(self, client_id, response_type, client, request, *a, **kw):
        return response_type == "code"

    def get_default_scopes(self, client_id, request, *args, **kwargs) -> list[str]:
        return list(SCOPES)

    def validate_scopes(self, client_id, scopes, client, request, *args, **kwargs) -> bool:
        return True

    def validate_grant_type(self, client_id, grant_type, client, request, *args, **kw) -> bool:
        return grant_type in ("authorization_code", "refresh_token")

    # Authorization codes.

    def save_authorization_code(self, client_id, code, request, *args, **kwargs) -> None:
        application = _application(client_id)
        now = timezone.now()
        OAuthCode.objects.create(
            application=application,
            code_hash=hash_value(code["code"]),
            redirect_uri=request.redirect_uri,
            account_id=request.user,
            created_at=now,
            expires_at=now + timedelta(seconds=OAuthLifetimes.current()[1]),
        )

    def validate_code(self, client_id, code, client, request, *args, **kwargs) -> bool:
        """A known, unexpired code of this client, taken for good by this call.

        A code used before is a replay: every token issued from it is revoked
        (RFC 6749 §4.1.2). Taking it is a conditional UPDATE, so of two concurrent calls
        with one code only one wins.
        """
        found = OAuthCode.objects.filter(application=client, code_hash=hash_value(code)).first()
        if found is None:
            raise _invalid_grant(request, CODE_UNKNOWN)
        if found.used_at is not None:
            OAuthToken.objects.filter(code=found).revoke()
            raise _invalid_grant(request, CODE_REPLAYED)
        if found.expires_at <= timezone.now():
            raise _invalid_grant(request, CODE_EXPIRED)
        taken = OAuthCode.objects.filter(pk=found.pk, used_at__isnull=True).update(
            used_at=timezone.now()
        )
        if not taken:
            OAuthToken.objects.filter(code=found).revoke()
            raise _invalid_grant(request, CODE_REPLAYED)
        request.user = found.account_id
        request.scopes = list(SCOPES)
        request.sandbox_code = found
        return True

    def confirm_redirect_uri(self, client_id, code, redirect_uri, client, *args, **kw) -> bool:
        request = args[0] if args else kw.get("request")
        if redirect_uri != request.sandbox_code.redirect_uri:
            # RFC 6749 §5.2: a redirect_uri other than the authorization's is invalid_grant
            # (oauthlib would say invalid_request).
            raise _invalid_grant(request, REDIRECT_MISMATCH)
        return True

    def invalidate_authorization_code(self, client_id, code, request, *args, **kw) -> None:
        """Nothing left to do: `validate_code` took the code already."""

    # Tokens.

    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs) -> bool:
        found = (
            OAuthToken.objects.filter(
                application=client, refresh_hash=hash_value(refresh_token), revoked_at__isnull=True
            )
            .select_related("code")
            .first()
        )
        if found is None:
            raise _invalid_grant(request, REFRESH_UNKNOWN)
        redirect_uri = request.redirect_uri
        if not redirect_uri:
            raise errors.InvalidRequestError(
                description="Missing redirect_uri parameter.", request=request
            )
        if redirect_uri != found.redirect_uri:
            raise _invalid_grant(request, REDIRECT_MISMATCH)
        request.user = found.account_id
        request.sandbox_refreshed = found
        return True

    def get_original_scopes(self, refresh_token, request, *args, **kwargs) -> list[str]:
        return list(SCOPES)

    def save_bearer_token(self, token, request, *args, **kwargs) -> None:
        """Store the new pair; on a refresh, revoke the old pair at the same moment."""
        now = timezone.now()
        old: OAuthToken | None = getattr(request, "sandbox_refreshed", None)
        with transaction.atomic():
            if old is not None:
                if not OAuthToken.objects.filter(pk=old.pk, revoked_at__isnull=True).update(
                    revoked_at=now
                ):
                    # A concurrent refresh with the same token won.
                    raise _invalid_grant(request, REFRESH_UNKNOWN)
                code_id, redirect_uri = old.code_id, old.redirect_uri
            else:
                code_id, redirect_uri = request.sandbox_code.pk, request.redirect_uri
            OAuthToken.objects.create(
                application=request.client,
                code_id=code_id,
                account_id=request.user,
                redirect_uri=redirect_uri,
                access_hash=hash_value(token["access_token"]),
                refresh_hash=hash_value(token["refresh_token"]),
                created_at=now,
                access_expires_at=now + timedelta(seconds=token["expires_in"]),
            )

    def revoke_token(self, token, token_type_hint, request, *args, **kwargs) -> None:
        """Revoke the pair `token` belongs to, whichever of the two it is (RFC 7009)."""
        digest = hash_value(token)
        pairs = OAuthToken.objects.filter(application=request.client)
        if token_type_hint == "refresh_token":
            found = pairs.filter(refresh_hash=digest) or pairs.filter(access_hash=digest)
        else:
            found = pairs.filter(access_hash=digest) or pairs.filter(refresh_hash=digest)
        OAuthToken.objects.filter(pk__in=[pair.pk for pair in found]).revoke()


def _invalid_grant(request: OAuthRequest, description: str) -> errors.InvalidGrantError:
    return errors.InvalidGrantError(description=description, request=request)


def _application(client_id: str | None) -> OAuthApplication | None:
    if not client_id:
        return None
    return OAuthApplication.objects.filter(client_id=client_id).first()


def server() -> WebApplicationServer:
    return WebApplicationServer(TempoValidator(), token_expires_in=_new_pair_expiry)


def api_account() -> JiraUser:
    """The user an authorization acts for: the sandbox's Jira API account (as `myself`)."""
    return JiraUser.objects.by_ref(settings.SANDBOX_JIRA_EMAIL) or JiraUser(
        account_id=FALLBACK_ACCOUNT_ID,
        email=settings.SANDBOX_JIRA_EMAIL,
        display_name=settings.SANDBOX_JIRA_EMAIL,
    )


def authorize_without_browser(application: OAuthApplication, redirect_uri: str) -> str:
    """A code for `application`, as if the API account had pressed Allow (control endpoint)."""
    uri = f"http://sandbox.invalid/oauth/authorize?{urlencode(_query(application, redirect_uri))}"
    oauth = server()
    scopes, _ = oauth.validate_authorization_request(uri)
    headers, _, _ = oauth.create_authorization_response(
        uri, scopes=scopes, credentials={"user": api_account().account_id}
    )
    return dict(_parse_query(headers["Location"]))["code"]


def _query(application: OAuthApplication, redirect_uri: str) -> dict[str, str]:
    return {
        "client_id": application.client_id,
        "redirect_uri": redirect_uri,
        "response_type": "code",
    }


def _parse_query(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query, keep_blank_values=True)


def _authorization_uri(request: HttpRequest) -> str:
    """The request's URL as oauthlib needs it: Tempo's links carry no `response_type`."""
    params = list(request.GET.lists())
    query = [(key, value) for key, values in params for value in values]
    if "response_type" not in request.GET:
        query.append(("response_type", "code"))
    url = urlsplit(request.build_absolute_uri())
    return urlunsplit((url.scheme, url.netloc, url.path, urlencode(query), ""))


@never_cache
@require_http_methods(["GET", "POST"])
def authorize(request: HttpRequest) -> HttpResponse:
    """The consent page. A bad client or redirect URI is reported here, never redirected to
    (RFC 6749 §4.1.2.1); anything else goes back to the redirect URI."""
    uri = _authorization_uri(request)
    oauth = server()
    try:
        scopes, info = oauth.validate_authorization_request(uri)
    except errors.FatalClientError as error:
        return _error_page(request, error)
    except errors.OAuth2Error as error:
        return _redirect(error.in_uri(error.redirect_uri or request.GET.get("redirect_uri", "")))
    application: OAuthApplication = info["request"].client
    account = api_account()
    if request.method == "GET":
        return render(
            request,
            "sandbox/tempo/oauth_consent.html",
            {
                "application": application,
                "account": account,
                "jira_url": request.GET.get("jira_url", ""),
            },
        )
    if request.POST.get("decision") != "allow":
        params = {"error": "access_denied", "error_description": DENIED_DESCRIPTION}
        if info.get("state") is not None:
            params["state"] = info["state"]
        return _redirect(_with_query(info["redirect_uri"], params))
    headers, _, _ = oauth.create_authorization_response(
        uri, scopes=scopes, credentials={"user": account.account_id}
    )
    return _redirect(headers["Location"])


def _with_query(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = urlencode([*_parse_query(url), *params.items()])
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def _redirect(location: str) -> HttpResponse:
    # Not HttpResponseRedirect: the application's redirect URI may use any scheme it
    # registered, and Django's check would refuse some.
    response = HttpResponse(status=302)
    response["Location"] = location
    return response


def _error_page(request: HttpRequest, error: errors.OAuth2Error) -> HttpResponse:
    if isinstance(error, errors.InvalidClientIdError | errors.MissingClientIdError):
        message = "No OAuth 2.0 application has this client_id."
    elif isinstance(error, errors.MissingRedirectURIError):
        message = "The redirect_uri parameter is missing."
    elif isinstance(error, errors.MismatchingRedirectURIError | errors.InvalidRedirectURIError):
        message = "The redirect_uri is not one of the application's registered redirect URLs."
    else:
        message = error.description or "The authorization request is invalid."
    return render(
        request,
        "sandbox/tempo/oauth_error.html",
        {"error": error.error, "message": message},
        status=400,
    )


def _form_body(request: HttpRequest) -> str:
    return urlencode([(key, value) for key, values in request.POST.lists() for value in values])


def _answer(headers: dict[str, str], body: str | None, status: int) -> HttpResponse:
    response = HttpResponse(body or "", status=status)
    for name, value in headers.items():
        response[name] = value
    if body and "Content-Type" not in headers:
        response["Content-Type"] = "application/json"
    return response


def _endpoint_uri(request: HttpRequest) -> str:
    return request.build_absolute_uri()


@csrf_exempt
@require_POST
def token(request: HttpRequest) -> HttpResponse:
    """`POST /oauth/token/`: both grants; errors per RFC 6749 §5.2 (assumed for Tempo)."""
    try:
        headers, body, status = server().create_token_response(
            _endpoint_uri(request),
            "POST",
            _form_body(request),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
    except errors.OAuth2Error as error:
        headers, body, status = error.headers, error.json, error.status_code
    return _answer(headers, body, status)


@csrf_exempt
@require_POST
def revoke_token(request: HttpRequest) -> HttpResponse:
    """`POST /oauth/revoke_token/` (RFC 7009): 200 also for a token it does not know."""
    headers, body, status = server().create_revocation_response(
        _endpoint_uri(request),
        "POST",
        _form_body(request),
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    return _answer(headers, body, status)
