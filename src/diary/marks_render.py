"""The family's marks page, subject by subject, built in Python rather than by the template.

The template's loops over the subjects and their marks (the marks line with a title per mark, the lines of
the marks' history, the averages, the work to come, the chart's grid, line and dots) were most of the page's
CPU: each ``{{ }}``, ``{% if %}`` and ``{% blocktranslate %}`` inside a loop is a node the engine resolves,
escapes and localises once per subject or mark. Here the same markup is built with ``core.markup``, so
everything is still escaped; the texts are translated with the msgids the template used (``weight
%(weight)s``, ``%(n)s mark``), so the Russian catalogue still holds them and ``makemessages`` finds them
here; the averages are localised as ``{{ }}`` localised them ("4,5" in Russian) and the chart's numbers are
formatted with f-strings, never localised (SVG cannot parse "24,0"). ``tests/diary/test_marks_render.py``
holds the template this replaced and compares the bytes in Russian and English.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from core.markup import escape, format_html, format_html_join

if TYPE_CHECKING:
    from diary.selectors import ChartPoint, SubjectMarkRow, SubjectMarks, UpcomingRow

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


_INNER_W, _INNER_H = CHART_WIDTH - 2 * CHART_PAD, CHART_HEIGHT - 2 * CHART_PAD


def _y(value: Decimal | int) -> str:
    clamped = min(max(float(value), 1.0), 5.0)
    return f"{CHART_PAD + _INNER_H * (5.0 - clamped) / 4.0:.1f}"


# The same for every chart: the lines of 5..2 with their labels.
_GRID = "".join(
    f'<line x1="20" x2="{CHART_WIDTH}" y1="{_y(level)}" y2="{_y(level)}" class="grid"/>'
    f'<text x="4" y="{_y(level)}" dy="4" class="label">{level}</text>'
    for level in (5, 4, 3, 2)
)


def chart(points: list[ChartPoint]) -> Chart | None:
    """The chart of a subject's chart points (``SubjectMarks.points``), or None when there are none.

    Nothing in it is text a person typed: coordinates, dates and marks on the 5-point scale, all formatted
    here, so the markup is put together without escaping."""
    if not points:
        return None
    first, last = points[0].date, points[-1].date
    span = max((last - first).days, 1)

    def x(day: date, index: int) -> str:
        if first == last:
            return f"{CHART_PAD + _INNER_W * (index + 1) / (len(points) + 1):.1f}"
        return f"{CHART_PAD + _INNER_W * (day - first).days / span:.1f}"

    line = " ".join(
        f"{x(point.date, i)},{_y(point.average)}" for i, point in enumerate(points) if point.average is not None
    )
    polyline = f'<polyline points="{line}" class="average"/>' if line else ""
    dots = "".join(
        f'<circle cx="{x(point.date, i)}" cy="{_y(point.five_point)}" r="4" class="dot">'
        f"<title>{_day(point.date)}: {point.five_point.normalize()}</title></circle>"
        for i, point in enumerate(points)
    )
    svg = SafeString(f"{_GRID}{_SVG_BREAK}{polyline}{_SVG_BREAK}{dots}")
    return Chart(width=CHART_WIDTH, height=CHART_HEIGHT, svg=svg)


def _shown(value: object) -> str:
    """``{{ value }}``: localised as the template localised it ("4,5" in Russian), escaped."""
    return escape(localize(value))


def _said(text: str) -> str:
    """``{% translate %}``'s output: the translation, escaped."""
    return escape(text)


def _or_dash(value: object) -> str:
    """``{{ value|default:"—" }}``."""
    return _shown(value) if value else "—"


def _average(testid: str, value: Decimal | None) -> str:
    """``<dd>`` of an average: its value for machines in ``data-value`` (never localised), a dash for none."""
    data = f' data-value="{escape(localize(value, use_l10n=False))}"' if value is not None else ""
    return f'<dd data-testid="{testid}"{data}>{_or_dash(value)}</dd>'


def _final(label: str, testid: str, value: str | None) -> str:
    """A line of the finals: indented, empty without a final (the template's line stayed)."""
    if not value:
        return "    "
    return f'    <dt>{_said(label)}</dt><dd data-testid="{testid}">{_shown(value)}</dd>'


def _trend(subject: SubjectMarks) -> str:
    if subject.trend_weeks == "up":
        said = "↑ " + _said(pgettext("trend", "up"))
    elif subject.trend_weeks == "down":
        said = "↓ " + _said(pgettext("trend", "down"))
    else:
        said = "→ " + _said(pgettext("trend", "steady"))
    if subject.average_weeks_ago is not None:
        was = _("was %(then)s") % {"then": _shown(subject.average_weeks_ago)}
        said += f' <span class="muted">({was})</span>'
    return f'<dd data-testid="trend" data-trend="{escape(subject.trend_weeks)}">{said}</dd>'


def _upcoming(works: list[UpcomingRow]) -> str:
    if not works:
        return ""
    items = "".join(
        f'<li data-testid="upcoming" data-date="{work.date:%Y-%m-%d}" data-kind="{escape(work.kind)}">'
        f"{work.date:%d.%m.%Y}: {escape(work.kind_label)}{f' — {escape(work.note)}' if work.note else ''}</li>"
        for work in works
    )
    return f'<h3>{_said(_("Still to come"))}</h3>\n  <ul class="upcoming">{items}</ul>'


def _chart_figure(subject: SubjectMarks, drawn: Chart | None) -> str:
    if drawn is None:
        return ""
    label = _("Marks in %(subject)s over time") % {"subject": escape(subject.subject)}
    return (
        f'\n  <svg class="chart" data-testid="chart" viewBox="0 0 {drawn.width} {drawn.height}" role="img" '
        f'aria-label="{label}">\n    {drawn.svg}\n  </svg>\n  '
    )


def section(subject: SubjectMarks, drawn: Chart | None, line: SafeString, history: SafeString) -> SafeString:
    """One subject's ``<section>`` of the marks page, with the newlines around it the template's loop printed."""
    if subject.marks:
        count = ngettext("%(n)s mark", "%(n)s marks", len(subject.marks)) % {"n": _shown(len(subject.marks))}
        counted = f'<p class="muted" data-testid="marks-count">{count}</p>'
    else:
        line = SafeString(f'<span class="muted">{_said(_("No marks yet."))}</span>')
        counted = ""
    return SafeString(
        f'\n<section class="card subject" data-testid="subject" data-subject-id="{_shown(subject.subject_id)}">\n'
        f"  <h2>{escape(subject.subject)}</h2>\n"
        f'  <p class="marks-line">{line}</p>\n'
        f"  {counted}\n"
        f"  {history}\n"
        '  <dl class="profile">\n'
        f"    <dt>{_said(_('Weighted average'))}</dt>{_average('average', subject.average)}\n"
        f"    <dt>{_said(_('Without this week'))}</dt>{_average('average-before-week', subject.average_before_week)}\n"
        f"    <dt>{_said(_('Trend over 4 weeks'))}</dt>{_trend(subject)}\n"
        f"    <dt>{_said(_('Class average'))}</dt>"
        f'<dd data-testid="class-average">{_or_dash(subject.class_average)}</dd>\n'
        f"{_final(_('Term final'), 'term-final', subject.term_final)}\n"
        f"{_final(_('Year final'), 'year-final', subject.year_final)}\n"
        "  </dl>\n"
        f"  {_upcoming(subject.upcoming)}\n"
        f"  {_chart_figure(subject, drawn)}\n"
        "</section>\n"
    )


@dataclass(frozen=True)
class SubjectMarkup:
    """One subject of the marks page: its report and the markup built here for it."""

    data: SubjectMarks
    section: SafeString


def subjects_markup(subjects: list[SubjectMarks]) -> list[SubjectMarkup]:
    """The subjects of a ``MarksReport`` as the marks page prints them."""
    return [
        SubjectMarkup(
            data=subject,
            section=section(subject, chart(subject.points), marks_line(subject.marks), marks_history(subject.marks)),
        )
        for subject in subjects
    ]
