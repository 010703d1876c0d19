"""Chart geometry for the server-drawn SVG charts: pure data the templates turn into shapes.

Colours come from CSS classes (the Content Security Policy forbids inline styles); every
chart also has a table next to it, so colour is never the only way to read it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    css_class: str
    title: str


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str
    # SVG text-anchor: start, middle or end.
    anchor: str = "middle"


@dataclass
class Chart:
    width: int
    height: int
    rects: list[Rect] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    # Horizontal grid lines with their value: (y, text).
    grid: list[Label] = field(default_factory=list)
    plot_left: float = 0

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"


def nice_max(value: float) -> int:
    """A round upper bound for an axis: 1, 2, 5 or 10 times a power of ten."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return int(step * power) if step * power >= 1 else 1
    return int(10 * power)


def stacked_columns(
    columns: Sequence[tuple[str, dict[str, int]]],
    series: Sequence[tuple[str, str, str]],
    *,
    width: int = 720,
    height: int = 260,
) -> Chart:
    """One column per label, stacked by series.

    `columns` is [(label, {series key: value})]; `series` is [(key, label, css class)] in
    stacking order, bottom first.
    """
    left, right, top, bottom = 36, 8, 10, 42
    plot_w, plot_h = width - left - right, height - top - bottom
    chart = Chart(width, height, plot_left=left)
    top_value = nice_max(max((sum(c.values()) for _, c in columns), default=0))
    # Whole numbers on the axis: the bound is 1, 2, 5 or a multiple of 5, so that many steps.
    steps = top_value if top_value <= 5 else 5
    for i in range(steps + 1):
        value = top_value * i / steps
        y = top + plot_h - plot_h * i / steps
        chart.grid.append(Label(left - 4, round(y, 2), f"{value:g}", "end"))
    if not columns:
        return chart
    slot = plot_w / len(columns)
    bar = min(max(slot * 0.7, 1), 56)
    # Label at most about 12 columns so that the labels never overlap.
    every = max(1, math.ceil(len(columns) / 12))
    for i, (label, values) in enumerate(columns):
        x = left + i * slot + (slot - bar) / 2
        y = top + plot_h
        for key, name, css_class in series:
            value = values.get(key, 0)
            if not value:
                continue
            h = plot_h * value / top_value
            y -= h
            chart.rects.append(
                Rect(
                    round(x, 2),
                    round(y, 2),
                    round(bar, 2),
                    round(h, 2),
                    css_class,
                    f"{label}: {name} {value}",
                )
            )
        if i % every == 0:
            chart.labels.append(Label(round(x + bar / 2, 2), height - bottom + 16, label))
    return chart


def horizontal_bars(
    rows: Sequence[tuple[str, float, str]],
    *,
    maximum: float | None = None,
    css_class: str = "chart-bar",
    width: int = 720,
    row_height: int = 26,
) -> Chart:
    """One bar per row: [(label, value, value text)], longest = `maximum` (default: largest)."""
    left, right = 200, 70
    plot_w = width - left - right
    top_value = maximum if maximum else max((value for _, value, _ in rows), default=0) or 1
    chart = Chart(width, max(row_height * len(rows) + 4, row_height))
    for i, (label, value, text) in enumerate(rows):
        y = i * row_height + 4
        w = plot_w * value / top_value if top_value else 0
        chart.rects.append(
            Rect(left, y, round(max(w, 0), 2), row_height - 8, css_class, f"{label}: {text}")
        )
        middle = y + (row_height - 8) / 2
        chart.labels.append(Label(left - 6, middle, _shorten(label), "end"))
        chart.labels.append(Label(round(left + w + 6, 2), middle, text, "start"))
    return chart


def _shorten(text: str, length: int = 28) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"
