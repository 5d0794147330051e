"""The run-out forecast of a contract (docs/product.md §5.2): at the pace of the last working
days, when do the remaining hours run out?

The method, simple enough to check with a calendar (docs/using.md, Contracts):

- Working days are Monday to Friday; public holidays are not known here.
- The **pace** is the hours used on the last ``PACE_WORKING_DAYS`` (10) working days before
  today, divided by 10. Today is left out: it is not over, and its hours are still being
  logged. A working day without hours counts as 0; hours on a Saturday or Sunday are not
  counted.
- **Too little data to say** — fewer than ``MIN_DAYS_WITH_HOURS`` (3) of those days had any
  hours — and **nothing left** (remaining 0 or less: the panel already says so): no forecast.
- Otherwise the remaining hours are spent at the pace on each working day from today on
  (today included when it is a working day): they run out on the k-th of those days, where
  k = ⌈remaining ÷ pace⌉. If that day comes after the end of the current window (the end of
  this month for a monthly contract, whose hours renew; the contract's end for a fixed one),
  the hours are **enough for this period**.

Pure arithmetic on numbers the caller brings (``portal.contracts`` reads them in one query),
so each case can be computed by hand in a test.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

PACE_WORKING_DAYS = 10
MIN_DAYS_WITH_HOURS = 3

RUNS_OUT = "runs_out"
ENOUGH = "enough"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Forecast:
    """``kind`` is RUNS_OUT (on ``date``), ENOUGH (for this period) or UNKNOWN (say
    nothing). ``pace_seconds`` is the pace per working day, rounded to the second (shown;
    the run-out day is computed without rounding)."""

    kind: str
    date: dt.date | None = None
    pace_seconds: int = 0
    working_days: int = PACE_WORKING_DAYS

    @property
    def is_known(self) -> bool:
        return self.kind != UNKNOWN


NO_FORECAST = Forecast(UNKNOWN)


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5


def pace_days(today: dt.date, working_days: int = PACE_WORKING_DAYS) -> list[dt.date]:
    """The last ``working_days`` working days before ``today``, newest first."""
    days = []
    day = today
    while len(days) < working_days:
        day -= dt.timedelta(days=1)
        if is_working_day(day):
            days.append(day)
    return days


def run_out_forecast(
    remaining_seconds: int,
    used_by_day: Mapping[dt.date, int],
    today: dt.date,
    window_end: dt.date,
    *,
    working_days: int = PACE_WORKING_DAYS,
) -> Forecast:
    """When the remaining hours of the window ending on ``window_end`` run out at the pace
    of the last ``working_days`` working days (the method is in the module's docstring).

    ``used_by_day`` holds the used seconds of the contract's scope per day; days other than
    those of the pace are ignored."""
    if remaining_seconds <= 0 or today > window_end:
        return NO_FORECAST
    used = [used_by_day.get(day, 0) for day in pace_days(today, working_days)]
    if sum(1 for seconds in used if seconds > 0) < MIN_DAYS_WITH_HOURS:
        return NO_FORECAST
    total = sum(used)
    pace = round(total / working_days)
    # k = ⌈remaining ÷ (total ÷ days)⌉ in whole numbers, so no rounding moves the day.
    days_needed = -(-remaining_seconds * working_days // total)
    day, counted = today, 0
    while day <= window_end:
        if is_working_day(day):
            counted += 1
            if counted == days_needed:
                return Forecast(RUNS_OUT, day, pace, working_days)
        day += dt.timedelta(days=1)
    return Forecast(ENOUGH, None, pace, working_days)
