"""TempoClient: the only code that talks to Tempo's REST API (docs/outside-apis.md §1, §5).

It turns every failure into one of a few exceptions that callers turn into sentences for
people. The token lives in the session's ``Authorization`` header and nowhere else: not in
URLs, not in log lines, not in exception text. Timeouts, retries and spacing come from the
shared transport in ``worklog_report.http_client``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import requests
from django.conf import settings

from worklog_report.http_client import JsonHttpClient, ServiceUnavailable

from .records import TempoWorklog, TimesheetPeriod, WorklogPage

# Tempo's largest page size for worklog lists (docs/outside-apis.md §1).
MAX_PAGE_SIZE = 5000
# A loop guard for paging: far beyond any real project (5,000 x 10,000 worklogs).
MAX_PAGES = 10_000
# Tempo asks clients to stay under about 5 requests per second.
MIN_INTERVAL = 0.2


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


class TempoUnavailable(TempoError, ServiceUnavailable):
    """Tempo could not be reached or did not answer sensibly within the retry budget."""


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


class TempoClient(JsonHttpClient):
    """A client for one Tempo token (an API token or an OAuth 2.0 access token).

    ``renew``, for an OAuth access token, returns a renewed token: a call Tempo answers 401
    is then tried once more with it (docs/outside-apis.md §5: "on 401 refresh OAuth once").
    Whatever ``renew`` raises (TempoAuthError when the renewal is refused) ends the call.
    """

    service = "Tempo"
    unavailable_error = TempoUnavailable

    def __init__(
        self,
        token: str,
        *,
        base_url: str | None = None,
        connect_timeout: float | None = None,
        read_timeout: float | None = None,
        retry_budget: float | None = None,
        min_interval: float = MIN_INTERVAL,
        sleep: Callable[[float], None] | None = None,
        renew: Callable[[], str] | None = None,
    ) -> None:
        self.renew = renew
        super().__init__(
            base_url or settings.TEMPO_BASE_URL,
            {"Authorization": f"Bearer {token}"},
            timeout=(
                connect_timeout if connect_timeout is not None else settings.TEMPO_CONNECT_TIMEOUT,
                read_timeout if read_timeout is not None else settings.TEMPO_READ_TIMEOUT,
            ),
            retry_budget=retry_budget if retry_budget is not None else settings.TEMPO_RETRY_BUDGET,
            min_interval=min_interval,
            sleep=sleep,
        )

    def request_json(self, method: str, path_or_url: str, **kwargs: Any) -> Any:
        try:
            return super().request_json(method, path_or_url, **kwargs)
        except TempoAuthError:
            if self.renew is None:
                raise
        token = self.renew()
        self.session.headers["Authorization"] = f"Bearer {token}"
        return super().request_json(method, path_or_url, **kwargs)

    def raise_for_refusal(self, response: requests.Response) -> None:
        if response.status_code == 401:
            raise TempoAuthError("Tempo rejected the token (401).")
        if response.status_code == 403:
            raise TempoScopeError("Tempo refused this token access to worklogs (403).")
        raise TempoRequestError(response.status_code, _error_message(response))

    def server_error_delay(self, attempt: int) -> float:
        # Tempo's advice for 5xx: retry after 5, 10, 15 seconds.
        return 5.0 * attempt

    def check_access(self) -> None:
        """Prove the token may read worklogs, with one cheap call.

        Returns quietly when it may; raises TempoAuthError (401), TempoScopeError (403) or
        TempoUnavailable otherwise.
        """
        self.get_page("/4/worklogs", {"limit": 1})

    def get_page(self, path_or_url: str, params: dict[str, Any] | None = None) -> dict:
        """One page of a Tempo list: the parsed envelope, checked to be Tempo's."""
        payload = self.request_json("GET", path_or_url, params=params)
        metadata = payload.get("metadata") if isinstance(payload, dict) else None
        if not isinstance(metadata, dict) or not isinstance(payload.get("results"), list):
            raise TempoUnavailable("Tempo answered with JSON that is not a Tempo page.")
        return payload

    def worklog(self, tempo_worklog_id: int) -> TempoWorklog | None:
        """One worklog read directly (``GET /4/worklogs/{id}``), or None when Tempo answers
        404: the sync's proof that a worklog a full read did not list was deleted (a list
        paged while it changes can skip one; docs/outside-apis.md §1, §6).

        Raises MalformedWorklog when Tempo answers with a worklog that cannot be read.
        """
        try:
            payload = self.request_json("GET", f"/4/worklogs/{int(tempo_worklog_id)}")
        except TempoRequestError as exc:
            if exc.status == 404:
                return None
            raise
        if not isinstance(payload, dict) or "tempoWorklogId" not in payload:
            raise TempoUnavailable("Tempo answered with JSON that is not a worklog.")
        return TempoWorklog.from_api(payload)

    def timesheet_approval(self, account_id: str, day: str) -> TimesheetPeriod | None:
        """The approval of one person's timesheet for the period holding ``day``
        ("YYYY-MM-DD"): ``GET /4/timesheet-approvals/user/{accountId}?from=`` answers ONE
        object (docs/outside-apis.md §1). None when Tempo answers 404 (a user it does not
        know). Raises TempoScopeError on 403 (a token without the Approvals scope) and
        TempoUnavailable for an answer that is not an approval."""
        try:
            path = f"/4/timesheet-approvals/user/{quote(account_id, safe=':')}"
            payload = self.request_json("GET", path, params={"from": day})
        except TempoRequestError as exc:
            if exc.status == 404:
                return None
            raise
        try:
            return TimesheetPeriod.from_api(payload)
        except ValueError:
            raise TempoUnavailable(
                "Tempo answered with JSON that is not a timesheet approval."
            ) from None

    def iter_worklog_pages(
        self, path: str, params: dict[str, Any] | None = None
    ) -> Iterator[WorklogPage]:
        """Every page of a worklog list (``/4/worklogs/...``), read: the worklogs that could
        be read, and how many could not (counted, not raised: one bad item never stops a
        project's sync); the list's last page says so (``WorklogPage.last``). Raises what
        ``iter_pages`` raises.
        """
        for page in self.iter_pages(path, params):
            read = WorklogPage.from_page(page)
            # Drop the raw page before the caller holds the records: one page in memory.
            del page
            yield read

    def iter_pages(self, path: str, params: dict[str, Any] | None = None) -> Iterator[dict]:
        """Every page of a list, following ``metadata.next`` verbatim until it is absent;
        a link that is not on Tempo's address raises TempoUnavailable (``next_link``)."""
        page = self.get_page(path, params)
        for _ in range(MAX_PAGES):
            next_url = page["metadata"].get("next")
            yield page
            # Drop our reference first, so at most one page is in memory (the caller's).
            page = None
            if not next_url:
                return
            page = self.get_page(self.next_link(next_url))
        raise TempoUnavailable(f"Tempo kept returning pages after {MAX_PAGES}; stopped.")
