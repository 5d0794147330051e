"""The report's period: presets, custom dates, and what is wrong with bad input."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

MAX_PERIOD_DAYS = 5 * 366

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


def _month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _months_back(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


def preset_period(name: str, today: dt.date) -> Period:
    first = today.replace(day=1)
    if name == "last_month":
        start = _months_back(first, 1)
        return Period(start, _month_end(start), name)
    if name == "last_3_months":
        return Period(_months_back(first, 2), _month_end(today), name)
    if name == "this_year":
        return Period(today.replace(month=1, day=1), today.replace(month=12, day=31), name)
    return Period(first, _month_end(today), "this_month")


def parse_period(params, today: dt.date) -> tuple[Period, str | None]:
    """The period asked for, or the default with a sentence saying what was wrong."""
    default = preset_period("this_month", today)
    raw_from, raw_to = params.get("from"), params.get("to")
    if not raw_from and not raw_to:
        preset = params.get("period", "this_month")
        if preset not in PRESETS:
            return default, None
        return preset_period(preset, today), None
    try:
        start = dt.date.fromisoformat(raw_from or "")
        end = dt.date.fromisoformat(raw_to or "")
    except ValueError:
        return default, "Enter both dates as YYYY-MM-DD. Showing this month instead."
    if start > end:
        return default, "The start date is after the end date. Showing this month instead."
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        return default, "Choose a period of at most 5 years. Showing this month instead."
    for name in PRESETS:
        candidate = preset_period(name, today)
        if (candidate.start, candidate.end) == (start, end):
            return candidate, None
    return Period(start, end, "custom"), None
