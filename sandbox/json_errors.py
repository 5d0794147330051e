"""API routes' errors answered as JSON in each service's error body, never as Django's HTML.

The sandbox runs with DEBUG on by default, and Django answers a view's unexpected exception
with its HTML debug page (or a bare HTML 500 without DEBUG). The real services answer JSON
in their own error bodies (docs/outside-apis.md §1, §3), and a client under test must see those:
Tempo's `{"errors": [{"message"}]}`, Jira platform's `{"errorMessages", "errors"}`, JSM's
`{"errorMessage", "i18nErrorMessage"}`, and the control endpoint's `{"error"}`. Settings
pages and the home page are HTML and keep Django's handling. The traceback goes to the log.

Django's own error answers on an API route are rewritten the same way: a 405 of
`require_GET`/`require_POST` (an empty `text/html` answer) or any other 4xx/5xx that is not
JSON becomes that route's JSON error body with the same status, keeping `Allow`,
`Retry-After` and `WWW-Authenticate`. Tempo's 401 and 403 stay the small HTML pages
`tempo/auth.py` sends: docs/outside-apis.md §1 (docs/outside-apis.md) records them as `text/html`
per Tempo's spec. Outside the API prefixes, a 404 is a small plain "Not found" page, never
Django's technical 404 page, whatever SANDBOX_DEBUG says.

Imports stay free of models, so the middleware (and its test) loads without the sandbox's
apps.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from http import HTTPStatus

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from sandbox.jira.errors import PLATFORM, SERVICE_DESK, JiraError, error_response
from sandbox.tempo.responses import json_error

logger = logging.getLogger(__name__)

MESSAGES = {404: "Not found.", 500: "Internal server error."}
I18N_KEYS = {
    404: "sd.error.not.found",
    405: "sd.error.method.not.allowed",
    500: "sd.error.internal.server",
}
KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")
TEMPO_HTML_STATUSES = frozenset({401, 403})  # text/html per Tempo's spec (§1)
NOT_FOUND_PAGE = (
    "<!DOCTYPE html>\n<html><head><title>Not found</title></head>"
    "<body><h1>Not found</h1><p>There is no page at this address.</p></body></html>\n"
)
TEMPO_API = "/tempo/4/"
JSM_API = "/jira/rest/servicedeskapi/"
JIRA = "/jira/"
CONTROL = "/_sandbox/"
# Tempo's legacy OAuth 2.0 consent page on the Jira site: a page, not a Jira API route.
LEGACY_TEMPO_AUTHORIZE = "/jira/plugins/servlet/ac/io.tempo.jira/oauth-authorize/"
# Tempo's OAuth 2.0 token and revocation endpoints answer RFC 6749 §5.2 error bodies.
TEMPO_OAUTH_ENDPOINTS = ("/tempo/oauth/token/", "/tempo/oauth/revoke_token/")


def error_for_path(path: str, status: int = 500, message: str | None = None) -> HttpResponse | None:
    """A `status` answer in the error body of the API `path` belongs to, or None for
    pages."""
    message = message or MESSAGES.get(status) or f"{HTTPStatus(status).phrase}."
    i18n_key = I18N_KEYS.get(status, "sd.request.error")
    if path.startswith(LEGACY_TEMPO_AUTHORIZE):
        return None
    if path.startswith(TEMPO_OAUTH_ENDPOINTS):
        error = "server_error" if status >= 500 else "invalid_request"
        return JsonResponse({"error": error, "error_description": message}, status=status)
    if path.startswith(TEMPO_API):
        return json_error(status, message.rstrip("."))
    if path.startswith(JSM_API):
        return error_response(JiraError(status, message, i18n_key=i18n_key), SERVICE_DESK)
    if path.startswith(JIRA):
        return error_response(JiraError(status, message), PLATFORM)
    if path.startswith(CONTROL):
        return JsonResponse({"error": message}, status=status)
    return None


def _message(request: HttpRequest, response: HttpResponse) -> str | None:
    if response.status_code == 405:
        allowed = response.get("Allow", "")
        return (
            f"The method {request.method} is not supported for this resource; supported: {allowed}."
        )
    return None


def _is_json(response: HttpResponse) -> bool:
    content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
    return content_type == "application/json" or content_type.endswith("+json")


def _as_json(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """A non-JSON error answer of an API route in the route's JSON error body, or the
    answer itself (a page, a success, JSON already, or Tempo's HTML 401/403)."""
    path = request.path_info
    status = response.status_code
    if status < 400 or _is_json(response) or getattr(response, "streaming", False):
        return response
    if path.startswith(TEMPO_API) and status in TEMPO_HTML_STATUSES:
        return response
    rewritten = error_for_path(path, status, _message(request, response))
    if rewritten is None:
        if status == 404:  # a page: never Django's technical 404 page
            return HttpResponse(NOT_FOUND_PAGE, status=404, content_type="text/html; charset=utf-8")
        return response
    for header in KEPT_HEADERS:
        if header in response:
            rewritten[header] = response[header]
    return rewritten


class JsonErrorMiddleware:
    """Answers an exception escaping an API view in JSON: `Http404` as a 404 (Django's
    would be its HTML, under DEBUG its technical page), anything else as a 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return _as_json(request, self.get_response(request))

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, Http404):
            return error_for_path(request.path_info, 404)
        if isinstance(exception, PermissionDenied | SuspiciousOperation):
            return None  # Django's own 403/400 answers: never a debug page.
        response = error_for_path(request.path_info)
        if response is not None:
            logger.error(
                "Sandbox API route %s failed",
                request.path_info,
                exc_info=(type(exception), exception, exception.__traceback__),
            )
        return response


@csrf_exempt
def control_not_found(request: HttpRequest) -> HttpResponse:
    """Unknown routes under /_sandbox/ answer the control endpoint's JSON, not Django's
    HTML 404 (its technical page under DEBUG)."""
    return JsonResponse({"error": "No such sandbox control route."}, status=404)
