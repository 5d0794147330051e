"""The report's chart (portal/charts.py): an unscaled SVG whose date labels fit a phone."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.template import engines

from portal.charts import build_chart, chart_svg
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


# templates/portal/_chart.html as it was before charts.chart_svg replaced it: the oracle.
TEMPLATE_CHART = """{% load hours %}
<figure class="chart">
  <svg width="100%" height="{{ chart.height }}" role="img" aria-labelledby="chart-title chart-desc">
    <title id="chart-title">Hours per {% if report.period.by_day %}day{% else %}month{% endif %}</title>
    <desc id="chart-desc">{% for bar in report.bars %}{{ bar.label }}: {{ bar.seconds|hours:settings.time_format }}{% if not forloop.last %}; {% endif %}{% endfor %}</desc>
    {% for y, label in chart.gridlines %}
      <line x1="0" x2="100%" y1="{{ y }}" y2="{{ y }}" class="grid"/>
      <text x="-6" y="{{ y }}" class="axis" text-anchor="end" dominant-baseline="middle">{{ label }}</text>
    {% endfor %}
    {% for bar in chart.bars %}
      <rect x="{{ bar.x }}%" y="{{ bar.y }}" width="{{ bar.width }}%" height="{{ bar.height }}" class="bar" rx="2"><title>{{ bar.title }}</title></rect>
    {% endfor %}
    {% for tick in chart.ticks %}
      <text x="{{ tick.x }}%" y="{{ chart.label_y }}" class="axis tick{% if tick.tier %} tick-{{ tick.tier }}{% endif %}" text-anchor="middle">{{ tick.text }}</text>
    {% endfor %}
    <line x1="0" x2="100%" y1="{{ chart.baseline }}" y2="{{ chart.baseline }}" class="baseline"/>
  </svg>
</figure>
"""  # noqa: E501 - the template's lines as they were


def _tags(html: str) -> str:
    return re.sub(r">\s+<", "><", html.strip())


@pytest.mark.parametrize("time_format", ["decimal", "hours_minutes"])
@pytest.mark.parametrize(
    "bars",
    [
        [ChartBar(dt.date(2026, 11, d), str(d), 1234 * d) for d in range(1, 31)],
        months(dt.date(2026, 1, 1), 12),
        months(dt.date(2022, 1, 1), 60),
        [ChartBar(dt.date(2026, 11, 1), "<b>&\"'", 0)],
        [],
    ],
    ids=["days", "year", "five-years", "escaped", "empty"],
)
def test_the_svg_is_the_templates(bars, time_format):
    """chart_svg gives what the template gave, tag for tag, every value escaped alike."""
    chart = build_chart(bars, time_format)
    by_day = bool(bars) and bars[0].label.isdigit()
    context = {
        "chart": chart,
        "report": {"bars": bars, "period": {"by_day": by_day}},
        "settings": {"time_format": time_format},
    }
    expected = engines["django"].from_string(TEMPLATE_CHART).render(context)
    assert _tags(chart_svg(chart, bars, by_day, time_format)) == _tags(expected)
