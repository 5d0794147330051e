"""Tempo's webhook subscription routes, under the Tempo API (`/tempo/4/webhooks/...`).

Source: Tempo's v4 OpenAPI, "Using Tempo Webhooks" and the `Webhooks` operations:

- `POST /4/webhooks/subscriptions` `{"url", "event", "name"?, "description"?}` → 200
  `{"self", "id" (uuid), "url", "event", "name", "description", "active", "createdAt",
  "updatedAt", "sharedSecret"}`. Before answering, the sandbox verifies the URL ("Subscription
  verification", sender.verify, the whole exchange within its timeout); the subscription
  is created either way, `active` only when
  the verification passed ("Newly created webhook subscriptions are inactive until
  verification is successful"). `sharedSecret` (128 characters) appears only in this answer
  (assumed). Refused with 400: a body that is not a JSON object, a missing `url` or `event`,
  an event other than `worklog.created`, `worklog.updated`, `worklog.deleted` (the only ones
  the sandbox sends), a URL that is not https (http is accepted for loopback hosts, the
  sandbox's allowance for tests), a 26th subscription (Tempo allows 25 per tenant; counted
  and created under a lock, so simultaneous requests cannot pass it); the same url and event
  twice → 409.
- `GET /4/webhooks/subscriptions?offset&limit` → Tempo's page envelope of subscriptions
  (without the secret); `GET .../{id}` → one, or 404.
- `DELETE .../{id}` → 204, or 404. `PATCH .../{id}/refresh` → 204: active again, its
  failure count reset, `updatedAt` now, no new verification; or 404.

Authentication is Bearer, as every Tempo route. Scope (assumed): any working token with the
worklogs scope, *view* or *manage*, may create, list, delete and refresh. Errors are Tempo's
JSON `{"errors": [{"message"}]}` (401 and 403 its small HTML pages, as elsewhere).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from sandbox.shapes.tempo import tempo_page
from sandbox.tempo.api import WORKLOGS
from sandbox.tempo.auth import tempo_api
from sandbox.tempo.query import Page, page_from_params
from sandbox.tempo.responses import BadRequest, json_error
from sandbox.webhooks import sender
from sandbox.webhooks.events import TEMPO_EVENTS
from sandbox.webhooks.models import TempoSubscription, WebhookSettings

MAX_SUBSCRIPTIONS = 25
TEXT_LIMITS = {"name": 255, "description": 10_000}


@require_http_methods(["GET", "POST"])
@tempo_api(WORKLOGS, read_only=True)
def subscriptions(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _create(request)
    page = page_from_params(request.GET)
    rows = list(TempoSubscription.objects.all()[page.offset : page.offset + page.limit + 1])
    has_next = len(rows) > page.limit
    rows = rows[: page.limit]
    return JsonResponse(
        tempo_page(
            [_subscription(request, row) for row in rows],
            self_url=_page_url(request, page),
            offset=page.offset,
            limit=page.limit,
            next_url=_page_url(request, Page(page.offset + page.limit, page.limit))
            if has_next
            else None,
            previous_url=_page_url(request, Page(max(0, page.offset - page.limit), page.limit))
            if page.offset > 0
            else None,
        )
    )


@require_http_methods(["GET", "DELETE"])
@tempo_api(WORKLOGS, read_only=True)
def subscription(request: HttpRequest, subscription_id: uuid.UUID) -> HttpResponse:
    found = TempoSubscription.objects.filter(pk=subscription_id).first()
    if found is None:
        return _not_found(subscription_id)
    if request.method == "DELETE":
        found.delete()
        return HttpResponse(status=204)
    return JsonResponse(_subscription(request, found))


@require_http_methods(["PATCH"])
@tempo_api(WORKLOGS, read_only=True)
def refresh(request: HttpRequest, subscription_id: uuid.UUID) -> HttpResponse:
    refreshed = TempoSubscription.objects.filter(pk=subscription_id).update(
        active=True, failures=0, updated_at=timezone.now()
    )
    if not refreshed:
        return _not_found(subscription_id)
    return HttpResponse(status=204)


def _create(request: HttpRequest) -> HttpResponse:
    try:
        body = json.loads(request.body or b"")
    except ValueError:
        raise BadRequest("The request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object")
    event = body.get("event")
    if not isinstance(event, str) or not event:
        raise BadRequest("'event' is required")
    if event not in TEMPO_EVENTS:
        raise BadRequest(f"'event' must be one of: {', '.join(TEMPO_EVENTS)}")
    problem = sender.url_problem(body.get("url"))
    if problem:
        raise BadRequest(problem)
    url = body["url"].strip()
    texts = {}
    for name, limit in TEXT_LIMITS.items():
        value = body.get(name)
        if value is not None and not isinstance(value, str):
            raise BadRequest(f"'{name}' must be a string")
        if value is not None and len(value) > limit:
            raise BadRequest(f"'{name}' must be at most {limit} characters")
        texts[name] = value or ""
    try:
        with transaction.atomic():
            _lock_subscriptions()
            if TempoSubscription.objects.filter(url=url, event=event).exists():
                return _conflict(url, event)
            if TempoSubscription.objects.count() >= MAX_SUBSCRIPTIONS:
                raise BadRequest(
                    f"A tenant can have at most {MAX_SUBSCRIPTIONS} webhook subscriptions"
                )
            created = TempoSubscription.objects.create(url=url, event=event, **texts)
    except IntegrityError:
        return _conflict(url, event)  # the same one registered a moment ago
    # Outside the transaction: the handshake may take its whole timeout.
    passed, outcome = sender.verify(url)
    created.active, created.verification, created.updated_at = passed, outcome, timezone.now()
    created.save(update_fields=["active", "verification", "updated_at"])
    answer = _subscription(request, created)
    answer["sharedSecret"] = created.shared_secret
    return JsonResponse(answer)


def _lock_subscriptions() -> None:
    """Hold the tenant's subscriptions until the transaction ends, so that counting and
    creating them is one step. The lock is an UPDATE of the settings row (created if
    missing): on PostgreSQL it locks that row, on SQLite it takes the database's write lock
    (at BEGIN already, in the sandbox's IMMEDIATE mode). Chosen over a lock of this process
    because it also holds for a second process on the same database (`manage.py` commands,
    a second server)."""
    WebhookSettings.objects.get_or_create(pk=1)
    WebhookSettings.objects.filter(pk=1).update(paused=F("paused"))


def _subscription(request: HttpRequest, row: TempoSubscription) -> dict[str, Any]:
    """`WebhookSubscription`, without the shared secret."""
    path = reverse("sandbox_webhooks:tempo_subscription", args=[row.pk])
    return {
        "self": request.build_absolute_uri(path),
        "id": str(row.pk),
        "url": row.url,
        "event": row.event,
        "name": row.name,
        "description": row.description,
        "active": row.active,
        "createdAt": sender.iso_millis(row.created_at),
        "updatedAt": sender.iso_millis(row.updated_at),
    }


def _page_url(request: HttpRequest, page: Page) -> str:
    params = request.GET.copy()
    params["offset"] = str(page.offset)
    params["limit"] = str(page.limit)
    return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")


def _not_found(subscription_id: uuid.UUID) -> HttpResponse:
    return json_error(404, f"Webhook subscription with id {subscription_id} does not exist")


def _conflict(url: str, event: str) -> HttpResponse:
    return json_error(409, f"A webhook subscription for {event} to {url} already exists")
