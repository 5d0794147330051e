"""The control endpoint's webhook routes (/_sandbox/webhooks…), loopback only, JSON.

- `GET /_sandbox/webhooks[?deliveries=N][&wait_idle=SECONDS]` → the state:
  `{"tempo_subscriptions": [{"id", "url", "event", "name", "active", "failures",
  "verification", "created_at"}], "jira_webhooks": [{"id", "name", "url", "events",
  "jql", "exclude_body", "has_secret", "enabled"}], "settings": {...} (as below),
  "deliveries": [...], "pending": int, "idle": bool}`. `deliveries` are the last N (default
  50, at most 1000), oldest first: `{"id", "service", "subscription", "event_id",
  "event_type", "url", "attempts", "outcome" (pending, sent, failed, dropped, cancelled),
  "status" (the last answer's, or null), "reason" (why the last attempt failed, or ""),
  "created_at", "next_attempt_at", "finished_at", "history": [{"attempt", "at",
  "status"?, "reason"?}]}`. With `wait_idle` the answer waits (at most that many seconds,
  at most 120) until no delivery is pending; `idle` says whether it got there.
- `POST /_sandbox/webhooks/settings` with any of `{"drop_rate": 0..1, "seed": int | null,
  "retry_delay_seconds": [min, max], "max_retries": int | {"tempo", "jira"},
  "timeout_seconds": number, "paused": bool}` → the settings in force: `{"drop_rate",
  "seed", "retry_delay_seconds": [min, max], "max_retries": {"tempo", "jira"},
  "timeout_seconds", "paused"}`. With a `seed`, drops are a function of the seed and a
  count of draws kept with the settings (setting the seed restarts the count), retry delays
  of the seed, the delivery and the attempt: they repeat, after a restart too.
  Defaults: no drops, retries after 1 to 2 s, 10 Tempo and 5 Jira retries, 10 s timeout
  (the SANDBOX_WEBHOOK_* settings).
- `POST /_sandbox/webhooks/reset` → `{"ok": true}`: every Tempo subscription, Jira webhook,
  delivery and setting gone.
"""

from __future__ import annotations

import math
import time
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET, require_POST

from sandbox.control import ControlError, control_view, integer, json_body
from sandbox.webhooks import sender
from sandbox.webhooks.models import (
    Delivery,
    JiraWebhook,
    Outcome,
    TempoSubscription,
    WebhookSettings,
)

DEFAULT_DELIVERIES = 50
MAX_DELIVERIES = 1000
MAX_WAIT_SECONDS = 120
MAX_RETRIES = 100
MAX_DELAY_SECONDS = 3600
MAX_TIMEOUT_SECONDS = 120
WAIT_STEP_SECONDS = 0.05


@control_view
@require_GET
def state(request: HttpRequest) -> HttpResponse:
    count = _whole(request.GET.get("deliveries", DEFAULT_DELIVERIES), "deliveries")
    wait = _number(request.GET.get("wait_idle", 0), "wait_idle", 0, MAX_WAIT_SECONDS)
    # Deliveries left pending by an earlier run of the process need the sender too.
    sender.wake()
    deadline = time.monotonic() + wait
    while wait and _pending() and time.monotonic() < deadline:
        time.sleep(WAIT_STEP_SECONDS)
    pending = _pending()
    deliveries = list(Delivery.objects.order_by("-id")[: min(count, MAX_DELIVERIES)])
    return JsonResponse(
        {
            "tempo_subscriptions": [_subscription(s) for s in TempoSubscription.objects.all()],
            "jira_webhooks": [_webhook(w) for w in JiraWebhook.objects.all()],
            "settings": WebhookSettings.current(),
            "deliveries": [_delivery(d) for d in reversed(deliveries)],
            "pending": pending,
            "idle": pending == 0,
        }
    )


@control_view
@require_POST
def settings(request: HttpRequest) -> HttpResponse:
    body = json_body(request)
    known = {
        "drop_rate",
        "seed",
        "retry_delay_seconds",
        "max_retries",
        "timeout_seconds",
        "paused",
    }
    unknown = set(body) - known
    if unknown:
        raise ControlError(f"Unknown setting(s): {', '.join(sorted(unknown))}.")
    changes: dict[str, Any] = {}
    if "drop_rate" in body:
        changes["drop_rate"] = _number(body["drop_rate"], "drop_rate", 0, 1)
    if "seed" in body:
        seed = body["seed"]
        changes["seed"] = None if seed is None else integer(seed, "seed", -(2**62), 2**62)
    if "retry_delay_seconds" in body:
        pair = body["retry_delay_seconds"]
        if not isinstance(pair, list) or len(pair) != 2:
            raise ControlError("'retry_delay_seconds' must be [min, max] in seconds.")
        low = _number(pair[0], "retry_delay_seconds", 0, MAX_DELAY_SECONDS)
        high = _number(pair[1], "retry_delay_seconds", 0, MAX_DELAY_SECONDS)
        if low > high:
            raise ControlError("'retry_delay_seconds' must be [min, max] with min <= max.")
        changes["retry_delay_min"], changes["retry_delay_max"] = low, high
    if "max_retries" in body:
        retries = body["max_retries"]
        if isinstance(retries, dict):
            if set(retries) - {"tempo", "jira"}:
                raise ControlError("'max_retries' takes 'tempo' and 'jira'.")
            for service, value in retries.items():
                changes[f"{service}_max_retries"] = integer(value, "max_retries", 0, MAX_RETRIES)
        else:
            value = integer(retries, "max_retries", 0, MAX_RETRIES)
            changes["tempo_max_retries"] = changes["jira_max_retries"] = value
    if "timeout_seconds" in body:
        timeout = _number(body["timeout_seconds"], "timeout_seconds", 0, MAX_TIMEOUT_SECONDS)
        if timeout <= 0:
            raise ControlError("'timeout_seconds' must be more than 0.")
        changes["timeout_seconds"] = timeout
    if "paused" in body:
        if not isinstance(body["paused"], bool):
            raise ControlError("'paused' must be true or false.")
        changes["paused"] = body["paused"]
    if "seed" in changes:
        changes["draws"] = 0
    WebhookSettings.objects.update_or_create(pk=1, defaults=changes)
    sender.wake()  # unpaused, or shorter delays: look again now
    return JsonResponse(WebhookSettings.current())


@control_view
@require_POST
def reset(request: HttpRequest) -> HttpResponse:
    Delivery.objects.all().delete()
    TempoSubscription.objects.all().delete()
    JiraWebhook.objects.all().delete()
    WebhookSettings.objects.all().delete()
    return JsonResponse({"ok": True})


def _pending() -> int:
    return Delivery.objects.filter(outcome=Outcome.PENDING).count()


def _subscription(row: TempoSubscription) -> dict[str, Any]:
    return {
        "id": str(row.pk),
        "url": row.url,
        "event": row.event,
        "name": row.name,
        "active": row.active,
        "failures": row.failures,
        "verification": row.verification,
        "created_at": row.created_at.isoformat(),
    }


def _webhook(row: JiraWebhook) -> dict[str, Any]:
    return {
        "id": row.pk,
        "name": row.name,
        "url": row.url,
        "events": row.events,
        "jql": row.jql,
        "exclude_body": row.exclude_body,
        "has_secret": bool(row.secret),
        "enabled": row.enabled,
    }


def _delivery(row: Delivery) -> dict[str, Any]:
    return {
        "id": row.pk,
        "service": row.service,
        "subscription": row.subscription,
        "event_id": row.event_id,
        "event_type": row.event_type,
        "url": row.url,
        "attempts": row.attempts,
        "outcome": row.outcome,
        "status": row.last_status,
        "reason": row.last_reason,
        "created_at": row.created_at.isoformat(),
        "next_attempt_at": row.next_attempt_at.isoformat(),
        "finished_at": row.finished_at.isoformat() if row.finished_at else None,
        "history": row.history,
    }


def _number(raw: Any, name: str, low: float, high: float) -> float:
    if isinstance(raw, str):
        try:
            raw = float(raw)
        except ValueError:
            raise ControlError(f"'{name}' must be a number.") from None
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        raise ControlError(f"'{name}' must be a number.")
    if not low <= raw <= high:
        raise ControlError(f"'{name}' must be from {low:g} to {high:g}.")
    return float(raw)


def _whole(raw: Any, name: str) -> int:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise ControlError(f"'{name}' must be a whole number.") from None
    if value < 0:
        raise ControlError(f"'{name}' must be 0 or more.")
    return value
