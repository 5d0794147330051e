"""The "today" of the tests that build dates: a fixed day, so a test reads the same on the
1st, the 31st and New Year's Eve. The `frozen_today` fixture (tests/conftest.py) moves the
clock there.

A Wednesday in the middle of the month: last month, next month and the month's end are all
a real step away, and none of them is in another year. TESTS_TODAY=2026-12-31 (say) runs
them on another day, to check that they hold on the edges of a month and a year too."""

from __future__ import annotations

import datetime as dt
import os

NOW = dt.datetime.combine(
    dt.date.fromisoformat(os.environ.get("TESTS_TODAY", "2026-11-18")), dt.time(12), dt.UTC
)
TODAY = NOW.date()
THIS_MONTH = TODAY.replace(day=1)
