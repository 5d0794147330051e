"""The transport shared by the app's two outside doors, TempoClient and JiraClient.

Like healthchecks' ``hc/lib/curl.py``: one small, boring place that owns timeouts, retries
honouring ``Retry-After`` within a bounded total wait, spacing between requests, and the
rule that a failure message never quotes a URL or a header. Subclasses say how their
service's statuses map to their own exceptions (API-CONTRACTS.md §5).
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import requests

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


class JsonHttpClient:
    """A JSON API over one ``requests.Session`` whose headers carry the credentials.

    ``retry_budget`` bounds the total seconds one call may spend waiting between attempts;
    a call that would need to wait longer fails with ``unavailable_error`` instead. At most
    ``max_attempts`` are made whatever the waits: a server answering 429 with
    ``Retry-After: 0`` again and again would otherwise be asked for ever.
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
        min_interval: float = 0.0,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retry_budget = retry_budget
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

    def request_json(self, method: str, path_or_url: str, **kwargs: Any) -> Any:
        """One call, retried within the budget; the parsed JSON body, or an exception."""
        url = self.url(path_or_url)
        waited = 0.0
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._attempt(method, url, attempt, **kwargs)
            except RetryLater as retry:
                if waited + retry.delay > self.retry_budget or attempt >= self.max_attempts:
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
                waited += retry.delay

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

    def _attempt(self, method: str, url: str, attempt: int, **kwargs: Any) -> Any:
        self._throttle()
        path = urlsplit(url).path
        started = time.monotonic()
        self.request_count += 1
        try:
            response = self.session.request(method, url, timeout=self.timeout, **kwargs)
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
        try:
            return response.json()
        except ValueError:
            # An HTML login page, a proxy's error page, or a page cut off half-way.
            raise RetryLater(
                self.backoff(attempt), f"{self.service} answered with something that is not JSON."
            ) from None

    def _throttle(self) -> None:
        gap = time.monotonic() - self._last_request_at
        if gap < self.min_interval:
            self._sleep(self.min_interval - gap)
        self._last_request_at = time.monotonic()
