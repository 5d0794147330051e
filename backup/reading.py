"""Reading one data set of a Tempo backup, page by page (docs/product.md §4.5).

Each data set is read through the shared TempoClient (its deadlines, retries after 429 and
5xx within the retry budget, and the spacing Tempo asks for). What the token may not read is
not an error of the backup: it raises `Skipped` with the reason as a sentence, and the
archive says so. Source of the routes and their paging: docs/outside-apis.md §1 "Other list
routes (backup/export)".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from tempo_integration.client import (
    MAX_PAGE_SIZE,
    TempoClient,
    TempoRequestError,
    TempoScopeError,
    TempoUnavailable,
)

from .datasets import BY_NAME, DataSet, Paging


class Skipped(Exception):
    """The data set cannot be read with this token; the message says why, for people."""


# Plans and holidays lie ahead too: read them up to the end of the 12th month after today.
MONTHS_AHEAD = 12


@dataclass(frozen=True)
class Window:
    """The local days the dated routes are read for (`from`/`to`, both inclusive): from the
    first day of the month `months` back up to the end of the 12th month ahead (plans,
    holidays and periods to come). Timesheet approvals exist only up to `today`."""

    start: dt.date
    end: dt.date
    today: dt.date

    @classmethod
    def months_back(cls, months: int, today: dt.date) -> Window:
        first = today.replace(day=1)
        for _ in range(months - 1):
            first = (first - dt.timedelta(days=1)).replace(day=1)
        last = today.replace(day=1)
        for _ in range(MONTHS_AHEAD + 1):
            last = (last + dt.timedelta(days=32)).replace(day=1)
        return cls(first, last - dt.timedelta(days=1), today)

    def params(self) -> dict[str, str]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}

    def years(self) -> list[int]:
        return list(range(self.start.year, self.end.year + 1))

    def month_starts(self) -> list[dt.date]:
        """The first day of each month from the window's start up to today's month."""
        starts, first = [], self.start.replace(day=1)
        while first <= self.today:
            starts.append(first)
            first = (first + dt.timedelta(days=32)).replace(day=1)
        return starts


@dataclass
class Reading:
    """What the backup learns while it reads: the parents of per-parent data sets (ids or
    keys only, never whole objects), and notes for the manifest."""

    window: Window
    parents: dict[str, list[Any]] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    notes: dict[str, list[str]] = field(default_factory=dict)


def refusal_reason(data_set: DataSet, error: Exception) -> str | None:
    """The sentence for a refusal that skips a data set, or None when it is not one."""
    if isinstance(error, TempoScopeError):
        return f"the token has no {data_set.scope_name} scope"
    if isinstance(error, TempoRequestError):
        if error.status == 404:
            return "Tempo answered 404: not available on this Tempo plan"
        return f"Tempo refused the request ({error.status})"
    return None


def read_pages(
    client: TempoClient, data_set: DataSet, reading: Reading
) -> Iterator[list[dict[str, Any]]]:
    """The records of `data_set`, one list per page (pages of at most 5,000 records).

    Raises Skipped when the token may not read it (403: no scope; 404: not on this plan; the
    data set it hangs on was skipped), and TempoAuthError or TempoUnavailable, which end the
    whole backup.
    """
    if data_set.parent is None:
        yield from _read_route(client, data_set, data_set.route, _params(data_set, reading))
        return
    if data_set.parent in reading.skipped:
        parent = BY_NAME[data_set.parent]
        also = (
            f"; it also needs the {data_set.scope_name} scope"
            if data_set.scope != parent.scope
            else ""
        )
        raise Skipped(
            f"it is read per {data_set.parent} record, and {data_set.parent} was skipped{also}"
        )
    calls = missing = 0
    for parent in reading.parents.get(data_set.parent, []):
        for extra in _per_parent_params(data_set, reading):
            calls += 1
            try:
                for page in _read_route(
                    client, data_set, data_set.route.format(parent=parent), extra
                ):
                    yield _labelled(data_set, parent, page)
            except Skipped as skipped:
                cause = skipped.__cause__
                if not (isinstance(cause, TempoRequestError) and cause.status == 404):
                    raise
                # One parent gone since it was listed (a team deleted during the backup):
                # its records are not there to save.
                missing += 1
    if calls and missing == calls:
        raise Skipped("Tempo answered 404: not available on this Tempo plan")
    if missing:
        reading.notes.setdefault(data_set.name, []).append(
            f"Tempo answered 404 for {missing} of {calls} reads: "
            f"those {data_set.parent} records were removed during the backup"
        )


def _labelled(data_set: DataSet, parent: Any, page: list[dict[str, Any]]) -> list[dict]:
    if data_set.parent_label:
        for record in page:
            record.setdefault(data_set.parent_label, parent)
    return page


def _params(data_set: DataSet, reading: Reading) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if data_set.window:
        params.update(reading.window.params())
    if data_set.paging is Paging.OFFSET:
        params["limit"] = MAX_PAGE_SIZE
    return params


def _per_parent_params(data_set: DataSet, reading: Reading) -> list[dict[str, Any]]:
    if data_set.per_year:
        return [{"year": year} for year in reading.window.years()]
    if data_set.per_period:
        return [{"from": start.isoformat()} for start in reading.window.month_starts()]
    return [{}]


def _read_route(
    client: TempoClient, data_set: DataSet, route: str, params: dict[str, Any]
) -> Iterator[list[dict[str, Any]]]:
    try:
        if data_set.paging is Paging.OFFSET:
            for page in client.iter_pages(route, params):
                # Take the records out of the envelope: it is still referenced while the
                # next page is read.
                yield page.pop("results")
            return
        payload = client.request_json("GET", route, params=params)
    except (TempoScopeError, TempoRequestError) as error:
        reason = refusal_reason(data_set, error)
        raise Skipped(reason) from error
    key = "periods" if data_set.paging is Paging.PERIODS else "results"
    records = payload.get(key) if isinstance(payload, dict) else None
    if not isinstance(records, list):
        raise TempoUnavailable(f"Tempo answered {route} with JSON that is not a Tempo list.")
    yield records
