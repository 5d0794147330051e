"""Atlassian's three paging styles (docs/outside-apis.md §3, "Paging styles").

- JSM (`/rest/servicedeskapi/`): `start`/`limit`, answered with `size`, `isLastPage` and
  `_links` (`next`/`prev` only when such a page exists). No total.
- Jira offset (`project/search`): `startAt`/`maxResults`, answered with `total`, `isLast`
  and `nextPage`.
- Enhanced search (`search/jql`): an opaque `nextPageToken`, absent on the last page.

Each reads one row more than the page holds to learn whether another page follows.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db.models import QuerySet
from django.http import HttpRequest, QueryDict

from sandbox.jira.errors import JiraError
from sandbox.shapes import jira as shapes

Row = TypeVar("Row")

JSM_DEFAULT_LIMIT = 50
JSM_MAX_LIMIT = 50  # (assumed) JSM documents no maximum; 50 is its default and common cap.
OFFSET_DEFAULT_MAX_RESULTS = 50
OFFSET_MAX_RESULTS = 100  # `project/search` treats anything larger as 100.
INT32_MAX = 2**31 - 1  # `startAt`, `maxResults`, `start`, `limit` are int32 in Jira's OpenAPI.
# Epoch milliseconds (`since`, `startedAfter`, `startedBefore`) are int64 in Jira's OpenAPI;
# the sandbox takes those a date can hold (to 9999-12-31T23:59:59.999Z) and answers 400 above.
EPOCH_MS_MAX = 253_402_300_799_999


def integer_param(
    params: QueryDict | dict[str, Any], name: str, default: int, maximum: int = INT32_MAX
) -> int:
    """A whole number from 0 to `maximum` from the query string (or a JSON body), else 400.

    Jira answers 400 naming the parameter for a value that is not a number or does not fit
    its type (int32 for paging, int64 epoch milliseconds), never a server error.
    """
    raw = params.get(name)
    if raw in (None, ""):
        return default
    text = "" if isinstance(raw, bool) else str(raw).strip()
    # ASCII digits only: `str.isdigit()` also accepts "²", which `int()` refuses.
    if not (text.isascii() and text.isdigit()) or int(text) > maximum:
        raise JiraError(
            400,
            f"The '{name}' parameter must be a whole number from 0 to {maximum}.",
            i18n_key="sd.error.param",
            field_errors={name: f"'{name}' must be a whole number from 0 to {maximum}."},
        )
    return int(text)


def with_params(request: HttpRequest, **changes: int | str) -> str:
    """This request's absolute URL with some query parameters replaced."""
    params = request.GET.copy()
    for name, value in changes.items():
        params[name] = str(value)
    return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")


def jsm_page(
    request: HttpRequest,
    rows: QuerySet[Any] | Sequence[Any],
    serialize: Callable[[Any], dict[str, Any]],
    base: str,
) -> dict[str, Any]:
    """One JSM page of `rows` (already ordered), as `start`/`limit` ask."""
    start = integer_param(request.GET, "start", 0)
    limit = integer_param(request.GET, "limit", JSM_DEFAULT_LIMIT)
    if limit < 1:
        raise JiraError(400, "'limit' must be at least 1.", i18n_key="sd.error.param")
    limit = min(limit, JSM_MAX_LIMIT)
    window = list(rows[start : start + limit + 1])
    is_last = len(window) <= limit
    return shapes.jsm_page(
        [serialize(row) for row in window[:limit]],
        base=base,
        self_url=request.build_absolute_uri(),
        start=start,
        limit=limit,
        is_last=is_last,
        next_url=None if is_last else with_params(request, start=start + limit, limit=limit),
        prev_url=(
            with_params(request, start=max(0, start - limit), limit=limit) if start > 0 else None
        ),
    )


def offset_page(
    request: HttpRequest,
    rows: QuerySet[Any],
    serialize: Callable[[Any], dict[str, Any]],
) -> dict[str, Any]:
    """One page of Jira's offset style (`startAt`/`maxResults`, with `total`)."""
    start_at = integer_param(request.GET, "startAt", 0)
    max_results = integer_param(request.GET, "maxResults", OFFSET_DEFAULT_MAX_RESULTS)
    max_results = min(max(max_results, 1), OFFSET_MAX_RESULTS)
    total = rows.count()
    values = [serialize(row) for row in rows[start_at : start_at + max_results]]
    is_last = start_at + max_results >= total
    page: dict[str, Any] = {
        "self": with_params(request, startAt=start_at, maxResults=max_results),
        "maxResults": max_results,
        "startAt": start_at,
        "total": total,
        "isLast": is_last,
        "values": values,
    }
    if not is_last:
        page["nextPage"] = with_params(
            request, startAt=start_at + max_results, maxResults=max_results
        )
    return page


def whole_milliseconds(
    rows: list[tuple[Row, int]], size: int
) -> tuple[list[tuple[Row, int]], bool]:
    """A page of `worklog/updated` (or `/deleted`) from `rows`, and whether it is the last.

    `rows` are (id, epoch ms) pairs, oldest first, at most `size + 1` of them: one more than
    a page tells whether another page follows. The next page starts *after* the last
    millisecond of this one, so the page must not end inside a millisecond, or the rest of
    that millisecond would never be listed: such a page is cut back to the previous one.
    An empty page that is not the last means the first millisecond alone holds more than
    `size` changes; the caller then lists that millisecond whole.
    """
    if len(rows) <= size:
        return rows, True
    page = rows[:size]
    if rows[size][1] == page[-1][1]:
        page = [row for row in page if row[1] < page[-1][1]]
    return page, False


@dataclass(frozen=True)
class SearchCursor:
    """Where the next search page starts, bound to the query it belongs to."""

    offset: int
    query: str

    def token(self) -> str:
        """An opaque token, as Jira's are; it names the query so it cannot be reused."""
        payload = json.dumps({"o": self.offset, "q": _fingerprint(self.query)}).encode()
        return base64.urlsafe_b64encode(payload).decode().rstrip("=")

    @classmethod
    def read(cls, token: str | None, query: str) -> SearchCursor:
        """The cursor of `token` for `query` (offset 0 without a token); 400 if it is foreign."""
        if not token:
            return cls(0, query)
        try:
            padded = token + "=" * (-len(token) % 4)
            payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
            offset = int(payload["o"])
            matches = payload["q"] == _fingerprint(query)
        except (ValueError, KeyError, TypeError):
            matches, offset = False, 0
        if not matches or not 0 <= offset <= INT32_MAX:
            raise JiraError(400, "The nextPageToken is invalid or belongs to another query.")
        return cls(offset, query)


def _fingerprint(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()[:16]
