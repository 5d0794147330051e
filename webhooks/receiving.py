"""What a delivery must prove before anything is written, and what it leaves behind.

Sources: Tempo REST API v4 OpenAPI, "Webhooks": "Subscription verification" (``GET
<url>?randomString=`` echoed as text/plain), "Validation and security" (``Tempo-Signature`` =
lowercase hex HMAC-SHA256 keyed with the subscription's ``sharedSecret`` over the body as
UTF-8 text followed by ``Tempo-Timestamp``), "Retry policy" (retried on a status ≥ 400, a
connection failure or over 30 s, up to 10 times 5 to 15 minutes apart, with the timestamp of
the first attempt; then inactive until refreshed). Atlassian, "Webhooks" (Jira Cloud):
"Secure admin webhooks" (``X-Hub-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>``),
"Retry policy" (``X-Atlassian-Webhook-Identifier`` is the same on every retry, retries on
408, 409, 425, 429, 5xx, a connection failure or a timeout, up to about 30 minutes late).

Choices, each refusing with nothing written:
- A bad or missing signature answers **401** (Tempo's example answers 403; either is
  "≥ 400", so Tempo retries, which is what a rotated secret needs; 401 says what failed).
- ``Tempo-Timestamp`` (and Jira's body ``timestamp``) older than ``MAX_AGE`` (3 hours) or more
  than ``MAX_SKEW`` (5 minutes) in the future answers **400**. Tempo's ten retries span at
  most 10 × 15 = 150 minutes from the first attempt, whose time the header keeps; 3 hours
  leaves half an hour for clock skew and queueing. The seen ids are kept a day, well beyond
  that, so a replayed delivery is either seen or too old.
- A delivery already seen answers **200** and nothing else: a retry of one we processed is
  never worth retrying again. Jira's identifier is a header its signature does not cover,
  so a Jira delivery is also seen by its signed body (``body:`` and the body's SHA-256): a
  captured delivery re-sent with a new identifier is a replay too.
- A Jira issue or worklog event must carry its ``timestamp`` (epoch milliseconds; Jira
  writes it in every such event): without one the age check could not run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import re
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from tempo_integration.crypto import SecretUnreadable

from .models import PendingChange, SeenEvent, Subscription

logger = logging.getLogger("worklog_report.webhooks")

MAX_BODY = 64 * 1024
MAX_AGE = dt.timedelta(hours=3)
MAX_SKEW = dt.timedelta(minutes=5)
RANDOM_STRING = re.compile(r"[A-Za-z0-9]{1,128}")
MAX_EVENT_ID = 200
TEMPO_EVENTS = {"worklog.created", "worklog.updated", "worklog.deleted"}
JIRA_ISSUE_EVENTS = {"jira:issue_created", "jira:issue_updated", "jira:issue_deleted"}
JIRA_WORKLOG_EVENTS = {"worklog_created", "worklog_updated", "worklog_deleted"}


class Refused(Exception):
    """A delivery refused: ``status`` is the answer, ``reason`` the log's words (never the
    secret or the body)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class Change:
    kind: str  # PendingChange.Kind
    remote_id: str
    issue_id: str = ""


@dataclass(frozen=True)
class Delivery:
    """A delivery whose signature held: its id and the change it announces (None for an
    event we do not follow)."""

    event_id: str
    change: Change | None
    # Another id the delivery is seen by (Jira: its signed body's digest), or None.
    also_seen_as: str | None = None


def subscription_for(service: str, public_id: str) -> Subscription | None:
    """The subscription whose address this is, or None."""
    return Subscription.objects.filter(service=service, public_id=public_id).first()


def checked_random_string(value: str | None) -> str:
    """Tempo's verification value, echoed as it came. Raises Refused(400) unless it is 1 to
    128 letters and digits (what Tempo sends): anything else is never echoed."""
    if value is None or not RANDOM_STRING.fullmatch(value):
        raise Refused(400, "verification value that is not 1 to 128 letters and digits")
    return value


def check_age(sent_at: dt.datetime, now: dt.datetime | None = None) -> None:
    """Raises Refused(400) for a delivery older than ``MAX_AGE`` or from the future."""
    now = now or timezone.now()
    if sent_at < now - MAX_AGE:
        raise Refused(400, "delivery older than the retry window")
    if sent_at > now + MAX_SKEW:
        raise Refused(400, "delivery dated in the future")


def tempo_timestamp(value: str | None) -> dt.datetime:
    """``Tempo-Timestamp`` (ISO-8601 UTC, with or without millis) as an aware datetime.
    Raises Refused(400) when missing or unreadable."""
    try:
        parsed = parse_datetime(value.strip()) if value else None
    except ValueError:  # well formed, but not a date (month 13)
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise Refused(400, "missing or unreadable Tempo-Timestamp")
    return parsed


def verify_tempo(subscription: Subscription, body: bytes, timestamp: str, signature: str) -> None:
    """Raises Refused(401) unless ``signature`` is HMAC-SHA256(sharedSecret, body text +
    timestamp) in hex; compared in constant time."""
    _verify(subscription, body + timestamp.encode(), signature.strip().lower())


def verify_jira(subscription: Subscription, body: bytes, header: str) -> None:
    """Raises Refused(401) unless ``header`` is ``sha256=`` and the hex HMAC-SHA256 of the
    raw body keyed with our secret."""
    scheme, _, digest = header.strip().partition("=")
    if scheme.lower() != "sha256":
        raise Refused(401, "missing or unsupported X-Hub-Signature")
    _verify(subscription, body, digest.lower())


def _verify(subscription: Subscription, message: bytes, given: str) -> None:
    try:
        secret = subscription.secret()
    except SecretUnreadable:
        raise Refused(401, "stored secret cannot be decrypted (ENCRYPTION_KEYS changed)") from None
    if not secret or not given:
        raise Refused(401, "missing signature or no secret stored")
    expected = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), given.encode()):
        raise Refused(401, "signature does not match")


def parse_tempo(body: bytes) -> Delivery:
    """The ``eventId`` and the worklog id of a Tempo delivery. Raises Refused(400) for a
    body that is not such JSON."""
    data = _json(body)
    event_id, event_type = data.get("eventId"), data.get("eventType")
    payload = data.get("payload")
    worklog_id = payload.get("tempoWorklogId") if isinstance(payload, dict) else None
    if not _is_event_id(event_id) or not _is_id(worklog_id):
        raise Refused(400, "Tempo event without eventId or tempoWorklogId")
    if event_type not in TEMPO_EVENTS:
        return Delivery(str(event_id), None)
    return Delivery(str(event_id), Change(PendingChange.Kind.TEMPO_WORKLOG, str(int(worklog_id))))


def parse_jira(body: bytes, identifier: str | None) -> Delivery:
    """The change a Jira delivery announces, keyed by ``X-Atlassian-Webhook-Identifier``.
    Raises Refused(400) without the identifier, for a body that is not JSON, or an issue or
    worklog event without the ids we need; another event is a Delivery without change."""
    if not _is_event_id(identifier):
        raise Refused(400, "missing X-Atlassian-Webhook-Identifier")
    data = _json(body)
    event = data.get("webhookEvent")
    sent = data.get("timestamp")
    if isinstance(sent, int) and not isinstance(sent, bool):
        try:
            sent_at = dt.datetime.fromtimestamp(sent / 1000, tz=dt.UTC)
        except (OverflowError, OSError, ValueError):  # beyond year 9999: not a time
            raise Refused(400, "Jira timestamp that is not a time") from None
        check_age(sent_at)
    elif event in JIRA_ISSUE_EVENTS or event in JIRA_WORKLOG_EVENTS:
        raise Refused(400, "Jira event without its timestamp (epoch milliseconds)")
    body_id = "body:" + hashlib.sha256(body).hexdigest()
    if event in JIRA_ISSUE_EVENTS:
        issue = data.get("issue")
        issue_id = issue.get("id") if isinstance(issue, dict) else None
        if not _is_id(issue_id):
            raise Refused(400, "Jira issue event without issue.id")
        change = Change(PendingChange.Kind.JIRA_ISSUE, str(int(issue_id)))
        return Delivery(identifier, change, also_seen_as=body_id)
    if event in JIRA_WORKLOG_EVENTS:
        worklog = data.get("worklog")
        ids = (worklog.get("id"), worklog.get("issueId")) if isinstance(worklog, dict) else ()
        if len(ids) != 2 or not all(_is_id(i) for i in ids):
            raise Refused(400, "Jira worklog event without worklog.id and worklog.issueId")
        return Delivery(
            identifier,
            Change(PendingChange.Kind.JIRA_WORKLOG, str(int(ids[0])), str(int(ids[1]))),
            also_seen_as=body_id,
        )
    if not isinstance(event, str):
        raise Refused(400, "Jira delivery without webhookEvent")
    return Delivery(identifier, None, also_seen_as=body_id)


def _json(body: bytes) -> dict:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):  # nested past the stack
        raise Refused(400, "body that is not JSON") from None
    if not isinstance(data, dict):
        raise Refused(400, "body that is not a JSON object")
    return data


def _is_event_id(value: object) -> bool:
    return isinstance(value, str) and 0 < len(value) <= MAX_EVENT_ID


def _is_id(value: object) -> bool:
    """A Jira or Tempo id: an integer, or a string of at most 18 digits (Jira writes them
    as strings, Tempo as integers)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return 0 < value < 10**18
    return isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 18


def accept(subscription: Subscription, delivery: Delivery) -> bool:
    """Record the delivery and the change it announces; True when it is new, False for one
    already seen (nothing else is written then).

    Written in one transaction: the seen id, the change (one row per kind and id: a flood
    coalesces), and the subscription's count and last event time.
    """
    now = timezone.now()
    try:
        with transaction.atomic():
            for event_id in filter(None, (delivery.event_id, delivery.also_seen_as)):
                SeenEvent.objects.create(
                    service=subscription.service, event_id=event_id, received_at=now
                )
            if delivery.change is not None:
                change = delivery.change
                PendingChange.objects.bulk_create(
                    [
                        PendingChange(
                            kind=change.kind,
                            remote_id=change.remote_id,
                            issue_id=change.issue_id,
                            received_at=now,
                        )
                    ],
                    update_conflicts=True,
                    unique_fields=["kind", "remote_id"],
                    update_fields=["issue_id", "received_at"],
                )
            updates = {"last_event_at": now, "events_received": F("events_received") + 1}
            if subscription.status == Subscription.Status.INACTIVE:
                # A delivery proves Tempo sends again (refreshed, or never really off).
                updates.update(status=Subscription.Status.LIVE, problem="")
            Subscription.objects.filter(pk=subscription.pk).update(**updates)
    except IntegrityError:
        return False  # a seen id exists: a retry or a replay
    return True
