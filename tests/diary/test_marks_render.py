"""The marks page's per-mark markup built in Python (``diary.marks_render``): escaped, translated with the
template's msgids, numbers with a dot in any language."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils import translation

from diary.marks_render import chart, marks_history, marks_line
from diary.selectors import ChartPoint, SubjectMarkRow


def row(
    day: date, value: str, *, weight: int = 1, comment: str = "", history: list[str] | None = None
) -> SubjectMarkRow:
    return SubjectMarkRow(
        date=day,
        value=value,
        scale="five",
        five_point=Decimal(value),
        weight=weight,
        kind="control",
        kind_label="контрольная работа",
        comment=comment,
        history=history or [],
    )


def test_the_marks_line_is_escaped_and_says_the_weight_in_russian() -> None:
    marks = [row(date(2026, 11, 2), "5"), row(date(2026, 11, 9), "4", weight=2, comment="<b>у доски</b> & «молодец»")]
    with translation.override("ru"):
        html = marks_line(marks)
    assert html == (
        '<span class="mark" title="02.11, контрольная работа">5</span>'
        '<span class="mark" title="09.11, контрольная работа, вес 2: &lt;b&gt;у доски&lt;/b&gt; &amp; «молодец»">'
        "4<sub>×2</sub></span>"
    )
    with translation.override("en"):
        assert ", weight 2: " in marks_line(marks)
    assert marks_line([]) == ""


def test_the_history_lines_are_escaped() -> None:
    marks = [row(date(2026, 11, 16), "4", history=["5 → 4, изменена 25.11.2026 Математиковой М.: <списана>"])]
    assert marks_history(marks) == (
        '<p class="mark-history muted" data-testid="mark-history">'
        "16.11: 5 → 4, изменена 25.11.2026 Математиковой М.: &lt;списана&gt;</p>"
    )


def test_the_chart_markup_has_dots_for_numbers_under_russian() -> None:
    points = [
        ChartPoint(date=date(2026, 11, 2), five_point=Decimal(5), weight=1, average=Decimal(5)),
        ChartPoint(date=date(2026, 11, 6), five_point=Decimal(3), weight=1, average=Decimal(4)),
    ]
    with translation.override("ru"):
        drawn = chart(points)
    assert drawn is not None
    assert (drawn.width, drawn.height) == (320, 120)
    grid = "".join(
        f'<line x1="20" x2="320" y1="{y}" y2="{y}" class="grid"/>'
        f'<text x="4" y="{y}" dy="4" class="label">{label}</text>'
        for y, label in (("24.0", 5), ("42.0", 4), ("60.0", 3), ("78.0", 2))
    )
    assert drawn.svg == (
        f"{grid}\n    "
        '<polyline points="24.0,24.0 296.0,42.0" class="average"/>\n    '
        '<circle cx="24.0" cy="24.0" r="4" class="dot"><title>02.11: 5</title></circle>'
        '<circle cx="296.0" cy="60.0" r="4" class="dot"><title>06.11: 3</title></circle>'
    )
    assert chart([]) is None
