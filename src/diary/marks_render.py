"""The per-mark markup of the family's marks page, built in Python rather than by the template.

The template's loops over the marks were most of the page's CPU: each ``{{ }}`` inside a loop is a node the
engine resolves, escapes and localises once per mark. The chart's grid, line and dots are built here instead,
one ``format_html_join`` per list, so everything is still escaped; numbers are formatted with f-strings, never
localised (SVG cannot parse "24,0").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

if TYPE_CHECKING:
    from diary.selectors import ChartPoint

CHART_WIDTH, CHART_HEIGHT, CHART_PAD = 320, 120, 24
# Between the chart's parts, as the template laid them out.
_SVG_BREAK = mark_safe("\n    ")


def _day(day: date) -> str:
    """``01.11``: the template's ``date:'d.m'``."""
    return f"{day:%d.%m}"


@dataclass(frozen=True)
class Chart:
    """An inline SVG line of one subject's marks (on the 5-point scale) over time.

    ``svg`` is the markup inside the ``<svg>`` element: the grid lines of 5..2 with their labels, the polyline
    of the running average and a dot per mark with its ``<title>``, built here with ``format_html`` (escaped).
    The coordinates in it are formatted here with a dot rather than left to the template: under the Russian
    locale the template would render 24.0 as "24,0", which SVG cannot parse.
    """

    width: int
    height: int
    svg: SafeString


def chart(points: list[ChartPoint]) -> Chart | None:
    """The chart of a subject's chart points (``SubjectMarks.points``), or None when there are none."""
    if not points:
        return None
    inner_w, inner_h = CHART_WIDTH - 2 * CHART_PAD, CHART_HEIGHT - 2 * CHART_PAD
    first, last = points[0].date, points[-1].date
    span = max((last - first).days, 1)

    def x(day: date, index: int) -> str:
        if first == last:
            return f"{CHART_PAD + inner_w * (index + 1) / (len(points) + 1):.1f}"
        return f"{CHART_PAD + inner_w * (day - first).days / span:.1f}"

    def y(value: Decimal) -> str:
        clamped = min(max(float(value), 1.0), 5.0)
        return f"{CHART_PAD + inner_h * (5.0 - clamped) / 4.0:.1f}"

    levels = [(y(Decimal(level)), level) for level in (5, 4, 3, 2)]
    grid = format_html_join(
        "",
        '<line x1="20" x2="{}" y1="{}" y2="{}" class="grid"/><text x="4" y="{}" dy="4" class="label">{}</text>',
        ((CHART_WIDTH, at, at, at, level) for at, level in levels),
    )
    line = " ".join(
        f"{x(point.date, i)},{y(point.average)}" for i, point in enumerate(points) if point.average is not None
    )
    polyline = format_html('<polyline points="{}" class="average"/>', line) if line else ""
    dots = format_html_join(
        "",
        '<circle cx="{}" cy="{}" r="4" class="dot"><title>{}</title></circle>',
        (
            (x(point.date, i), y(point.five_point), f"{_day(point.date)}: {point.five_point.normalize()}")
            for i, point in enumerate(points)
        ),
    )
    svg = format_html("{}{}{}{}{}", grid, _SVG_BREAK, polyline, _SVG_BREAK, dots)
    return Chart(width=CHART_WIDTH, height=CHART_HEIGHT, svg=svg)
