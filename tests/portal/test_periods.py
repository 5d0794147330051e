"""portal/periods.py: presets, custom dates, and which field a bad period is about."""

from __future__ import annotations

import datetime as dt

import pytest

from portal.periods import (
    BAD_DATE,
    END_BEFORE_START,
    TOO_LONG,
    Period,
    PeriodProblem,
    longer_preset,
    parse_period,
    preset_period,
)

TODAY = dt.date(2026, 5, 14)


@pytest.mark.parametrize(
    "params,problem",
    [
        ({"from": "2026-13-01", "to": "2026-12-01"}, PeriodProblem("from", BAD_DATE)),
        ({"from": "2026-05-01"}, PeriodProblem("to", BAD_DATE)),
        ({"to": "2026-05-01"}, PeriodProblem("from", BAD_DATE)),
        ({"from": "2026-06-01", "to": "2026-05-01"}, PeriodProblem("to", END_BEFORE_START)),
        ({"from": "2015-01-01", "to": "2026-01-01"}, PeriodProblem("from", TOO_LONG)),
    ],
)
def test_parse_period_names_the_wrong_field(params, problem):
    period, found = parse_period(params, TODAY)
    assert found == problem
    assert period == preset_period("this_month", TODAY)


def test_parse_period_accepts_good_custom_dates():
    period, problem = parse_period({"from": "2026-02-03", "to": "2026-04-05"}, TODAY)
    assert (period, problem) == (Period(dt.date(2026, 2, 3), dt.date(2026, 4, 5), "custom"), None)


@pytest.mark.parametrize(
    "period,expected",
    [
        (preset_period("this_month", TODAY), "this_year"),
        (preset_period("last_3_months", TODAY), "this_year"),
        (preset_period("this_year", TODAY), None),
        (Period(dt.date(2024, 1, 1), dt.date(2025, 6, 30), "custom"), None),
        (Period(dt.date(2026, 1, 1), dt.date(2026, 1, 31), "custom"), "this_year"),
    ],
)
def test_longer_preset_never_suggests_what_is_shown(period, expected):
    assert longer_preset(period) == expected
