"""What ``TempoClient`` hands the sync: Tempo's worklogs as typed records.

Parsing a worklog lives here, once (``TempoWorklog.from_api``); the sync maps the records
to rows by name. Source of every field: the ``Worklog`` schema of Tempo's REST API v4
(docs/outside-apis.md §1, *Worklog object*; https://apidocs.tempo.io/#tag/Worklogs).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, NamedTuple


class MalformedWorklog(ValueError):
    """A worklog Tempo sent that cannot be read: a required field missing or of the wrong
    type, a date or time that is not ISO-8601, or negative seconds. ``TempoClient`` counts
    these per page (``WorklogPage.malformed``) instead of raising them."""


class TempoWorklog(NamedTuple):
    """One Tempo worklog, as ``GET /4/worklogs/...`` returns it.

    A named tuple: immutable, and three times faster to build than a frozen dataclass,
    which counts at 5,000 a page (``make bench``).
    """

    tempo_worklog_id: int
    """``tempoWorklogId``: Tempo's id of the worklog (the sync's key)."""
    issue_id: str
    """``issue.id``: the Jira issue's id as Jira writes it, a digit string (Tempo sends an
    integer; docs/outside-apis.md §1, *Id mapping*). Tempo sends no issue key."""
    author_account_id: str
    """``author.accountId``: the worker's Atlassian account id; "" when absent."""
    time_spent_seconds: int
    """``timeSpentSeconds``: time logged, in seconds (never negative)."""
    billable_seconds: int
    """``billableSeconds``: billable time, in seconds; 0 when absent or null (optional in
    the schema; docs/outside-apis.md §6)."""
    start_date: dt.date
    """``startDate``: the day of the work, already the worker's local day."""
    start_time: dt.time | None
    """``startTime``: the worker's local time of day the work started; None when absent."""
    description: str
    """``description``: the worker's text; "" when absent or null."""
    updated_at: dt.datetime
    """``updatedAt``: when the worklog last changed, an aware UTC datetime (a timestamp
    without an offset is read as UTC)."""

    @classmethod
    def from_api(cls, item: Any) -> TempoWorklog:
        """Read one item of a page's ``results`` (or a ``GET /4/worklogs/{id}`` answer).

        Raises MalformedWorklog when it cannot be read.
        """
        try:
            # Positional, in field order: a page holds 5,000 and keywords cost (make bench).
            worklog = cls(
                int(item["tempoWorklogId"]),
                str(int(item["issue"]["id"])),  # Tempo sends ints, Jira strings
                str((item.get("author") or {}).get("accountId") or ""),
                int(item["timeSpentSeconds"]),
                int(item.get("billableSeconds") or 0),
                dt.date.fromisoformat(item["startDate"]),
                dt.time.fromisoformat(item["startTime"]) if item.get("startTime") else None,
                str(item.get("description") or ""),
                _utc(dt.datetime.fromisoformat(item["updatedAt"])),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise MalformedWorklog("Tempo sent a worklog that cannot be read.") from exc
        if worklog.time_spent_seconds < 0 or worklog.billable_seconds < 0:
            raise MalformedWorklog("Tempo sent a worklog with negative seconds.")
        return worklog


@dataclass(slots=True)
class WorklogPage:
    """One page of a Tempo worklog list, read."""

    worklogs: list[TempoWorklog]
    """The page's worklogs that could be read, in Tempo's order."""
    malformed: int
    """How many of the page's ``results`` could not be read (``MalformedWorklog``)."""
    last: bool = False
    """Whether the list ends with this page (no ``metadata.next``): ``iter_worklog_pages``
    says so with the page, so a reader knows a list is done without asking for more."""

    @classmethod
    def from_page(cls, page: dict[str, Any]) -> WorklogPage:
        """Read one page of a worklog list as ``TempoClient.get_page`` returns it (Tempo's
        envelope, checked: a ``results`` list and a ``metadata`` object): its worklogs, and
        whether it is the list's last (no ``metadata.next``; API-CONTRACTS.md §1)."""
        read = cls.from_results(page["results"])
        read.last = not page["metadata"].get("next")
        return read

    @classmethod
    def from_results(cls, results: list[Any]) -> WorklogPage:
        """Read a page's ``results``, counting the items that cannot be read."""
        worklogs = []
        malformed = 0
        for item in results:
            try:
                worklogs.append(TempoWorklog.from_api(item))
            except MalformedWorklog:
                malformed += 1
        return cls(worklogs, malformed)


def _utc(value: dt.datetime) -> dt.datetime:
    # Tempo's timestamps are UTC, with or without "Z"; a naive one is read as UTC.
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


# Tempo's timesheet statuses; there is no REOPENED (a reopened timesheet is OPEN again).
APPROVAL_STATUSES = ("OPEN", "IN_REVIEW", "APPROVED")


class TimesheetPeriod(NamedTuple):
    """One person's timesheet approval for one period, as
    ``GET /4/timesheet-approvals/user/{accountId}?from`` returns it (API-CONTRACTS.md §1)."""

    account_id: str
    """``user.accountId``."""
    period_start: dt.date
    """``period.from``: the first day of the approval period."""
    period_end: dt.date
    """``period.to``: its last day."""
    status: str
    """``status.key``: OPEN, IN_REVIEW or APPROVED (a reopened timesheet is OPEN again)."""

    @classmethod
    def from_api(cls, payload: Any) -> TimesheetPeriod:
        """Raises ValueError for anything that is not an approval object."""
        try:
            status = payload["status"]["key"]
            start = dt.date.fromisoformat(payload["period"]["from"])
            end = dt.date.fromisoformat(payload["period"]["to"])
            account = payload["user"]["accountId"]
        except (KeyError, TypeError) as exc:
            raise ValueError(f"not a timesheet approval: {exc}") from None
        if status not in APPROVAL_STATUSES or end < start or not isinstance(account, str):
            raise ValueError("not a timesheet approval")
        return cls(account, start, end, status)
