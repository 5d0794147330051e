"""Counting API calls and making them misbehave on demand (PRODUCT.md §2).

`FaultMiddleware` sees every request first. Calls to an emulated service's API are counted,
then, if a fault is queued for that service, answered badly instead of (or around) the
normal view. Settings pages and the control endpoint are never affected.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from sandbox.models import Fault, FaultKind, RequestCounter, Service
from sandbox.server import hang_up

# Path prefixes of each service's API; everything else is pages or the control endpoint.
API_PREFIXES: tuple[tuple[str, str], ...] = (
    ("/tempo/4/", Service.TEMPO),
    ("/jira/", Service.JIRA),
)

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
        response = JsonResponse({"errors": [{"message": "Rate limit exceeded"}]}, status=429)
        if fault.retry_after is not None:
            response["Retry-After"] = str(fault.retry_after)
        return response
    if kind in (FaultKind.SERVER_ERROR, FaultKind.UNAVAILABLE):
        status = int(kind)
        reason = FaultKind(kind).label.split(" ", 1)[1]
        return _html(_ERROR_PAGE.format(status=status, reason=reason), status)
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
    raise ValueError(f"Unknown fault kind {kind!r}")


def _html(body: str, status: int) -> HttpResponse:
    return HttpResponse(body, status=status, content_type="text/html; charset=utf-8")
