"""Charts drawn on the server as inline SVG: nothing to fetch, no script, allowed by the console's CSP.

Geometry and colours go in SVG attributes and classes (console/static/dashboard.css), never in a
`style` attribute, which the policy refuses. Every text is escaped by `Markup.format`; every chart has
a <title> and a <desc>, and each bar its own <title> with its number. The page shows the same numbers
in a table beside the chart.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup

WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 34, 28  # room for the axis labels and the legend
MAX_LABELS = 10  # day labels under the bars, at most


@dataclass(frozen=True)
class Series:
    label: str  # "conversations": also the word after each bar's number
    values: Sequence[int]
    tone: str  # the CSS modifier of its bars: chart__bar--<tone>


def nice_step(most: float, ticks: int = 4) -> int:
    """A round step (1, 2, 5 × 10ⁿ) so that `ticks` steps reach at least `most`."""
    rough = max(most / ticks, 1)
    power = 10 ** math.floor(math.log10(rough))
    return next(int(m * power) for m in (1, 2, 5, 10) if m * power >= rough)


def day_label(day: date) -> str:
    return f"{day.day} {day:%b}"


def _fmt(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def day_bars(
    chart_id: str, title: str, description: str, days: Sequence[date], series: Sequence[Series]
) -> Markup:
    """Bars per day, one per series side by side, with a legend, a y axis and day labels."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = nice_step(max((v for s in series for v in s.values), default=0))
    top = step * max(1, math.ceil(max((v for s in series for v in s.values), default=0) / step))
    slot = plot_w / max(len(days), 1)
    bar_w = slot * 0.8 / max(len(series), 1)
    parts = [
        Markup(
            '<svg class="chart" id="{0}" viewBox="0 0 {1} {2}" role="img"'
            ' aria-labelledby="{0}-title {0}-desc">'
            '<title id="{0}-title">{3}</title><desc id="{0}-desc">{4}</desc>'
        ).format(chart_id, WIDTH, HEIGHT, title, description)
    ]
    for n, s in enumerate(series):  # the legend, above the plot
        x = LEFT + n * 160
        parts.append(
            Markup(
                '<rect class="chart__bar chart__bar--{0}" x="{1}" y="8" width="12" height="12"></rect>'
                '<text class="chart__legend" x="{2}" y="18">{3}</text>'
            ).format(s.tone, x, x + 18, s.label)
        )
    for tick in range(0, top + 1, step):
        y = TOP + plot_h - plot_h * tick / top
        parts.append(
            Markup(
                '<line class="chart__grid" x1="{0}" x2="{1}" y1="{2}" y2="{2}"></line>'
                '<text class="chart__axis" x="{3}" y="{4}" text-anchor="end">{5}</text>'
            ).format(LEFT, WIDTH - RIGHT, _fmt(y), LEFT - 6, _fmt(y + 4), tick)
        )
    every = max(1, math.ceil(len(days) / MAX_LABELS))
    for i, day in enumerate(days):
        x0 = LEFT + i * slot + slot * 0.1
        for n, s in enumerate(series):
            value = s.values[i]
            height = plot_h * value / top
            parts.append(
                Markup(
                    '<rect class="chart__bar chart__bar--{0}" x="{1}" y="{2}" width="{3}" height="{4}">'
                    "<title>{5}: {6} {7}</title></rect>"
                ).format(
                    s.tone,
                    _fmt(x0 + n * bar_w),
                    _fmt(TOP + plot_h - height),
                    _fmt(bar_w),
                    _fmt(height),
                    day.isoformat(),
                    value,
                    s.label,
                )
            )
        if i % every == 0:
            parts.append(
                Markup('<text class="chart__axis" x="{0}" y="{1}" text-anchor="middle">{2}</text>').format(
                    _fmt(LEFT + i * slot + slot / 2), HEIGHT - 8, day_label(day)
                )
            )
    parts.append(
        Markup('<line class="chart__baseline" x1="{0}" x2="{1}" y1="{2}" y2="{2}"></line>').format(
            LEFT, WIDTH - RIGHT, TOP + plot_h
        )
    )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def meter(part: int, whole: int, label: str) -> Markup:
    """A thin bar filled to part/whole; empty when there is nothing to divide by."""
    share = part / whole if whole else 0.0
    text = f"{label}: {share * 100:.1f}% ({part} of {whole})" if whole else f"{label}: no data"
    return Markup(
        '<svg class="meter" viewBox="0 0 100 8" preserveAspectRatio="none" role="img" aria-label="{0}">'
        "<title>{0}</title>"
        '<rect class="meter__track" x="0" y="0" width="100" height="8"></rect>'
        '<rect class="meter__fill" x="0" y="0" width="{1}" height="8"></rect></svg>'
    ).format(text, _fmt(min(share, 1.0) * 100))
