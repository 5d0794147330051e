"""Counting API calls and making them misbehave on demand (docs/product.md §2).

`FaultMiddleware` sees every request first. Calls to an emulated service's API are counted,
then, if a fault is queued for that service, answered badly instead of (or around) the
normal view. Settings pages and the control endpoint are never affected.

The *realistic profile* (off by default, switched on through `/_sandbox/profile`) makes
every API call behave more like the real services seen from a customer's server: each one
is answered after a fixed latency (default 150 ms), and Tempo's API allows about 5 requests
per second per client (its token; API-CONTRACTS.md §1), answering 429 with `Retry-After`
beyond that. It lives in this process's memory — the one sandbox server, all of its
threads — so a restart switches it off.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
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


# The realistic profile's defaults: a round trip from a customer's server to Tempo or
# Atlassian's cloud, and Tempo's published guidance of about 5 requests a second per client.
REALISTIC_LATENCY = 0.15
REALISTIC_RATE = 5.0
REALISTIC_BURST = 5


@dataclass(frozen=True)
class Profile:
    """How every API call behaves besides its faults. `latency`: seconds added to each
    call of every service. `rate`: Tempo API calls per second per client (None: no limit),
    with bursts of up to `burst` calls; beyond it Tempo answers 429 with `Retry-After`."""

    latency: float = 0.0
    rate: float | None = None
    burst: int = REALISTIC_BURST

    @property
    def is_on(self) -> bool:
        return self.latency > 0 or self.rate is not None

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "on": self.is_on}


OFF = Profile()
REALISTIC = Profile(latency=REALISTIC_LATENCY, rate=REALISTIC_RATE, burst=REALISTIC_BURST)


class RateLimiter:
    """A token bucket per client: `burst` calls at once, then `rate` calls a second."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # client → (tokens, at)

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()

    def take(self, client: str, rate: float, burst: int) -> float:
        """Use one call of `client`'s allowance: 0 when allowed, else the seconds until
        the next call would be."""
        with self._lock:
            now = self._clock()
            tokens, at = self._buckets.get(client, (float(burst), now))
            tokens = min(float(burst), tokens + (now - at) * rate)
            if tokens >= 1:
                self._buckets[client] = (tokens - 1, now)
                return 0.0
            self._buckets[client] = (tokens, now)
            return (1 - tokens) / rate


_profile_lock = threading.Lock()
_profile = OFF
rate_limiter = RateLimiter()


def current_profile() -> Profile:
    return _profile


def set_profile(profile: Profile) -> Profile:
    """Switch the profile (`OFF` switches it off); every client's allowance starts full."""
    global _profile
    with _profile_lock:
        _profile = profile
        rate_limiter.reset()
    return profile


def client_key(request: HttpRequest) -> str:
    """Who a rate limit counts: the token (Tempo limits per client), else the address."""
    credentials = request.META.get("HTTP_AUTHORIZATION", "")
    if credentials:
        return "token:" + hashlib.sha256(credentials.encode()).hexdigest()[:16]
    return "address:" + request.META.get("REMOTE_ADDR", "")


def _over_the_rate_limit(wait: float) -> HttpResponse:
    """Tempo's 429 (API-CONTRACTS.md §1): `Retry-After` in whole seconds, at least 1 (Tempo's
    advice is to wait at least a second)."""
    response = JsonResponse(tempo_error("Rate limit exceeded"), status=429)
    response["Retry-After"] = str(max(1, math.ceil(wait)))
    return response


class FaultMiddleware:
    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        service = service_for_path(request.path_info)
        if service is None:
            return self.get_response(request)
        RequestCounter.increment(service)
        profile = _profile
        if profile.latency:
            time.sleep(profile.latency)
        if profile.rate is not None and service == Service.TEMPO:
            wait = rate_limiter.take(client_key(request), profile.rate, profile.burst)
            if wait:
                return _over_the_rate_limit(wait)
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
