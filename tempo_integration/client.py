"""TempoClient: the only code that talks to Tempo's REST API (API-CONTRACTS.md §1, §5).

It owns the HTTP session, the timeouts, the retries and the paging, and turns every
failure into one of a few exceptions that callers turn into sentences for people. The
token lives in the session's ``Authorization`` header and nowhere else: not in URLs, not
in log lines, not in exception text.
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings

logger = logging.getLogger(__name__)

# Tempo's largest page size for worklog lists (API-CONTRACTS.md §1).
MAX_PAGE_SIZE = 5000
# A loop guard for paging: far beyond any real project (5,000 x 10,000 worklogs).
MAX_PAGES = 10_000


def _sleep(seconds: float) -> None:
    # Looked up at each client's creation, so tests can replace it without touching `time`.
    time.sleep(seconds)


class TempoError(Exception):
    """Base class: something went wrong talking to Tempo."""


class TempoAuthError(TempoError):
    """401: the token is wrong, expired, regenerated or deleted."""


class TempoScopeError(TempoError):
    """403: the token is valid but may not do this (e.g. no Worklogs view scope)."""


class TempoRequestError(TempoError):
    """Another 4xx: the request itself was refused (a bug on our side, not worth retrying)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"Tempo refused the request ({status}): {message}")
        self.status = status


class TempoUnavailable(TempoError):
    """Tempo could not be reached or did not answer sensibly within the retry budget."""


class _Retry(Exception):
    """One attempt failed in a way worth retrying after ``delay`` seconds."""

    def __init__(self, delay: float, reason: str) -> None:
        super().__init__(reason)
        self.delay = delay
        self.reason = reason


def _retry_after_seconds(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:  # Retry-After may also be an HTTP date.
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, parsed.timestamp() - time.time())


def _error_message(response: requests.Response) -> str:
    # Tempo's docs show both {"errors": [{"message": ...}]} and {"errors": {"message": ...}}.
    try:
        errors = response.json().get("errors")
    except (ValueError, AttributeError):
        return f"HTTP {response.status_code}"
    if isinstance(errors, dict):
        errors = [errors]
    if isinstance(errors, list):
        messages = [str(e.get("message")) for e in errors if isinstance(e, dict)]
        if messages:
            return "; ".join(messages)
    return f"HTTP {response.status_code}"


class TempoClient:
    """A client for one Tempo token.

    ``retry_budget`` bounds the total seconds spent waiting between attempts of one call;
    a call that would need to wait longer fails with ``TempoUnavailable`` instead.
    """

    def __init__(
        self,
        token: str,
        *,
        base_url: str | None = None,
        connect_timeout: float | None = None,
        read_timeout: float | None = None,
        retry_budget: float | None = None,
        min_interval: float | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.base_url = (base_url or settings.TEMPO_BASE_URL).rstrip("/")
        self.timeout = (
            connect_timeout if connect_timeout is not None else settings.TEMPO_CONNECT_TIMEOUT,
            read_timeout if read_timeout is not None else settings.TEMPO_READ_TIMEOUT,
        )
        self.retry_budget = (
            retry_budget if retry_budget is not None else settings.TEMPO_RETRY_BUDGET
        )
        # Tempo asks clients to stay under about 5 requests per second.
        self.min_interval = min_interval if min_interval is not None else 0.2
        self._sleep = sleep or _sleep
        self._last_request_at = 0.0
        self.request_count = 0
        self.session = requests.Session()
        self.session.headers.update(
            {
                "Authorization": f"Bearer {token}",
                "Accept": "application/json",
                "User-Agent": "worklog-report/0.1",
            }
        )

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> TempoClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- calls -------------------------------------------------------------------------

    def check_access(self) -> None:
        """Prove the token may read worklogs, with one cheap call.

        Returns quietly when it may; raises TempoAuthError (401), TempoScopeError (403) or
        TempoUnavailable otherwise.
        """
        self.get_page("/4/worklogs", {"limit": 1})

    def get_page(self, path_or_url: str, params: dict[str, Any] | None = None) -> dict:
        """One page of a Tempo list: the parsed envelope, checked to be Tempo's."""
        url = path_or_url if "://" in path_or_url else f"{self.base_url}{path_or_url}"
        payload = self._request_json("GET", url, params=params)
        metadata = payload.get("metadata") if isinstance(payload, dict) else None
        if not isinstance(metadata, dict) or not isinstance(payload.get("results"), list):
            raise TempoUnavailable("Tempo answered with JSON that is not a Tempo page.")
        return payload

    def iter_pages(self, path: str, params: dict[str, Any] | None = None) -> Iterator[dict]:
        """Every page of a list, following ``metadata.next`` verbatim until it is absent."""
        page = self.get_page(path, params)
        for _ in range(MAX_PAGES):
            yield page
            next_url = page["metadata"].get("next")
            if not next_url:
                return
            page = self.get_page(next_url)
        raise TempoUnavailable(f"Tempo kept returning pages after {MAX_PAGES}; stopped.")

    # -- transport ---------------------------------------------------------------------

    def _request_json(self, method: str, url: str, **kwargs: Any) -> Any:
        waited = 0.0
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._attempt(method, url, attempt, **kwargs)
            except _Retry as retry:
                if waited + retry.delay > self.retry_budget:
                    logger.warning(
                        "Tempo %s %s gave up after %d attempt(s): %s",
                        method,
                        urlsplit(url).path,
                        attempt,
                        retry.reason,
                    )
                    raise TempoUnavailable(retry.reason) from None
                self._sleep(retry.delay)
                waited += retry.delay

    def _attempt(self, method: str, url: str, attempt: int, **kwargs: Any) -> Any:
        """One HTTP attempt: the parsed body, or _Retry, or a final TempoError."""
        self._throttle()
        path = urlsplit(url).path
        started = time.monotonic()
        self.request_count += 1
        try:
            response = self.session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.Timeout:
            raise _Retry(self._backoff(attempt), "Tempo did not answer in time.") from None
        except requests.RequestException as exc:
            # Keep only the class name: the text of some exceptions quotes the whole URL.
            raise _Retry(
                self._backoff(attempt), f"Tempo could not be reached ({type(exc).__name__})."
            ) from None
        logger.info(
            "Tempo %s %s -> %s in %.0f ms",
            method,
            path,
            response.status_code,
            (time.monotonic() - started) * 1000,
        )
        status = response.status_code
        if status == 401:
            raise TempoAuthError("Tempo rejected the token (401).")
        if status == 403:
            raise TempoScopeError("Tempo refused this token access to worklogs (403).")
        if status == 429:
            wait = _retry_after_seconds(response)
            raise _Retry(
                wait if wait is not None else self._backoff(attempt),
                "Tempo is rate limiting requests (429).",
            )
        if status >= 500:
            # Tempo's advice for 5xx: retry after 5, 10, 15 seconds.
            wait = _retry_after_seconds(response)
            raise _Retry(wait if wait is not None else 5.0 * attempt, f"Tempo failed ({status}).")
        if status >= 400:
            raise TempoRequestError(status, _error_message(response))
        try:
            return response.json()
        except ValueError:
            # An HTML login page, a proxy's error page, or a page cut off half-way.
            raise _Retry(
                self._backoff(attempt), "Tempo answered with something that is not JSON."
            ) from None

    def _backoff(self, attempt: int) -> float:
        return min(2.0 ** (attempt - 1), 15.0) * random.uniform(0.7, 1.3)  # noqa: S311

    def _throttle(self) -> None:
        gap = time.monotonic() - self._last_request_at
        if gap < self.min_interval:
            self._sleep(self.min_interval - gap)
        self._last_request_at = time.monotonic()
