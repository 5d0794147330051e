"""The transport shared by the app's two outside doors, TempoClient and JiraClient.

Like healthchecks' ``hc/lib/curl.py``: one small, boring place that owns timeouts, a total
deadline per attempt, retries honouring ``Retry-After`` within a bounded total time,
spacing between requests, and the rule that a failure message never quotes a URL or a
header. Subclasses say how their service's statuses map to their own exceptions
(docs/outside-apis.md §5).

How long one call can take, in seconds: each attempt ends by ``max(deadline, connect +
read)`` (the deadline, ``HTTP_CALL_DEADLINE``, unless the headers themselves come late), and
no attempt starts once the call has spent its ``retry_budget`` on failed attempts and the
waits after them. So a call that never gets an answer fails within about ``retry_budget +
max(deadline, connect + read)``: 90 s for Tempo and 120 s for Jira with the defaults.
"""

from __future__ import annotations

import email.utils
import io
import logging
import random
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3
from django.conf import settings
from django.views.decorators.debug import sensitive_variables

logger = logging.getLogger(__name__)


class ServiceUnavailable(Exception):
    """Base of each client's "could not be reached or did not answer sensibly" error."""


def _sleep(seconds: float) -> None:
    # Looked up at each client's creation, so tests can replace it without touching `time`.
    time.sleep(seconds)


class RetryLater(Exception):
    """One attempt failed in a way worth retrying after ``delay`` seconds."""

    def __init__(self, delay: float, reason: str) -> None:
        super().__init__(reason)
        self.delay = delay
        self.reason = reason


def retry_after_seconds(response: requests.Response) -> float | None:
    """The ``Retry-After`` header in seconds (it may be a number or an HTTP date)."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, parsed.timestamp() - time.time())


def jitter(seconds: float) -> float:
    return seconds * random.uniform(0.7, 1.3)  # noqa: S311 - not for security


# Bytes asked of the socket at a time; a read returns as soon as any have arrived.
CHUNK_SIZE = 64 * 1024


class DeadlinePassed(Exception):
    """The answer was still arriving when the call's deadline passed."""


def read_within(response: requests.Response, deadline: float, read_timeout: float) -> None:
    """Read the whole body of a ``stream=True`` response before ``deadline``.

    ``deadline`` is in ``time.monotonic()`` seconds; ``read_timeout`` the seconds one socket
    read may wait. Each read waits at most that or what is left of the deadline, and
    returns whatever has arrived (``read1``: one socket read), so the clock is checked
    between any two bytes of a dripping answer. Past the deadline the connection is closed
    and ``DeadlinePassed`` raised (docs/outside-apis.md §5; urllib3 issue 1338 on why a read
    timeout alone never ends such an answer). The body is read as sent and decoded (gzip,
    deflate…) once whole: a decoder may read on and on before it has a byte to hand back.
    Afterwards ``response.content``, ``.text`` and ``.json()`` work as usual.

    Not covered: a server dripping its status line and headers, which requests reads before
    it returns the response; each of those reads is limited by the read timeout only.
    Raises urllib3's ``TimeoutError`` when one read waited too long, and its ``HTTPError``
    or ``OSError`` when the connection broke off.
    """
    raw = response.raw
    # None when there is no socket behind the response (the ``responses`` library in tests).
    sock = getattr(raw.connection, "sock", None)
    chunks: list[bytes] = []
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise DeadlinePassed
            limited_by_deadline = left < read_timeout
            if sock is not None:
                # urllib3 sets the socket's timeout again before the connection's next use.
                sock.settimeout(min(read_timeout, left))
            try:
                chunk = raw.read1(CHUNK_SIZE, decode_content=False)
            except urllib3.exceptions.TimeoutError:
                if limited_by_deadline:
                    raise DeadlinePassed from None
                raise
            if not chunk:
                break
            chunks.append(chunk)
    except BaseException:
        response.close()  # the rest of the answer is not wanted: drop the connection
        raise
    body = b"".join(chunks)
    encoding = raw.headers.get("Content-Encoding", "").strip().lower()
    if encoding and encoding != "identity":
        body = urllib3.HTTPResponse(
            body=io.BytesIO(body),
            headers={"Content-Encoding": encoding},
            preload_content=False,
            decode_content=True,
        ).read()
    # What requests itself stores once it has read a body, so the usual accessors work.
    response._content = body
    response._content_consumed = True
    response.close()  # hands the connection back to the pool for the next call


class JsonHttpClient:
    """A JSON API over one ``requests.Session`` whose headers carry the credentials.

    ``timeout`` is (connect, read) seconds, each capped at ``deadline``: the total seconds
    one attempt may take to bring the whole answer in (default ``HTTP_CALL_DEADLINE``). A
    read timeout limits each socket read, not the answer, so a body dripping one byte at a
    time would otherwise last for ever (urllib3 issue 1338, docs/outside-apis.md §5).

    ``retry_budget`` bounds the total seconds one call may spend on failed attempts and the
    waits between them; a call that would need to wait beyond it fails with
    ``unavailable_error`` instead. At most ``max_attempts`` are made whatever the waits: a
    server answering 429 with ``Retry-After: 0`` again and again would otherwise be asked
    for ever.
    """

    service = "the service"
    max_attempts = 8
    unavailable_error: type[ServiceUnavailable] = ServiceUnavailable

    def __init__(
        self,
        base_url: str,
        headers: dict[str, str],
        *,
        timeout: tuple[float, float],
        retry_budget: float,
        deadline: float | None = None,
        min_interval: float = 0.0,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retry_budget = retry_budget
        self.deadline = deadline if deadline is not None else settings.HTTP_CALL_DEADLINE
        self.min_interval = min_interval
        self._sleep = sleep or _sleep
        self._last_request_at = 0.0
        self.request_count = 0
        self.session = requests.Session()
        self.session.headers.update(
            {"Accept": "application/json", "User-Agent": "worklog-report/0.1", **headers}
        )

    def close(self) -> None:
        self.session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def url(self, path_or_url: str) -> str:
        return path_or_url if "://" in path_or_url else f"{self.base_url}{path_or_url}"

    def next_link(self, link: Any) -> str:
        """A list's link to its next page as the service sent it (Tempo's ``metadata.next``,
        Jira's ``nextPage``: full URLs on the address that was called), checked before it is
        followed: a string, an absolute URL with the base URL's scheme, host and port — the
        credentials go with the request, so never to another address. Anything else raises
        the client's unavailable error, a sentence without the link."""
        base = urlsplit(self.base_url)
        try:
            parts = urlsplit(link) if isinstance(link, str) else None
        except ValueError:  # e.g. an unbalanced "[" in the host
            parts = None
        if parts is None or (parts.scheme, parts.netloc.lower()) != (
            base.scheme,
            base.netloc.lower(),
        ):
            raise self.unavailable_error(
                f"{self.service} answered with a link to its next page that is not on "
                f"{self.service}'s address; it was not followed."
            )
        return link

    @sensitive_variables("kwargs")
    def request_json(self, method: str, path_or_url: str, **kwargs: Any) -> Any:
        """One call, retried within the budget; the parsed JSON body (None for a 204 No
        Content), or an exception."""
        url = self.url(path_or_url)
        # Seconds of this call's failed attempts and of the waits after them. The waits are
        # counted as asked for, not as measured, so tests that do not really sleep see the
        # same budget as production.
        spent = 0.0
        attempt = 0
        while True:
            attempt += 1
            started = time.monotonic()
            try:
                return self._attempt(method, url, attempt, **kwargs)
            except RetryLater as retry:
                spent += time.monotonic() - started
                if spent + retry.delay > self.retry_budget or attempt >= self.max_attempts:
                    logger.warning(
                        "%s %s %s gave up after %d attempt(s): %s",
                        self.service,
                        method,
                        urlsplit(url).path,
                        attempt,
                        retry.reason,
                        extra={
                            "service": self.service,
                            "method": method,
                            "path": urlsplit(url).path,
                            "attempts": attempt,
                            "outcome": "gave_up",
                        },
                    )
                    raise self.unavailable_error(retry.reason) from None
                self._sleep(retry.delay)
                spent += retry.delay

    # -- hooks for subclasses ----------------------------------------------------------

    def raise_for_refusal(self, response: requests.Response) -> None:
        """Raise this service's exception for a 4xx other than 429 (never retried)."""
        raise self.unavailable_error(
            f"{self.service} refused the request ({response.status_code})."
        )

    def server_error_delay(self, attempt: int) -> float:
        return jitter(min(5.0 * 2 ** (attempt - 1), 30.0))

    def backoff(self, attempt: int) -> float:
        return jitter(min(2.0 ** (attempt - 1), 15.0))

    # -- one attempt -------------------------------------------------------------------

    @sensitive_variables("kwargs")
    def _attempt(self, method: str, url: str, attempt: int, **kwargs: Any) -> Any:
        self._throttle()
        path = urlsplit(url).path
        started = time.monotonic()
        self.request_count += 1
        response = self._exchange(method, url, attempt, started + self.deadline, **kwargs)
        elapsed_ms = (time.monotonic() - started) * 1000
        logger.info(
            "%s %s %s -> %s in %.0f ms",
            self.service,
            method,
            path,
            response.status_code,
            elapsed_ms,
            extra={
                "service": self.service,
                "method": method,
                "path": path,
                "status": response.status_code,
                "duration_ms": round(elapsed_ms, 1),
                "attempt": attempt,
            },
        )
        status = response.status_code
        if status == 429:
            wait = retry_after_seconds(response)
            raise RetryLater(
                wait if wait is not None else self.backoff(attempt),
                f"{self.service} is rate limiting requests (429).",
            )
        if status >= 500:
            wait = retry_after_seconds(response)
            raise RetryLater(
                wait if wait is not None else self.server_error_delay(attempt),
                f"{self.service} failed ({status}).",
            )
        if status >= 400:
            self.raise_for_refusal(response)
        if status == 204:
            return None  # No Content (RFC 9110 §15.3.5): a success that has no body to parse
        return self.parse(response, attempt)

    def parse(self, response: requests.Response, attempt: int) -> Any:
        """The parsed body of a 2xx answer; one that is not JSON is retried."""
        try:
            return response.json()
        except ValueError:
            # An HTML login page, a proxy's error page, or a page cut off half-way.
            raise RetryLater(
                self.backoff(attempt), f"{self.service} answered with something that is not JSON."
            ) from None

    @sensitive_variables("kwargs")
    def _exchange(
        self, method: str, url: str, attempt: int, deadline: float, **kwargs: Any
    ) -> requests.Response:
        """The whole answer, read before ``deadline`` (``time.monotonic()`` seconds)."""
        connect, read = (min(seconds, self.deadline) for seconds in self.timeout)
        try:
            response = self.session.request(
                method, url, timeout=(connect, read), stream=True, **kwargs
            )
        except requests.Timeout:
            raise RetryLater(
                self.backoff(attempt), f"{self.service} did not answer in time."
            ) from None
        except requests.RequestException as exc:
            # Keep only the class name: the text of some exceptions quotes the whole URL.
            raise RetryLater(
                self.backoff(attempt),
                f"{self.service} could not be reached ({type(exc).__name__}).",
            ) from None
        try:
            read_within(response, deadline, read)
        except DeadlinePassed:
            raise RetryLater(
                self.backoff(attempt),
                f"{self.service} took longer than {self.deadline:g} s to answer.",
            ) from None
        except urllib3.exceptions.TimeoutError:
            raise RetryLater(
                self.backoff(attempt), f"{self.service} did not answer in time."
            ) from None
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise RetryLater(
                self.backoff(attempt),
                f"{self.service} broke off its answer ({type(exc).__name__}).",
            ) from None
        return response

    def _throttle(self) -> None:
        gap = time.monotonic() - self._last_request_at
        if gap < self.min_interval:
            self._sleep(self.min_interval - gap)
        self._last_request_at = time.monotonic()
