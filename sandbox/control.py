"""The loopback-only control endpoint under /_sandbox/ (tests, `sandbox_token`, `make run`).

JSON in, JSON out, no CSRF (callers are scripts). Every view refuses clients that are not on
this machine, so a sandbox accidentally exposed on a network cannot be steered from it.
`sandbox/client.py` is its Python client.
"""

from __future__ import annotations

import json
import math
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sandbox import faults as sandbox_faults
from sandbox.loopback import is_loopback
from sandbox.models import Behaviour, Fault, FaultKind, Quirk, RequestCounter, Service
from sandbox.scopes import DEFAULT_EXPIRY_DAYS
from sandbox.tempo.models import AUDIT_LOG_FORBIDDEN, Token, TokenError

View = Callable[..., HttpResponse]
# The most calls a fault or behaviour may be asked to last (PositiveIntegerField's range).
MAX_COUNT = 1_000_000
INT32_MAX = 2**31 - 1
# The longest a slow or dripping fault may wait per step, and the longest Retry-After it may
# send: a test waits for them, so a minute at most (an hour for Retry-After, which is only
# read). Sandbox limits, not the services'.
MAX_DELAY_SECONDS = 60
MAX_RETRY_AFTER_SECONDS = 3600
NAME_MAX_LENGTH = Token._meta.get_field("name").max_length
# The behaviours one may switch on: the documented ones (models.Behaviour), each aimed at an
# issue or project, and Tempo's audit log answering 403, aimed at nothing (target "*").
SWITCHES = [*Behaviour.values, AUDIT_LOG_FORBIDDEN]
UNTARGETED = {AUDIT_LOG_FORBIDDEN}


class ControlError(Exception):
    """Bad input to the control endpoint: answered with `status` (400) and this message."""

    status = 400


class NotFound(ControlError):
    """The control call names an object that does not exist: answered 404."""

    status = 404


def control_view(view: View) -> View:
    """Loopback only, CSRF-exempt, and `ControlError` turned into a 400."""

    @csrf_exempt
    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not is_loopback(request.META.get("REMOTE_ADDR", "")):
            return _error(403, "The sandbox control endpoint answers loopback clients only.")
        try:
            return view(request, *args, **kwargs)
        except ControlError as error:
            return _error(error.status, str(error))

    return wrapper


@control_view
@require_GET
def health(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"ok": True})


@control_view
@require_POST
def mint_token(request: HttpRequest) -> HttpResponse:
    body = json_body(request)
    scopes = body.get("scopes") or {}
    if not isinstance(scopes, dict):
        raise ControlError('\'scopes\' must be an object like {"worklogs": "view"}.')
    if body.get("full") and scopes:
        raise ControlError("Give either 'full' or 'scopes', not both.")
    # Neither given means full access, the most useful token for a quick manual test.
    full = bool(body.get("full")) or not scopes
    name = str(body.get("name") or f"token-{secrets.token_hex(4)}")
    if len(name) > NAME_MAX_LENGTH:
        raise ControlError(f"'name' must be at most {NAME_MAX_LENGTH} characters.")
    days = body.get("expires_in_days")
    try:
        token, value = Token.issue(
            name=name,
            full_access=full,
            scopes=scopes,
            # The range (1 to 5000) is the model's to check, with Tempo's wording.
            expires_in_days=(
                DEFAULT_EXPIRY_DAYS if days is None else integer(days, "expires_in_days", None)
            ),
            expired=bool(body.get("expired")),
        )
    except TokenError as error:
        raise ControlError(str(error)) from None
    return JsonResponse({"token": value, "id": token.pk, "name": token.name}, status=201)


@control_view
@require_POST
def delete_token(request: HttpRequest) -> HttpResponse:
    token = _token_from_body(request)
    if token is None:
        return _error(404, "No such token.")
    token.delete()
    return JsonResponse({"ok": True})


@control_view
@require_POST
def regenerate_token(request: HttpRequest) -> HttpResponse:
    token = _token_from_body(request)
    if token is None:
        return _error(404, "No such token.")
    try:
        value = token.regenerate()
    except TokenError as error:
        return _error(409, str(error))
    return JsonResponse({"token": value, "id": token.pk, "name": token.name})


@control_view
@require_http_methods(["POST", "DELETE"])
def faults(request: HttpRequest) -> HttpResponse:
    if request.method == "DELETE":
        Fault.objects.all().delete()
        return JsonResponse({"ok": True})
    body = json_body(request)
    service = _choice(body.get("service"), Service.values, "service")
    kind = _choice(str(body.get("kind")), FaultKind.values, "kind")
    count = integer(body.get("count", 1), "count", 1, MAX_COUNT)
    retry_after = body.get("retry_after")
    if retry_after is not None:
        retry_after = integer(retry_after, "retry_after", 0, MAX_RETRY_AFTER_SECONDS)
    delay = body.get("delay") or 0
    if (
        not isinstance(delay, int | float)
        or isinstance(delay, bool)
        or not math.isfinite(delay)
        or not 0 <= delay <= MAX_DELAY_SECONDS
    ):
        raise ControlError(f"'delay' must be a number of seconds from 0 to {MAX_DELAY_SECONDS}.")
    fault = Fault.objects.create(
        service=service,
        kind=kind,
        remaining=count,
        retry_after=retry_after,
        delay=float(delay),
    )
    return JsonResponse({"id": fault.pk, "service": service, "kind": kind}, status=201)


@control_view
@require_http_methods(["GET", "POST", "DELETE"])
def behaviours(request: HttpRequest) -> HttpResponse:
    """Switch a documented real behaviour on for one object (models.Behaviour).

    POST ``{"behaviour": "search_omits_issue", "target": "ITSD-1", "count": 1}``: ``target``
    is an issue (id or key) or a project (id or key), stored as its id (ignored, and stored
    as ``*``, for ``tempo_audit_log_forbidden``); ``count`` is how many calls it affects,
    ``null`` for "until switched off". GET lists them; DELETE switches every one off (or only
    ``?behaviour=…``).
    """
    if request.method == "GET":
        return JsonResponse({"behaviours": [_quirk(q) for q in Quirk.objects.order_by("id")]})
    if request.method == "DELETE":
        quirks = Quirk.objects.all()
        if "behaviour" in request.GET:
            quirks = quirks.filter(
                behaviour=_choice(request.GET["behaviour"], SWITCHES, "behaviour")
            )
        quirks.delete()
        return JsonResponse({"ok": True})
    body = json_body(request)
    behaviour = _choice(body.get("behaviour"), SWITCHES, "behaviour")
    count = body.get("count", 1)
    if count is not None:
        try:
            integer(count, "count", 1, MAX_COUNT)
        except ControlError as error:
            raise ControlError(f"{str(error)[:-1]}, or null for until switched off.") from None
    quirk = Quirk.objects.create(
        behaviour=behaviour,
        target="*" if behaviour in UNTARGETED else _target_id(behaviour, body.get("target")),
        remaining=count,
    )
    return JsonResponse(_quirk(quirk), status=201)


def _target_id(behaviour: str, ref: Any) -> str:
    """The id of the issue or project a behaviour is aimed at (given by id or key)."""
    from sandbox.jira.models import Issue, Project, as_id

    if not isinstance(ref, str | int) or isinstance(ref, bool) or not str(ref):
        raise ControlError("'target' must be an issue or project id or key.")
    ref = str(ref)
    model = Issue if behaviour == Behaviour.SEARCH_OMITS_ISSUE else Project
    if ref.isascii() and ref.isdigit():
        number = as_id(ref)  # None beyond the 64-bit column: no row has it
        found = model.objects.none() if number is None else model.objects.filter(pk=number)
    else:
        found = model.objects.filter(key=ref)
    target = found.values_list("pk", flat=True).first()
    if target is None:
        raise NotFound(f"No {model._meta.verbose_name} {ref}.")
    return str(target)


def _quirk(quirk: Quirk) -> dict[str, Any]:
    return {
        "id": quirk.pk,
        "behaviour": quirk.behaviour,
        "target": quirk.target,
        "count": quirk.remaining,
    }


@control_view
@require_http_methods(["GET", "POST", "DELETE"])
def profile(request: HttpRequest) -> HttpResponse:
    """The realistic profile (sandbox.faults.Profile): GET reads it, DELETE switches it off.

    POST ``{"realistic": true}`` switches on the defaults (150 ms a call, Tempo at 5 calls a
    second per client, bursts of 5); ``latency`` (seconds), ``rate`` (Tempo calls a second;
    null: no limit) and ``burst`` override them, or give a profile of their own.
    """
    if request.method == "DELETE":
        return JsonResponse(sandbox_faults.set_profile(sandbox_faults.OFF).as_dict())
    if request.method == "GET":
        return JsonResponse(sandbox_faults.current_profile().as_dict())
    body = json_body(request)
    base = sandbox_faults.REALISTIC if body.get("realistic") else sandbox_faults.OFF
    latency = body.get("latency", base.latency)
    if (
        not isinstance(latency, int | float)
        or isinstance(latency, bool)
        or not math.isfinite(latency)
        or not 0 <= latency <= MAX_DELAY_SECONDS
    ):
        raise ControlError(f"'latency' must be a number of seconds from 0 to {MAX_DELAY_SECONDS}.")
    rate = body.get("rate", base.rate)
    if rate is not None and (
        not isinstance(rate, int | float)
        or isinstance(rate, bool)
        or not math.isfinite(rate)
        or not 0 < rate <= 10_000
    ):
        raise ControlError("'rate' must be calls per second above 0 (at most 10000), or null.")
    burst = integer(body.get("burst", base.burst), "burst", 1, 10_000)
    chosen = sandbox_faults.Profile(
        latency=float(latency), rate=None if rate is None else float(rate), burst=burst
    )
    return JsonResponse(sandbox_faults.set_profile(chosen).as_dict())


@control_view
@require_GET
def request_count(request: HttpRequest) -> HttpResponse:
    service = _choice(request.GET.get("service"), Service.values, "service")
    return JsonResponse({"service": service, "count": RequestCounter.value(service)})


@control_view
@require_POST
def reset_request_count(request: HttpRequest) -> HttpResponse:
    RequestCounter.reset()
    return JsonResponse({"ok": True})


def json_body(request: HttpRequest) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        raise ControlError("The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise ControlError("The request body must be a JSON object.")
    return body


def _token_from_body(request: HttpRequest) -> Token | None:
    value = json_body(request).get("token")
    if not isinstance(value, str) or not value:
        raise ControlError("'token' must be the token's value.")
    return Token.find(value)


def integer(raw: Any, name: str, minimum: int | None = 1, maximum: int = INT32_MAX) -> int:
    """A JSON whole number from `minimum` to `maximum` (by default the largest an integer
    column holds everywhere), else a 400 naming it; floats, NaN and infinities are refused."""
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise ControlError(f"'{name}' must be a whole number.")
    if minimum is not None and raw < minimum:
        raise ControlError(f"'{name}' must be {minimum} or more.")
    if raw > maximum:
        raise ControlError(f"'{name}' must be at most {maximum}.")
    return raw


def _choice(raw: Any, allowed: list[str], name: str) -> str:
    if raw not in allowed:
        raise ControlError(f"'{name}' must be one of: {', '.join(allowed)}.")
    return raw


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)
