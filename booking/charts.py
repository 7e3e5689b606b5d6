"""Bar and line charts as server-rendered SVG: plain numbers in, markup out, no ORM.

Why SVG from the server: the Content-Security-Policy allows no inline script or style,
and a chart drawn here needs neither (colours and sizes are SVG attributes), works without
JavaScript, prints, and is tested like any other function. Each chart is an image with a
title and a description for screen readers; the pages show the same numbers as a table.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Distinct on white and from each other (each at least 3:1 against white, WCAG 1.4.11).
PALETTE = (
    "#1f5fa8",
    "#c2410c",
    "#15803d",
    "#7e22ce",
    "#a16207",
    "#be123c",
    "#0e7490",
    "#4d5566",
)
INK = "#1d2433"
GRID = "#d0d5dd"

WIDTH = 720
PLOT_HEIGHT = 220
LEFT = 56  # room for the value axis labels
RIGHT = 16
TOP = 16
AXIS = 40  # below the plot: the category labels
LEGEND_ROW = 22
MAX_LABELS = 12  # more categories than this: only every n-th is written


@dataclass(frozen=True)
class Series:
    """One named row of values, one per category (e.g. one topic's bookings per week)."""

    name: str
    values: Sequence[float]


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 times a power of ten that is at least `value` (> 0)."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= value - 1e-9:
            return step * magnitude
    return 10 * magnitude  # pragma: no cover - the loop always returns


def plain_number(value: float) -> str:
    """12, 2.5, 0.25: no trailing zeros."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def percent(value: float) -> str:
    return f"{value * 100:.0f}%"


def color(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def _fmt(value: float) -> str:
    return f"{value:.1f}"


def _frame(
    *,
    chart_id: str,
    title: str,
    description: str,
    height: int,
    body: list[str],
) -> SafeString:
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
        f'aria-labelledby="{escape(title_id)} {escape(desc_id)}" '
        f'font-family="system-ui, sans-serif" font-size="12" fill="{INK}">'
        f'<title id="{escape(title_id)}">{escape(title)}</title>'
        f'<desc id="{escape(desc_id)}">{escape(description)}</desc>'
    )
    # Safe: every text above went through escape(); the rest is numbers and constants.
    return mark_safe(head + "".join(body) + "</svg>")


def intervals(top: float) -> int:
    """Grid steps for a nice_ceiling value: 2 -> 4 steps of 0.5, others 5 (1 -> 0.2, 5 -> 1)."""
    leading = round(top / 10 ** math.floor(math.log10(top)), 2)
    return 4 if leading == 2 else 5


def _value_axis(top: float, fmt: Callable[[float], str]) -> list[str]:
    parts = []
    steps = intervals(top)
    for n in range(steps + 1):
        value = top * n / steps
        y = TOP + PLOT_HEIGHT - PLOT_HEIGHT * n / steps
        parts.append(
            f'<line x1="{LEFT}" y1="{_fmt(y)}" x2="{WIDTH - RIGHT}" y2="{_fmt(y)}" '
            f'stroke="{GRID}" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{_fmt(y + 4)}" text-anchor="end">{escape(fmt(value))}</text>'
        )
    return parts


def _category_labels(labels: Sequence[str], slot: float) -> list[str]:
    every = max(1, math.ceil(len(labels) / MAX_LABELS))
    y = TOP + PLOT_HEIGHT + 18
    return [
        f'<text x="{_fmt(LEFT + slot * (i + 0.5))}" y="{y}" text-anchor="middle">'
        f"{escape(label)}</text>"
        for i, label in enumerate(labels)
        if i % every == 0
    ]


def _legend(series: Sequence[Series]) -> tuple[list[str], int]:
    """Swatches and names, several per row; returns the markup and its height."""
    parts, x, row = [], float(LEFT), 0
    for index, one in enumerate(series):
        width = 24 + 7 * len(one.name)
        if x + width > WIDTH - RIGHT and x > LEFT:
            x, row = float(LEFT), row + 1
        y = TOP + PLOT_HEIGHT + AXIS + row * LEGEND_ROW
        parts.append(
            f'<rect x="{_fmt(x)}" y="{y}" width="12" height="12" fill="{color(index)}"/>'
            f'<text x="{_fmt(x + 16)}" y="{y + 10}">{escape(one.name)}</text>'
        )
        x += width + 12
    return parts, (row + 1) * LEGEND_ROW if series else 0


def _describe(labels: Sequence[str], series: Sequence[Series], fmt: Callable[[float], str]) -> str:
    if not labels or not series:
        return "No data."
    rows = [
        f"{one.name}: "
        + ", ".join(f"{label} {fmt(v)}" for label, v in zip(labels, one.values, strict=True))
        for one in series
    ]
    return "; ".join(rows) + "."


def bar_chart(
    *,
    chart_id: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    fmt: Callable[[float], str] = plain_number,
) -> SafeString:
    """Stacked bars: one bar per label, one coloured part per series."""
    totals = [sum(one.values[i] for one in series) for i in range(len(labels))]
    top = nice_ceiling(max(totals, default=0))
    slot = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    bar = slot * 0.7
    body = _value_axis(top, fmt)
    for i, label in enumerate(labels):
        base = 0.0
        for index, one in enumerate(series):
            value = one.values[i]
            if value <= 0:
                continue
            height = PLOT_HEIGHT * value / top
            y = TOP + PLOT_HEIGHT - PLOT_HEIGHT * base / top - height
            body.append(
                f'<rect x="{_fmt(LEFT + slot * i + (slot - bar) / 2)}" y="{_fmt(y)}" '
                f'width="{_fmt(bar)}" height="{_fmt(height)}" fill="{color(index)}">'
                f"<title>{escape(f'{label}, {one.name}: {fmt(value)}')}</title></rect>"
            )
            base += value
    body += _category_labels(labels, slot)
    legend, legend_height = _legend(series)
    body += legend
    return _frame(
        chart_id=chart_id,
        title=title,
        description=_describe(labels, series, fmt),
        height=TOP + PLOT_HEIGHT + AXIS + legend_height,
        body=body,
    )


def line_chart(
    *,
    chart_id: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    fmt: Callable[[float], str] = plain_number,
    top: float | None = None,
) -> SafeString:
    """One line per series over the labels; `top` fixes the axis (1.0 for rates)."""
    highest = max((v for one in series for v in one.values), default=0)
    axis_top = top if top is not None else nice_ceiling(highest)
    slot = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    body = _value_axis(axis_top, fmt)
    for index, one in enumerate(series):
        points = [
            (LEFT + slot * (i + 0.5), TOP + PLOT_HEIGHT - PLOT_HEIGHT * min(v, axis_top) / axis_top)
            for i, v in enumerate(one.values)
        ]
        if len(points) > 1:
            body.append(
                f'<polyline points="{" ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in points)}" '
                f'fill="none" stroke="{color(index)}" stroke-width="2"/>'
            )
        for (x, y), label, value in zip(points, labels, one.values, strict=True):
            body.append(
                f'<circle cx="{_fmt(x)}" cy="{_fmt(y)}" r="3.5" fill="{color(index)}">'
                f"<title>{escape(f'{label}, {one.name}: {fmt(value)}')}</title></circle>"
            )
    body += _category_labels(labels, slot)
    legend, legend_height = _legend(series)
    body += legend
    return _frame(
        chart_id=chart_id,
        title=title,
        description=_describe(labels, series, fmt),
        height=TOP + PLOT_HEIGHT + AXIS + legend_height,
        body=body,
    )
