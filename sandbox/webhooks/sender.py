"""The one background sender of webhook deliveries, and Tempo's verification handshake.

A daemon thread of the sandbox's server process, started on first need (`wake()`), takes
the due `Delivery` rows oldest first and POSTs them with `requests` and explicit timeouts;
nothing a receiver does can block or fail the request that made the change. It polls the
table a few times a second and is woken at once when a change is committed. Held
(`paused` setting) it sends nothing; the rows wait.

Tempo (Tempo's v4 OpenAPI, "Using Tempo Webhooks": "Validation and security", "Retry
policy"):
- headers `Content-Type: application/json`, `Tempo-Timestamp` (ISO 8601 UTC with
  milliseconds, of the first attempt, the same on every retry), `Tempo-Signature`
  (lowercase hex HMAC-SHA256, key the subscription's `sharedSecret` in UTF-8, message the
  body text followed by the `Tempo-Timestamp` value, in UTF-8), `Tempo-Jira-Client-Key` and
  `Tempo-Tenant-ID` (fixed sandbox values, SANDBOX_TEMPO_JIRA_CLIENT_KEY and
  SANDBOX_TEMPO_TENANT_ID);
- success is a 2xx within the timeout (Tempo: 30 s; here `timeout_seconds`), which bounds
  the whole exchange (connecting, sending, the answer and up to 64 KiB of its body, the
  rest is not read and the connection closed): a receiver dripping bytes times out; an answer of
  400 or more (any non-2xx here), a failed connection or a timeout is retried up to
  `max_retries.tempo` times (Tempo: 10), each after a random delay in
  `retry_delay_seconds` (Tempo: 5 to 15 minutes); after the last failure the subscription
  is deactivated and receives nothing until `PATCH .../refresh`. A retry sends the identical
  body, eventId, timestamp and signature.

Jira (Atlassian's "Webhooks" page: "Secure admin webhooks", "Retry policy"):
- headers `Content-Type: application/json`, `X-Atlassian-Webhook-Identifier` (one per
  delivery, the same on its retries), `X-Atlassian-Webhook-Retry: <n>` on the n-th retry
  only, and with a secret `X-Hub-Signature: sha256=<lowercase hex HMAC-SHA256(secret, raw
  body bytes)>`;
- retried when the answer is 408, 409, 425, 429 or 5xx, or the connection fails or times
  out, never on another 4xx; up to `max_retries.jira` times (assumed 5); the webhook stays
  enabled whatever happens (assumed).

Every attempt is recorded before it is made (its number, Tempo's timestamp, and the time
of the next attempt should its outcome not be saved), so a retry always sends the same
headers and body, and a failed save cannot make the sender resend at once. Whatever goes
wrong with one delivery (even an error of the sandbox's own, such as a header it cannot
encode) is that attempt's failure, retried on the schedule; the loop moves on to the next
delivery and survives any error.

A delivery whose subscription was deleted or deactivated meanwhile is not sent
(`cancelled`). Drops (`drop_rate`, a webhook outage) are decided when a delivery is queued
(events.py); with a `seed`, drops and retry delays are a function of the seed and a
counter (drops) or the delivery and attempt (delays), so they repeat across restarts.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import random
import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import requests
from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import F
from django.utils import timezone
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from sandbox.loopback import is_loopback
from sandbox.webhooks.models import (
    Delivery,
    JiraWebhook,
    Outcome,
    Service,
    TempoSubscription,
    WebhookSettings,
    random_string,
)

logger = logging.getLogger(__name__)

# How often the sender looks for due deliveries when nobody wakes it (seconds).
POLL_SECONDS = 0.1
# Jira retries these statuses and every 5xx (Atlassian's "Retry policy").
JIRA_RETRIED = frozenset({408, 409, 425, 429})
LOOPBACK_NAMES = frozenset({"localhost"})
# At most this much of an answer's body is read; the rest is not, the connection closed.
ANSWER_LIMIT = 64 * 1024
UNRECORDED = "its outcome could not be recorded"

_start_lock = threading.Lock()
_thread: threading.Thread | None = None
_wake = threading.Event()
# Deliveries whose failure could not be written (the database refused): not tried again
# before this time.monotonic(), so they cannot hold up the others.
_held: dict[int, float] = {}


# -- URLs -------------------------------------------------------------------------------


def url_problem(url: Any) -> str | None:
    """Why `url` may not receive webhooks, or None: https anywhere, http only on loopback
    (127.0.0.0/8, ::1, localhost; the sandbox's allowance so tests can receive)."""
    if not isinstance(url, str) or not url.strip():
        return "'url' is required."
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
        parts.port  # noqa: B018  (raises for a bad port)
    except ValueError:
        return f"'{url}' is not a valid URL."
    if not host:
        return f"'{url}' is not a valid URL."
    if parts.scheme == "https":
        return None
    if parts.scheme == "http" and (host.lower() in LOOPBACK_NAMES or is_loopback(host)):
        return None
    return "The webhook URL must use https (http is accepted for loopback hosts only)."


# -- repeatable draws -------------------------------------------------------------------


def unit(*parts: object) -> float:
    """A number in [0, 1) that depends only on `parts` (a seed and a counter, say)."""
    digest = hashlib.sha256(":".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def drops(rate: float, seed: int | None, draws: range) -> list[bool]:
    """Whether each delivery is dropped: with a seed, a function of (seed, draw number),
    the draw numbers counted in the settings row (events.py); without, at random."""
    if rate <= 0:
        return [False] * len(draws)
    if seed is None:
        return [random.random() < rate for _ in draws]  # noqa: S311  (not security)
    return [unit(seed, "drop", number) < rate for number in draws]


def _delay(delivery: Delivery, conf: dict[str, Any]) -> float:
    """The wait before the next attempt: with a seed, a function of (seed, delivery,
    attempt), so a test sees the same delays on every run."""
    low, high = conf["retry_delay_seconds"]
    if conf["seed"] is None:
        return random.uniform(low, high)  # noqa: S311  (not security)
    return low + (high - low) * unit(conf["seed"], "delay", delivery.pk, delivery.attempts)


# -- the thread -------------------------------------------------------------------------


def wake() -> None:
    """Start the sender if it is not running, and have it look for due deliveries now."""
    global _thread
    with _start_lock:
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_run, name="sandbox-webhook-sender", daemon=True)
            _thread.start()
    _wake.set()


def new_session() -> requests.Session:
    """A session whose exchanges `_exchange` can cut off at their deadline."""
    session = requests.Session()
    # Never through a proxy from the environment: receivers are on this machine in tests.
    session.trust_env = False
    adapter = _WatchedAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _run() -> None:
    session = new_session()
    while True:
        # Nothing may end this loop: a dead sender would send nothing until the next change.
        try:
            _wake.wait(POLL_SECONDS)
            _wake.clear()
            while _send_next(session):
                pass
        except Exception:
            logger.exception("The webhook sender failed; it carries on.")
            try:
                # A broken connection is replaced on the next query.
                connection.close()
            except Exception:
                logger.exception("The webhook sender could not close its database connection.")
            time.sleep(POLL_SECONDS)


def _send_next(session: requests.Session) -> bool:
    """Attempt the next due delivery; False when there is none (or sending is held)."""
    conf = WebhookSettings.current()
    if conf["paused"]:
        return False
    now = time.monotonic()
    for pk, until in list(_held.items()):
        if until <= now:
            del _held[pk]
    delivery = (
        Delivery.objects.filter(outcome=Outcome.PENDING, next_attempt_at__lte=timezone.now())
        .exclude(pk__in=list(_held))
        .order_by("next_attempt_at", "id")
        .first()
    )
    if delivery is None:
        return False
    attempts = delivery.attempts
    try:
        if delivery.service == Service.TEMPO:
            _attempt_tempo(session, delivery, conf)
        else:
            _attempt_jira(session, delivery, conf)
    except Exception as error:
        logger.exception("Webhook delivery %s failed in the sandbox.", delivery.pk)
        _failed_in_sandbox(delivery.pk, attempts, conf, error)
    return True


def _failed_in_sandbox(pk: int, attempts: int, conf: dict[str, Any], error: Exception) -> None:
    """Record an error of the sandbox's own (not the receiver's) as the attempt's failure,
    retried on the schedule; if even that cannot be written, leave the delivery aside for
    a retry delay, so the others go on."""
    reason = f"the sandbox failed ({type(error).__name__}: {error})"
    try:
        delivery = Delivery.objects.filter(pk=pk, outcome=Outcome.PENDING).first()
        if delivery is None:
            return
        # Not recorded (its start failed): recorded now. Else it was, with its next attempt
        # scheduled, and only its outcome was lost. Either way it counts as failed.
        if delivery.attempts == attempts and not _start(delivery, conf):
            return
        _note(delivery, reason)
        _failed(delivery, conf, status=None, reason=reason)
    except Exception:
        logger.exception("Could not record the failure of webhook delivery %s.", pk)
        low, high = conf["retry_delay_seconds"]
        _held[pk] = time.monotonic() + max(float(high), POLL_SECONDS)


# -- one attempt ------------------------------------------------------------------------


def iso_millis(moment: datetime) -> str:
    """`2026-11-30T09:12:33.123Z`: ISO 8601 in UTC with milliseconds (Tempo's timestamps:
    the `Tempo-Timestamp` header, the payloads' and subscriptions' dates)."""
    moment = moment.astimezone(UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"


def tempo_signature(secret: str, body: str, timestamp: str) -> str:
    return hmac.new(secret.encode(), (body + timestamp).encode(), hashlib.sha256).hexdigest()


def hub_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _attempt_tempo(session: requests.Session, delivery: Delivery, conf: dict[str, Any]) -> None:
    subscription = TempoSubscription.objects.filter(pk=delivery.subscription).first()
    if subscription is None or not subscription.active:
        _finish(delivery, Outcome.CANCELLED, reason="the subscription is gone or inactive")
        return
    if not delivery.timestamp:
        # Saved with the attempt's start, before it is sent: every retry signs the same.
        delivery.timestamp = iso_millis(timezone.now())
    if not _start(delivery, conf):
        return
    headers = {
        "Content-Type": "application/json",
        "Tempo-Timestamp": delivery.timestamp,
        "Tempo-Signature": tempo_signature(
            subscription.shared_secret, delivery.body, delivery.timestamp
        ),
        "Tempo-Jira-Client-Key": settings.SANDBOX_TEMPO_JIRA_CLIENT_KEY,
        "Tempo-Tenant-ID": settings.SANDBOX_TEMPO_TENANT_ID,
    }
    status, reason = _post(session, delivery, headers, conf)
    if status is not None and 200 <= status < 300:
        TempoSubscription.objects.filter(pk=subscription.pk).update(failures=0)
        _finish(delivery, Outcome.SENT, status=status)
        return
    _failed(delivery, conf, status=status, reason=reason)


def _attempt_jira(session: requests.Session, delivery: Delivery, conf: dict[str, Any]) -> None:
    webhook = JiraWebhook.objects.filter(pk=delivery.subscription).first()
    if webhook is None or not webhook.enabled:
        _finish(delivery, Outcome.CANCELLED, reason="the webhook is gone")
        return
    headers = {"X-Atlassian-Webhook-Identifier": delivery.event_id}
    if delivery.body:
        headers["Content-Type"] = "application/json"
    if delivery.attempts > 0:
        headers["X-Atlassian-Webhook-Retry"] = str(delivery.attempts)
    if webhook.secret:
        headers["X-Hub-Signature"] = hub_signature(webhook.secret, delivery.body.encode())
    if not _start(delivery, conf):
        return
    status, reason = _post(session, delivery, headers, conf)
    if status is not None and 200 <= status < 300:
        _finish(delivery, Outcome.SENT, status=status)
        return
    _failed(delivery, conf, status=status, reason=reason)


def _start(delivery: Delivery, conf: dict[str, Any]) -> bool:
    """Record the attempt before making it: its number, Tempo's timestamp, and when to try
    again should its outcome not be saved. False when the delivery is gone (a reset)."""
    delivery.attempts += 1
    delivery.history = [
        *delivery.history,
        {"attempt": delivery.attempts, "at": timezone.now().isoformat(), "reason": UNRECORDED},
    ]
    delivery.next_attempt_at = timezone.now() + timedelta(seconds=_delay(delivery, conf))
    return _store(delivery)


def _note(delivery: Delivery, reason: str = "", status: int | None = None) -> None:
    """Put the outcome of the current attempt in its history entry."""
    entry = {key: value for key, value in delivery.history[-1].items() if key != "reason"}
    if status is not None:
        entry["status"] = status
    if reason:
        entry["reason"] = reason
    delivery.history = [*delivery.history[:-1], entry]


def _failed(delivery: Delivery, conf: dict[str, Any], *, status: int | None, reason: str) -> None:
    """The current attempt failed: retry on the schedule, or give up as the service does."""
    if delivery.service == Service.TEMPO:
        subscriptions = TempoSubscription.objects.filter(pk=delivery.subscription)
        subscriptions.update(failures=F("failures") + 1)
        if delivery.attempts - 1 < conf["max_retries"]["tempo"]:
            _retry_later(delivery, status=status, reason=reason)
            return
        # Tempo: "after the last retry fails, the subscription is deactivated".
        subscriptions.update(active=False, updated_at=timezone.now())
    else:
        retried = status is None or status in JIRA_RETRIED or status >= 500
        if retried and delivery.attempts - 1 < conf["max_retries"]["jira"]:
            _retry_later(delivery, status=status, reason=reason)
            return
    _finish(delivery, Outcome.FAILED, status=status, reason=reason or f"answered {status}")


def _post(
    session: requests.Session, delivery: Delivery, headers: dict[str, str], conf: dict[str, Any]
) -> tuple[int | None, str]:
    """POST the delivery once: (status, "") when answered, (None, why) when not."""
    timeout = float(conf["timeout_seconds"])
    response, _, reason = _exchange(
        session, "POST", delivery.url, timeout, data=delivery.body.encode(), headers=headers
    )
    if response is None:
        _note(delivery, reason=reason)
        return None, reason
    _note(delivery, status=response.status_code)
    return response.status_code, ""


def _retry_later(delivery: Delivery, *, status: int | None, reason: str) -> None:
    # next_attempt_at was set when the attempt started (`_start`).
    delivery.last_status, delivery.last_reason = status, reason
    _store(delivery)


def _store(delivery: Delivery) -> bool:
    """Save the delivery; False when it was deleted meanwhile (a reset): it stays deleted."""
    try:
        delivery.save(force_update=True)
    except DatabaseError:
        if Delivery.objects.filter(pk=delivery.pk).exists():
            raise
        return False
    return True


def _finish(
    delivery: Delivery, outcome: str, *, status: int | None = None, reason: str = ""
) -> None:
    delivery.outcome = outcome
    delivery.last_status, delivery.last_reason = status, reason
    delivery.finished_at = timezone.now()
    _store(delivery)


# -- one exchange, within its deadline --------------------------------------------------


_current = threading.local()


class _Deadline:
    """The whole of one exchange ends by its deadline: a timer shuts the exchange's sockets
    down when it passes. (A socket timeout limits each read only: a receiver dripping a
    byte now and then would never time out.)"""

    def __init__(self, seconds: float) -> None:
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Deadline:
        _current.deadline = self
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()
        _current.deadline = None

    def watch(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed
        sock.shutdown(socket.SHUT_RDWR)


def _watch(sock: socket.socket | None) -> None:
    deadline = getattr(_current, "deadline", None)
    if deadline is not None:
        deadline.watch(sock)


class _WatchedHTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        _watch(sock)  # before TLS's handshake, which reads too
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:
        _watch(self.sock)  # a connection kept alive from an earlier exchange
        super().request(*args, **kwargs)


class _WatchedHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        _watch(sock)
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:
        _watch(self.sock)
        super().request(*args, **kwargs)


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class _WatchedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _WatchedHTTPPool,
            "https": _WatchedHTTPSPool,
        }


def _exchange(
    session: requests.Session, method: str, url: str, timeout: float, **kwargs: Any
) -> tuple[requests.Response | None, bytes, str]:
    """One request whose whole exchange (connecting, sending, the answer and up to
    ANSWER_LIMIT bytes of its body) ends within `timeout` seconds: (the answer, its body,
    "") or (None, b"", why not). A longer body is cut (`len(body) > ANSWER_LIMIT`) and its
    connection closed. Never raises."""
    late = f"no answer within {timeout:g} s"
    deadline = _Deadline(timeout)
    try:
        with deadline:
            response = session.request(
                method,
                url,
                timeout=(timeout, timeout),
                allow_redirects=False,
                stream=True,
                **kwargs,
            )
            try:
                body = bytearray()
                for chunk in response.iter_content(8192):
                    body += chunk
                    if len(body) > ANSWER_LIMIT:
                        break  # not read further; close() drops the connection
            finally:
                response.close()
    except requests.Timeout:
        return None, b"", late
    except Exception as error:
        if deadline.expired:
            return None, b"", late  # the deadline shut the sockets: whatever that raised
        if isinstance(error, requests.RequestException):
            return None, b"", f"connection failed ({type(error).__name__})"
        # The sandbox's own failure (a header it cannot encode, say): this attempt's.
        logger.exception("A webhook request failed in the sandbox.")
        return None, b"", f"the sandbox failed ({type(error).__name__}: {error})"
    if deadline.expired:
        return None, b"", late
    return response, bytes(body), ""


# -- Tempo's verification handshake -----------------------------------------------------


def verify(url: str) -> tuple[bool, str]:
    """Tempo's "Subscription verification": `GET <url>?randomString=<128 alphanumeric>`,
    which must answer 200 with a text/plain body equal to randomString (surrounding
    whitespace ignored). Returns (passed, "ok" or why not). Synchronous, the whole exchange
    within SANDBOX_WEBHOOK_HANDSHAKE_TIMEOUT (10 s), at most 64 KiB of answer read: the app
    registers from a background worker, so its web server is free to answer."""
    challenge = random_string()
    parts = urlsplit(url)
    query = f"{parts.query}&" if parts.query else ""
    target = urlunsplit(parts._replace(query=query + urlencode({"randomString": challenge})))
    timeout = float(settings.SANDBOX_WEBHOOK_HANDSHAKE_TIMEOUT)
    with new_session() as session:
        response, body, reason = _exchange(session, "GET", target, timeout)
    if response is None:
        if reason.startswith("no answer"):
            return False, f"no answer to the verification within {timeout:g} s"
        if reason.startswith("connection failed"):
            return False, f"the verification could not connect{reason[len('connection failed') :]}"
        return False, f"the verification failed: {reason}"
    if response.status_code != 200:
        return False, f"the verification was answered {response.status_code}"
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if content_type != "text/plain":
        return False, f"the verification was answered as {content_type or 'no type'}"
    if len(body) > ANSWER_LIMIT:
        return False, f"the verification's answer is longer than {ANSWER_LIMIT} bytes"
    if body.decode(response.encoding or "utf-8", errors="replace").strip() != challenge:
        return False, "the verification's answer is not the randomString"
    return True, "ok"
