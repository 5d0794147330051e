"""The two addresses Tempo and Jira post to: ``/webhooks/tempo/<public_id>/`` and
``/webhooks/jira/<public_id>/`` (no sign-in, no CSRF token: the signature is the proof).

Each answers fast and never calls Tempo or Jira: a delivery whose size, signature, age and
ids hold is recorded (``receiving.accept``), and the targeted sync is queued once
(``tasks.request_drain``). The checks and their answers are in ``webhooks.receiving``.
"""

from __future__ import annotations

import logging

from django.http import Http404, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from . import receiving
from .models import Subscription
from .receiving import MAX_BODY, Refused
from .tasks import request_drain

logger = logging.getLogger("worklog_report.webhooks")


@csrf_exempt
@require_http_methods(["GET", "POST"])
def tempo(request, public_id: str):
    try:
        if request.method == "GET":
            return _verification(request, public_id)
        subscription = _subscription(request, Subscription.Service.TEMPO, public_id)
        body = _body(request)
        stamp = request.headers.get("Tempo-Timestamp", "")
        receiving.check_age(receiving.tempo_timestamp(stamp))
        receiving.verify_tempo(
            subscription, body, stamp, request.headers.get("Tempo-Signature", "")
        )
        return _accepted(subscription, receiving.parse_tempo(body))
    except Refused as refusal:
        return _refused(request, "tempo", refusal)


@csrf_exempt
@require_POST
def jira(request, public_id: str):
    try:
        subscription = _subscription(request, Subscription.Service.JIRA, public_id)
        body = _body(request)
        receiving.verify_jira(subscription, body, request.headers.get("X-Hub-Signature", ""))
        delivery = receiving.parse_jira(body, request.headers.get("X-Atlassian-Webhook-Identifier"))
        return _accepted(subscription, delivery)
    except Refused as refusal:
        return _refused(request, "jira", refusal)


def _verification(request, public_id: str) -> HttpResponse:
    """Tempo's "Subscription verification": echo ``randomString`` for an address we gave out
    (the row exists, committed, before the subscription is posted)."""
    if "randomString" not in request.GET:
        raise Http404
    _subscription(request, Subscription.Service.TEMPO, public_id)
    value = receiving.checked_random_string(request.GET.get("randomString"))
    return HttpResponse(value, content_type="text/plain; charset=utf-8")


def _subscription(request, service: str, public_id: str) -> Subscription:
    subscription = receiving.subscription_for(service, public_id)
    if subscription is None:
        raise Refused(404, "unknown address")
    return subscription


def _body(request) -> bytes:
    """The body, read without buffering more than ``MAX_BODY`` + 1 bytes; Refused(413)
    beyond it (announced by Content-Length, or found while reading)."""
    try:
        announced = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        announced = 0
    if announced > MAX_BODY:
        raise Refused(413, "body larger than 64 KiB")
    body = request.read(MAX_BODY + 1)
    if len(body) > MAX_BODY:
        raise Refused(413, "body larger than 64 KiB")
    return body


def _accepted(subscription: Subscription, delivery: receiving.Delivery) -> HttpResponse:
    if not receiving.accept(subscription, delivery):
        logger.info(
            "webhook delivery already seen",
            extra={"service": subscription.service, "outcome": "replay"},
        )
        return HttpResponse(status=200)
    if delivery.change is not None:
        request_drain()
    return HttpResponse(status=204)


def _refused(request, service: str, refusal: Refused) -> HttpResponse:
    # Never the body, the headers or the secret: what was refused and why.
    log = logger.warning if refusal.status == 401 else logger.info
    log(
        "webhook delivery refused (%s): %s",
        refusal.status,
        refusal.reason,
        extra={"service": service, "status": refusal.status, "outcome": "refused"},
    )
    if refusal.status == 404:
        raise Http404
    return HttpResponse(
        f"Refused: {refusal.reason}.", status=refusal.status, content_type="text/plain"
    )
