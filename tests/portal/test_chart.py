"""The report's chart (portal/charts.py): an unscaled SVG whose date labels fit a phone."""

from __future__ import annotations

import datetime as dt

from portal.charts import build_chart
from portal.reports import ChartBar


def months(first: dt.date, count: int) -> list[ChartBar]:
    bars, day = [], first
    for _ in range(count):
        bars.append(ChartBar(day, f"{day:%b %Y}", 3600))
        day = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return bars


def labels(chart, tier: str) -> list[str]:
    """The date labels shown on a wide or a narrow chart."""
    return [t.text for t in chart.ticks if t.tier in ("", tier)]


def test_bars_are_placed_in_percent_and_hours_in_pixels():
    days = [ChartBar(dt.date(2026, 11, d), str(d), 3600 * d) for d in range(1, 31)]
    chart = build_chart(days, "decimal")
    assert chart.bars[0].x == "0.500" and chart.bars[0].width == "2.333"
    assert chart.gridlines[0] == (192.0, "0 h") and chart.gridlines[-1] == (12.0, "30 h")
    assert chart.bars[-1].height == 180.0  # the 30 h bar reaches the top line
    assert chart.bars[0].title == "1: 1.00 h"


def test_a_month_of_days_has_fewer_labels_on_a_phone():
    days = [ChartBar(dt.date(2026, 11, d), str(d), 0) for d in range(1, 31)]
    chart = build_chart(days, "decimal")
    assert labels(chart, "wide") == [str(d) for d in range(1, 31, 2)]
    assert labels(chart, "narrow") == [str(d) for d in range(1, 31, 3)]


def test_a_year_names_the_year_once_and_every_other_month_on_a_phone():
    chart = build_chart(months(dt.date(2026, 1, 1), 12), "decimal")
    assert labels(chart, "wide") == ["Jan 2026", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
                                     "Aug", "Sep", "Oct", "Nov", "Dec"]  # fmt: skip
    assert labels(chart, "narrow") == ["Jan 2026", "Mar", "May", "Jul", "Sep", "Nov"]


def test_a_period_across_new_year_names_both_years():
    chart = build_chart(months(dt.date(2025, 11, 1), 3), "decimal")
    assert labels(chart, "wide") == labels(chart, "narrow") == ["Nov 2025", "Dec", "Jan 2026"]


def test_five_years_are_labelled_by_year_on_a_phone():
    chart = build_chart(months(dt.date(2022, 1, 1), 60), "decimal")
    assert labels(chart, "narrow") == ["2022", "2023", "2024", "2025", "2026"]
    assert labels(chart, "wide")[:3] == ["Jan 2022", "Jul", "Jan 2023"]
