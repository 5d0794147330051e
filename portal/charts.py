"""The report's bar chart as server-rendered SVG (no JavaScript, no external assets)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .reports import ChartBar
from .templatetags.hours import format_hours

WIDTH, HEIGHT = 720, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 12, 28


@dataclass
class SvgBar:
    x: float
    y: float
    width: float
    height: float
    label: str
    title: str
    show_label: bool


@dataclass
class SvgChart:
    width: int
    height: int
    bars: list[SvgBar]
    gridlines: list[tuple[float, str]]
    baseline: float
    left: int
    right_edge: int


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


def build_chart(bars: list[ChartBar], time_format: str) -> SvgChart:
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    max_hours = max((b.seconds for b in bars), default=0) / 3600
    step = _nice_step(max_hours)
    top_hours = max(step, math.ceil(max_hours / step) * step)
    slot = plot_width / max(len(bars), 1)
    label_every = max(1, math.ceil(len(bars) / 16))
    svg_bars = []
    for i, bar in enumerate(bars):
        height = (bar.seconds / 3600) / top_hours * plot_height
        svg_bars.append(
            SvgBar(
                x=round(LEFT + i * slot + slot * 0.15, 2),
                y=round(TOP + plot_height - height, 2),
                width=round(slot * 0.7, 2),
                height=round(height, 2),
                label=bar.label,
                title=f"{bar.label}: {format_hours(bar.seconds, time_format)}",
                show_label=i % label_every == 0,
            )
        )
    gridlines = []
    value = 0.0
    while value <= top_hours + 1e-9:
        y = TOP + plot_height - value / top_hours * plot_height
        gridlines.append((round(y, 2), f"{value:g} h"))
        value += step
    return SvgChart(WIDTH, HEIGHT, svg_bars, gridlines, TOP + plot_height, LEFT, WIDTH - RIGHT)
