"""Reading worklog filters, order and paging from a Tempo API call, with Tempo's error texts.

`GET` routes take them from the query string, `POST /4/worklogs/search` from a JSON body;
both end in the same `WorklogQuery`, so every route filters and orders identically.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from django.db.models import QuerySet
from django.http import QueryDict

from sandbox.tempo.models import Worklog
from sandbox.tempo.responses import BadRequest

DEFAULT_LIMIT = 50
MAX_LIMIT = 5000  # Tempo v4's largest page; larger requests are clamped (assumed).
# An explicit `orderBy` on GET sorts descending (docs/outside-apis.md §1, assumed); without one,
# and in POST search unless told otherwise, the order is ascending.
GET_ORDER_BY_DESCENDING = True

SORT_COLUMNS = {
    "ID": ("id",),
    "START_DATE_TIME": ("start_date", "start_time"),
    "UPDATED": ("updated_at",),
}
DEFAULT_ORDERING = ("start_date", "start_time", "id")
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
INTEGER_RE = re.compile(r"-?\d{1,19}")
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1  # as Tempo's ids and the database's columns
MAX_OFFSET = INT64_MAX - 2 * MAX_LIMIT  # (assumed) so offset + limit stays 64-bit


@dataclass
class WorklogQuery:
    project_ids: list[int] = field(default_factory=list)
    issue_ids: list[int] = field(default_factory=list)
    author_ids: list[str] = field(default_factory=list)
    date_from: date | None = None
    date_to: date | None = None
    updated_from: datetime | None = None
    order_by: tuple[str, ...] = DEFAULT_ORDERING

    def apply(self, worklogs: QuerySet[Worklog]) -> QuerySet[Worklog]:
        if self.project_ids:
            worklogs = worklogs.filter(project_id__in=self.project_ids)
        if self.issue_ids:
            worklogs = worklogs.filter(issue_id__in=self.issue_ids)
        if self.author_ids:
            worklogs = worklogs.filter(author_account_id__in=self.author_ids)
        if self.date_from:
            worklogs = worklogs.filter(start_date__gte=self.date_from)
        if self.date_to:
            worklogs = worklogs.filter(start_date__lte=self.date_to)
        if self.updated_from:
            worklogs = worklogs.filter(updated_at__gte=self.updated_from)
        return worklogs.order_by(*self.order_by)


@dataclass(frozen=True)
class Page:
    offset: int
    limit: int


def page_from_params(params: QueryDict) -> Page:
    offset = _integer("offset", params.get("offset", "0"))
    limit = _integer("limit", params.get("limit", str(DEFAULT_LIMIT)))
    if offset < 0:
        raise BadRequest("'offset' must be greater than or equal to 0")
    if limit < 1:
        raise BadRequest("'limit' must be greater than or equal to 1")
    if offset > MAX_OFFSET:  # the page's end must stay a 64-bit number
        raise BadRequest(f"'offset' must be less than or equal to {MAX_OFFSET}")
    return Page(offset=offset, limit=min(limit, MAX_LIMIT))


def query_from_params(params: QueryDict) -> WorklogQuery:
    """Filters of `GET /4/worklogs` and its sub-routes."""
    if "project" in params:
        raise BadRequest(
            "The 'project' parameter is not supported. "
            "Use 'projectId' with the numeric Jira project id."
        )
    order_by = DEFAULT_ORDERING
    if "orderBy" in params:
        descending = GET_ORDER_BY_DESCENDING
        order_by = _stable(_columns(params["orderBy"], descending), descending)
    return WorklogQuery(
        project_ids=_integers("projectId", params.getlist("projectId")),
        issue_ids=_integers("issueId", params.getlist("issueId")),
        date_from=_date("from", params.get("from")),
        date_to=_date("to", params.get("to")),
        updated_from=_updated_from(params.get("updatedFrom")),
        order_by=order_by,
    )


def query_from_body(body: Any) -> WorklogQuery:
    """Filters of `POST /4/worklogs/search`."""
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object")
    order_by = DEFAULT_ORDERING
    if body.get("orderBy"):
        order_by = _search_ordering(body["orderBy"])
    return WorklogQuery(
        project_ids=_integers("projectIds", _list("projectIds", body.get("projectIds"))),
        issue_ids=_integers("issueIds", _list("issueIds", body.get("issueIds"))),
        author_ids=[str(a) for a in _list("authorIds", body.get("authorIds"))],
        date_from=_date("from", body.get("from")),
        date_to=_date("to", body.get("to")),
        updated_from=_updated_from(body.get("updatedFrom")),
        order_by=order_by,
    )


def _integer(name: str, raw: Any) -> int:
    text = str(raw).strip()
    if not INTEGER_RE.fullmatch(text):
        raise BadRequest(f"'{name}' must be a valid integer")
    number = int(text)
    if not INT64_MIN <= number <= INT64_MAX:
        raise BadRequest(f"'{name}' must be a valid integer")
    return number


def _integers(name: str, raws: Iterable[Any]) -> list[int]:
    return [_integer(name, raw) for raw in raws]


def _list(name: str, raw: Any) -> list[Any]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise BadRequest(f"'{name}' must be a list")
    return raw


def _date(name: str, raw: Any) -> date | None:
    if raw in (None, ""):
        return None
    text = str(raw)
    # `date.fromisoformat` alone would also read `20231106` and `2023-W45-1`.
    if DATE_RE.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise BadRequest(f"'{name}' must be valid on the format: 'yyyy-MM-dd'")


def _updated_from(raw: Any) -> datetime | None:
    """A date (midnight UTC) or an ISO-8601 timestamp; a timestamp without offset is UTC."""
    if raw in (None, ""):
        return None
    text = str(raw)
    try:
        if DATE_RE.fullmatch(text):
            return datetime.combine(date.fromisoformat(text), time.min, tzinfo=UTC)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise BadRequest(
            "'updatedFrom' must be valid on the format: 'yyyy-MM-dd' or 'yyyy-MM-ddTHH:mm:ssZ'"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _columns(field_name: str, descending: bool) -> list[str]:
    if field_name not in SORT_COLUMNS:
        raise BadRequest(f"'orderBy' must be one of: {', '.join(SORT_COLUMNS)}")
    return [f"-{column}" if descending else column for column in SORT_COLUMNS[field_name]]


def _stable(columns: list[str], descending: bool) -> tuple[str, ...]:
    """Break ties by id, so offset paging never skips or repeats a worklog."""
    if not any(column.lstrip("-") == "id" for column in columns):
        columns.append("-id" if descending else "id")
    return tuple(columns)


def _search_ordering(raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        raise BadRequest('\'orderBy\' must be a list of {"field", "order"} objects')
    columns: list[str] = []
    descending = False
    for item in raw:
        direction = str(item.get("order", "ASC")).upper()
        if direction not in ("ASC", "DESC"):
            raise BadRequest("'order' must be one of: ASC, DESC")
        descending = direction == "DESC"
        for column in _columns(str(item.get("field")), descending):
            if column.lstrip("-") not in {c.lstrip("-") for c in columns}:
                columns.append(column)
    return _stable(columns, descending)


def required_date(params: QueryDict, name: str) -> date:
    """A `yyyy-MM-dd` parameter a route cannot do without (`/4/plans`, `/4/periods`)."""
    value = _date(name, params.get(name))
    if value is None:
        raise BadRequest(f"'{name}' is required and must be valid on the format: 'yyyy-MM-dd'")
    return value


def optional_date(params: QueryDict, name: str) -> date | None:
    """A `yyyy-MM-dd` parameter that may be left out (`to` of the timesheet approvals)."""
    return _date(name, params.get(name))


def integer_param(params: QueryDict, name: str, default: int) -> int:
    """An optional integer parameter (`year` of the holidays route)."""
    return _integer(name, params[name]) if params.get(name) else default
