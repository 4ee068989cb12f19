"""The per-mark markup of the family's marks page, built in Python rather than by the template.

The template's loops over the marks (the marks line with a title per mark, the lines of the marks' history,
the chart's grid, line and dots) were most of the page's CPU: each ``{{ }}`` and ``{% if %}`` inside a loop
is a node the engine resolves, escapes and localises once per mark. Here the same markup is one
``format_html_join`` per list, so everything is still escaped; the texts are translated with the msgids the
template used (``weight %(weight)s``), so the Russian catalogue still holds them; numbers are formatted with
f-strings, never localised (SVG cannot parse "24,0").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from core.markup import format_html, format_html_join

if TYPE_CHECKING:
    from diary.selectors import ChartPoint, SubjectMarkRow, SubjectMarks

CHART_WIDTH, CHART_HEIGHT, CHART_PAD = 320, 120, 24
# Between the chart's parts, as the template laid them out.
_SVG_BREAK = mark_safe("\n    ")


def _day(day: date) -> str:
    """``01.11``: the template's ``date:'d.m'``."""
    return f"{day:%d.%m}"


def mark_title(kind_label: str, weight: int, comment: str) -> str:
    """«контрольная работа, вес 2: у доски»: a mark's title on the marks page and in the week, the kind, the
    weight when not 1, the comment."""
    title = kind_label
    if weight != 1:  # 2..10 (``diary.marks.MAX_WEIGHT``): the digits the template's localised weight gave
        title += ", " + _("weight %(weight)s") % {"weight": weight}
    if comment:
        title += f": {comment}"
    return title


def weight_sub(weight: int) -> SafeString | str:
    """``<sub>×2</sub>`` after a mark of weight other than 1."""
    return format_html("<sub>×{}</sub>", weight) if weight != 1 else ""


def _mark_title(mark: SubjectMarkRow) -> str:
    """«02.11, контрольная работа, вес 2: у доски»: the date before the title the week shows."""
    return f"{_day(mark.date)}, {mark_title(mark.kind_label, mark.weight, mark.comment)}"


def marks_line(marks: list[SubjectMarkRow]) -> SafeString:
    """The subject's marks in a row: ``<span class="mark" title=…>5<sub>×2</sub></span>`` each; empty for none
    (the template says there are no marks yet)."""
    return format_html_join(
        "",
        '<span class="mark" title="{}">{}{}</span>',
        (
            (
                _mark_title(mark),
                mark.value,
                weight_sub(mark.weight),
            )
            for mark in marks
        ),
    )


def marks_history(marks: list[SubjectMarkRow]) -> SafeString:
    """One ``mark-history`` line per change of a mark, «16.11: 5 → 4, изменена …», the marks in their order."""
    return format_html_join(
        "",
        '<p class="mark-history muted" data-testid="mark-history">{}: {}</p>',
        ((_day(mark.date), text) for mark in marks for text in mark.history),
    )


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


@dataclass(frozen=True)
class SubjectMarkup:
    """One subject of the marks page: its report and the markup built here for it."""

    data: SubjectMarks
    chart: Chart | None
    marks_line: SafeString
    history: SafeString


def subjects_markup(subjects: list[SubjectMarks]) -> list[SubjectMarkup]:
    """The subjects of a ``MarksReport`` as the marks page's template prints them."""
    return [
        SubjectMarkup(
            data=subject,
            chart=chart(subject.points),
            marks_line=marks_line(subject.marks),
            history=marks_history(subject.marks),
        )
        for subject in subjects
    ]
