"""The report's period: presets, custom dates, and what is wrong with bad input; and the
calendar-month arithmetic every part of the portal uses (``month_end``, ``add_months``,
``months_from_to``)."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

MAX_PERIOD_DAYS = 5 * 366

# Beside the wrong date field, and in the page's flag.
BAD_DATE = "Enter both dates as YYYY-MM-DD. Showing this month instead."
END_BEFORE_START = "The start date is after the end date. Showing this month instead."
TOO_LONG = "Choose a period of at most 5 years. Showing this month instead."

PRESETS = {
    "this_month": "This month",
    "last_month": "Last month",
    "last_3_months": "Last 3 months",
    "this_year": "This year",
}


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date
    preset: str  # one of PRESETS, or "custom"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def by_day(self) -> bool:
        """A month or less is charted per day, longer periods per month."""
        return self.days <= 31

    @property
    def label(self) -> str:
        if self.start.year == self.end.year:
            return f"{self.start:%-d %b} – {self.end:%-d %b %Y}"
        return f"{self.start:%-d %b %Y} – {self.end:%-d %b %Y}"


# -- Calendar months (dates, no time zone: a worklog's day as Tempo and Jira give it) --------


def month_end(day: dt.date) -> dt.date:
    """The last day of ``day``'s calendar month."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the calendar month ``months`` after ``day``'s (negative: before)."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def months_from_to(start: dt.date, end: dt.date) -> Iterator[dt.date]:
    """First days of the calendar months from ``start``'s to ``end``'s, inclusive."""
    month = start.replace(day=1)
    while month <= end:
        yield month
        month = add_months(month, 1)


def preset_period(name: str, today: dt.date) -> Period:
    first = today.replace(day=1)
    if name == "last_month":
        start = add_months(first, -1)
        return Period(start, month_end(start), name)
    if name == "last_3_months":
        return Period(add_months(first, -2), month_end(today), name)
    if name == "this_year":
        return Period(today.replace(month=1, day=1), today.replace(month=12, day=31), name)
    return Period(first, month_end(today), "this_month")


@dataclass(frozen=True)
class PeriodProblem:
    """What is wrong with typed dates: the field to mark ("from" or "to") and why."""

    field: str
    message: str


def parse_period(params, today: dt.date) -> tuple[Period, PeriodProblem | None]:
    """The period asked for, or the default with what was wrong and in which field."""
    default = preset_period("this_month", today)
    raw_from, raw_to = params.get("from"), params.get("to")
    if not raw_from and not raw_to:
        preset = params.get("period", "this_month")
        if preset not in PRESETS:
            return default, None
        return preset_period(preset, today), None
    start, end = _date_or_none(raw_from), _date_or_none(raw_to)
    if start is None or end is None:
        return default, PeriodProblem("from" if start is None else "to", BAD_DATE)
    if start > end:
        return default, PeriodProblem("to", END_BEFORE_START)
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        return default, PeriodProblem("from", TOO_LONG)
    for name in PRESETS:
        candidate = preset_period(name, today)
        if (candidate.start, candidate.end) == (start, end):
            return candidate, None
    return Period(start, end, "custom"), None


def _date_or_none(raw: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw or "")
    except ValueError:
        return None


def longer_preset(period: Period) -> str | None:
    """The preset the empty report suggests trying: This year, unless that is what it shows
    (or the period already covers a year or more), when no preset is longer."""
    if period.preset == "this_year" or period.days >= 365:
        return None
    return "this_year"
