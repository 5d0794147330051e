"""Counting API calls and making them misbehave on demand (docs/product.md §2).

`FaultMiddleware` sees every request first. Calls to an emulated service's API are counted,
then, if a fault is queued for that service, answered badly instead of (or around) the
normal view. Settings pages and the control endpoint are never affected.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.utils import timezone

from sandbox.json_errors import LEGACY_TEMPO_AUTHORIZE
from sandbox.models import Fault, FaultKind, RequestCounter, Service
from sandbox.server import hang_up
from sandbox.shapes.jira import platform_error
from sandbox.shapes.tempo import tempo_error

# Path prefixes of each service's API; everything else is pages or the control endpoint.
# None: a page under an API prefix, neither counted nor faulted.
API_PREFIXES: tuple[tuple[str, str | None], ...] = (
    ("/tempo/4/", Service.TEMPO),
    # The OAuth 2.0 token and revocation endpoints; the consent page is a page.
    ("/tempo/oauth/token/", Service.TEMPO_OAUTH),
    ("/tempo/oauth/revoke_token/", Service.TEMPO_OAUTH),
    (LEGACY_TEMPO_AUTHORIZE, None),
    ("/jira/", Service.JIRA),
)

# A dripping answer (issue 12): at least this many bytes, one every DRIP_DELAY seconds unless
# the fault names its own delay. At 0.5 s a byte it would last about 14 hours.
DRIP_LENGTH = 100_000
DRIP_DELAY = 0.5

# What a rate-limited Jira answer claims (assumed: Atlassian publishes no numbers).
JIRA_RATE_LIMIT = 100
JIRA_RATE_LIMIT_WINDOW = 60  # seconds until the quota resets when the fault names none

GetResponse = Callable[[HttpRequest], HttpResponse]

_ERROR_PAGE = (
    "<!DOCTYPE html>\n<html><head><title>{status} {reason}</title></head>"
    "<body><h1>{status} {reason}</h1><p>Sandbox fault: the service is having trouble.</p>"
    "</body></html>\n"
)
_MAINTENANCE_PAGE = (
    "<!DOCTYPE html>\n<html><head><title>Down for maintenance</title></head>"
    "<body><h1>We'll be back soon</h1><p>Sandbox fault: an HTML page where JSON was "
    "expected.</p></body></html>\n"
)


def service_for_path(path: str) -> str | None:
    for prefix, service in API_PREFIXES:
        if path.startswith(prefix):
            return service
    return None


class FaultMiddleware:
    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        service = service_for_path(request.path_info)
        if service is None:
            return self.get_response(request)
        RequestCounter.increment(service)
        fault = Fault.take(service)
        if fault is None:
            return self.get_response(request)
        return misbehave(fault, request, self.get_response)


def misbehave(fault: Fault, request: HttpRequest, get_response: GetResponse) -> HttpResponse:
    """Answer `request` the way `fault` says."""
    kind = fault.kind
    if kind == FaultKind.RATE_LIMITED:
        return _rate_limited(fault)
    if kind in (FaultKind.SERVER_ERROR, FaultKind.UNAVAILABLE):
        status = int(kind)
        reason = FaultKind(kind).label.split(" ", 1)[1]
        response = _html(_ERROR_PAGE.format(status=status, reason=reason), status)
        if kind == FaultKind.UNAVAILABLE and fault.retry_after is not None:
            # Some of Jira's 503s say when to come back, as a 429 does.
            response["Retry-After"] = str(fault.retry_after)
        return response
    if kind == FaultKind.SLOW:
        time.sleep(fault.delay)
        return get_response(request)
    if kind == FaultKind.HTML:
        return _html(_MAINTENANCE_PAGE, 200)
    if kind == FaultKind.TRUNCATED:
        body = get_response(request).content
        return HttpResponse(body[: len(body) // 2], content_type="application/json")
    if kind == FaultKind.DROP:
        hang_up(request.environ)
        return HttpResponse(status=204)  # Never reaches the client.
    if kind == FaultKind.DRIP:
        return _drip(get_response(request), fault.delay or DRIP_DELAY)
    raise ValueError(f"Unknown fault kind {kind!r}")


def _rate_limited(fault: Fault) -> HttpResponse:
    """A 429 in the service's own shape (docs/outside-apis.md §1 and §3).

    Jira's carries the platform error body and its `X-RateLimit-*` headers; `Retry-After`
    (seconds) only when the fault was given one, since Jira and Tempo sometimes omit it.
    """
    if fault.service == Service.JIRA:
        response = JsonResponse(platform_error("Rate limit exceeded."), status=429)
        reset_in = timedelta(seconds=fault.retry_after or JIRA_RATE_LIMIT_WINDOW)
        response["X-RateLimit-Limit"] = str(JIRA_RATE_LIMIT)
        response["X-RateLimit-Remaining"] = "0"
        response["X-RateLimit-NearLimit"] = "true"
        response["X-RateLimit-Reset"] = f"{timezone.now() + reset_in:%Y-%m-%dT%H:%MZ}"
        response["RateLimit-Reason"] = "jira-quota-based"
    else:
        response = JsonResponse(tempo_error("Rate limit exceeded"), status=429)
    if fault.retry_after is not None:
        response["Retry-After"] = str(fault.retry_after)
    return response


def _drip(answer: HttpResponse, delay: float) -> StreamingHttpResponse:
    """The normal answer, sent one byte every `delay` seconds.

    The body is padded with spaces (JSON allows trailing white space) to `DRIP_LENGTH`
    bytes and its `Content-Length` declared, so the client sees a healthy 200 arriving over
    a very slow link. Every byte comes well within any read timeout: only a deadline on the
    whole call ends it (docs/outside-apis.md §5, urllib3 issue 1338). When the client hangs up,
    a write fails within two bytes, the server closes the generator and the drip stops.
    """
    body = answer.getvalue().ljust(DRIP_LENGTH, b" ")

    def one_byte_at_a_time():
        for index in range(len(body)):
            if index:
                time.sleep(delay)
            yield body[index : index + 1]

    response = StreamingHttpResponse(one_byte_at_a_time(), status=answer.status_code)
    for header, value in answer.items():
        response[header] = value
    response["Content-Length"] = str(len(body))
    return response


def _html(body: str, status: int) -> HttpResponse:
    return HttpResponse(body, status=status, content_type="text/html; charset=utf-8")
