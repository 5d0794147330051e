"""The report's bar chart as server-rendered SVG (no JavaScript, no external assets).

The SVG has no viewBox, so nothing in it is scaled: its text is always drawn at the font
size app.css gives it, on a phone as on a desktop. Bars are placed in percentages of the
plot's width and stretch with it; hours are placed in pixels. The plot is the SVG's content
box: app.css pads it on the left for the hour labels (drawn at negative x) and on the right
for the last date label.

The SVG's markup is built here in one pass (``chart_svg``), as the table's rows are
(portal/report_table.py): through the template engine, a month of day bars cost 200 variable
lookups, escapes and number formats, more than the rest of a cached report page.

The date labels come in two sets, one for a wide chart and one for a narrow one (a phone):
`tick-wide` and `tick-narrow` labels are shown by a container query in app.css, the others
in both. Each set has as many labels as fit at the narrowest width it is shown at.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe

from .reports import ChartBar
from .templatetags.hours import format_hours

HEIGHT = 220
TOP, BOTTOM = 12, 28
PLOT_HEIGHT = HEIGHT - TOP - BOTTOM
# The narrowest plot (in px) each set of date labels is shown at: app.css shows the wide set
# from a 600 px chart (minus its 60 px of padding), the narrow one below, down to 360 px phones.
WIDE_PLOT_PX, NARROW_PLOT_PX = 540, 240
# Room a label needs (its width and a gap, at 11 px): a day ("31"), a month ("Jan 2026" next
# to "Feb"), a year ("2026").
DAY_LABEL_PX, MONTH_LABEL_PX, YEAR_LABEL_PX = 24, 40, 34
MONTH_STEPS = (1, 2, 3, 4, 6, 12, 24, 36, 48, 60)


@dataclass
class SvgBar:
    x: str  # percent of the plot's width
    width: str  # percent of the plot's width
    y: float
    height: float
    title: str


@dataclass
class Tick:
    x: str  # percent of the plot's width: the middle of its bar
    text: str
    tier: str  # "" (always shown), "wide" or "narrow"


@dataclass
class SvgChart:
    height: int
    bars: list[SvgBar]
    ticks: list[Tick]
    gridlines: list[tuple[float, str]]
    baseline: float
    label_y: int


def _nice_step(max_hours: float) -> float:
    """A round gridline step giving 3-5 lines: 1, 2, 5, 10, 20, 50 … hours."""
    if max_hours <= 0:
        return 1
    raw = max_hours / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def _by_day(bars: list[ChartBar]) -> bool:
    """Days are labelled with their day of the month, months with month and year."""
    return bool(bars) and bars[0].label.isdigit()


def _day_ticks(bars: list[ChartBar], plot_px: int) -> dict[int, str]:
    every = max(1, math.ceil(len(bars) / max(1, plot_px // DAY_LABEL_PX)))
    return {i: bar.label for i, bar in enumerate(bars) if i % every == 0}


def _month_ticks(bars: list[ChartBar], plot_px: int) -> dict[int, str]:
    """Months on a calendar grid (every month, every other, every quarter … every year).

    A label names the year on the first label and on January; yearly labels are the year.
    """
    slot = plot_px / max(len(bars), 1)
    step = next(
        (s for s in MONTH_STEPS if slot * s >= (YEAR_LABEL_PX if s >= 12 else MONTH_LABEL_PX)),
        MONTH_STEPS[-1],
    )
    ticks = {}
    for i, bar in enumerate(bars):
        month = bar.start.year * 12 + bar.start.month - 1
        if month % step:
            continue
        if step >= 12:
            ticks[i] = f"{bar.start:%Y}"
        elif not ticks or bar.start.month == 1:
            ticks[i] = bar.label
        else:
            ticks[i] = f"{bar.start:%b}"
    return ticks


def _ticks(bars: list[ChartBar], slot: float) -> list[Tick]:
    labels = _day_ticks if _by_day(bars) else _month_ticks
    wide, narrow = labels(bars, WIDE_PLOT_PX), labels(bars, NARROW_PLOT_PX)
    ticks = []
    for i in sorted(wide.keys() | narrow.keys()):
        x = f"{(i + 0.5) * slot:.3f}"
        if wide.get(i) == narrow.get(i):
            ticks.append(Tick(x, wide[i], ""))
            continue
        if i in wide:
            ticks.append(Tick(x, wide[i], "wide"))
        if i in narrow:
            ticks.append(Tick(x, narrow[i], "narrow"))
    return ticks


def build_chart(bars: list[ChartBar], time_format: str) -> SvgChart:
    max_hours = max((b.seconds for b in bars), default=0) / 3600
    step = _nice_step(max_hours)
    top_hours = max(step, math.ceil(max_hours / step) * step)
    slot = 100 / max(len(bars), 1)
    svg_bars = []
    for i, bar in enumerate(bars):
        height = (bar.seconds / 3600) / top_hours * PLOT_HEIGHT
        svg_bars.append(
            SvgBar(
                x=f"{i * slot + slot * 0.15:.3f}",
                width=f"{slot * 0.7:.3f}",
                y=round(TOP + PLOT_HEIGHT - height, 2),
                height=round(height, 2),
                title=f"{bar.label}: {format_hours(bar.seconds, time_format)}",
            )
        )
    gridlines = []
    value = 0.0
    while value <= top_hours + 1e-9:
        y = TOP + PLOT_HEIGHT - value / top_hours * PLOT_HEIGHT
        gridlines.append((round(y, 2), f"{value:g} h"))
        value += step
    return SvgChart(HEIGHT, svg_bars, _ticks(bars, slot), gridlines, TOP + PLOT_HEIGHT, HEIGHT - 10)


def chart_svg(chart: SvgChart, bars: list[ChartBar], by_day: bool, time_format: str) -> SafeString:
    """The ``<figure>`` of ``chart`` (``build_chart`` of ``bars``), every value escaped as the
    template engine escapes it. No viewBox: nothing is scaled, so the labels keep their size
    on a phone; bars are in percentages of the width. app.css pads the SVG for the hour labels
    (at negative x) and picks the wide or the narrow set of date labels. ``by_day``: the bars
    are days (else months), as the period says (``Period.by_day``)."""
    desc = "; ".join(f"{bar.label}: {format_hours(bar.seconds, time_format)}" for bar in bars)
    parts = [
        '<figure class="chart">\n'
        f'<svg width="100%" height="{chart.height}" role="img" '
        'aria-labelledby="chart-title chart-desc">\n'
        f'<title id="chart-title">Hours per {"day" if by_day else "month"}</title>\n'
        f'<desc id="chart-desc">{escape(desc)}</desc>\n'
    ]
    for y, label in chart.gridlines:
        parts.append(
            f'<line x1="0" x2="100%" y1="{y}" y2="{y}" class="grid"/>\n'
            f'<text x="-6" y="{y}" class="axis" text-anchor="end" dominant-baseline="middle">'
            f"{escape(label)}</text>\n"
        )
    for bar in chart.bars:
        parts.append(
            f'<rect x="{escape(bar.x)}%" y="{bar.y}" width="{escape(bar.width)}%" '
            f'height="{bar.height}" class="bar" rx="2"><title>{escape(bar.title)}</title></rect>\n'
        )
    for tick in chart.ticks:
        tier = f" tick-{escape(tick.tier)}" if tick.tier else ""
        parts.append(
            f'<text x="{escape(tick.x)}%" y="{chart.label_y}" class="axis tick{tier}" '
            f'text-anchor="middle">{escape(tick.text)}</text>\n'
        )
    parts.append(
        f'<line x1="0" x2="100%" y1="{chart.baseline}" y2="{chart.baseline}" class="baseline"/>\n'
        "</svg>\n</figure>"
    )
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped or a number
