"""The marks page's markup built in Python (``diary.marks_render``): escaped, translated with the template's
msgids, numbers with a dot in the chart in any language, and each subject's section the same bytes the
template printed before, in Russian and in English."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import translation

from diary.marks_render import chart, marks_history, marks_line, section
from diary.selectors import ChartPoint, SubjectMarkRow, SubjectMarks, UpcomingRow

# One subject of the marks page as its template printed it before ``marks_render.section``.
TEMPLATE_SECTION = Template((Path(__file__).parent / "marks_section_before.html").read_text(encoding="utf-8"))


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


def subject(**changes: object) -> SubjectMarks:
    marks = [
        row(date(2026, 11, 2), "5"),
        row(date(2026, 11, 9), "4", weight=2, comment="<b>у доски</b>", history=["5 → 4, изменена: «<списана>»"]),
        row(date(2026, 11, 16), "3"),
    ]
    fields: dict[str, object] = {
        "subject_id": 1234,
        "subject": "Алгебра & <геометрия>",
        "marks": marks,
        "average": Decimal("4.25"),
        "class_average": Decimal("3.9"),
        "trend": "up",
        "term_final": "5",
        "year_final": None,
        "points": [
            ChartPoint(date=mark.date, five_point=Decimal(mark.value), weight=mark.weight, average=Decimal(4))
            for mark in marks
        ],
        "average_before_week": Decimal("4.5"),
        "average_weeks_ago": Decimal("3.75"),
        "trend_weeks": "up",
        "upcoming": [
            UpcomingRow(lesson_id=1, date=date(2026, 12, 7), kind="control", kind_label="контрольная", note="<§ 4>"),
            UpcomingRow(lesson_id=2, date=date(2026, 12, 9), kind="test", kind_label="тест", note=""),
        ],
    }
    return SubjectMarks(**(fields | changes))  # type: ignore[arg-type]


SUBJECTS = {
    "everything": subject(),
    "no marks at all": subject(
        marks=[],
        average=None,
        class_average=None,
        points=[],
        average_before_week=None,
        average_weeks_ago=None,
        trend_weeks="flat",
        term_final=None,
        upcoming=[],
    ),
    "falling, both finals": subject(trend_weeks="down", term_final="4", year_final="4", average_weeks_ago=None),
    "one mark, steady, nothing to come": subject(
        marks=[row(date(2026, 11, 2), "2", weight=10)], trend_weeks="flat", upcoming=[], average=Decimal(2)
    ),
}


@pytest.mark.parametrize("language", ["ru", "en"])
@pytest.mark.parametrize("case", SUBJECTS)
def test_a_subject_section_is_the_bytes_the_template_printed(case: str, language: str) -> None:
    data = SUBJECTS[case]
    with translation.override(language):
        drawn, line, history = chart(data.points), marks_line(data.marks), marks_history(data.marks)
        item = {"data": data, "chart": drawn, "marks_line": line, "history": history}
        expected = TEMPLATE_SECTION.render(Context({"item": item}))
        assert section(data, drawn, line, history) == expected


def test_a_russian_section_agrees_the_count_and_localises_the_averages() -> None:
    data = SUBJECTS["everything"]
    with translation.override("ru"):
        html = section(data, chart(data.points), marks_line(data.marks), marks_history(data.marks))
    assert "3 оценки" in html
    assert 'data-value="4.25">4,25</dd>' in html
    assert "(было 3,75)" in html
    assert "Алгебра &amp; &lt;геометрия&gt;" in html
    assert "07.12.2026: контрольная — &lt;§ 4&gt;" in html
