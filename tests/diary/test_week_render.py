"""The week page's per-lesson markup built in Python (``diary.week_render``): escaped, translated with the
template's msgids, the same bytes the template printed."""

from __future__ import annotations

from datetime import date, time

import pytest
from django.template import Context, Template
from django.template.loader import render_to_string
from django.utils import translation

from diary.selectors import AttachmentRow, AttendanceRow, DayRow, HomeworkRow, LessonRow, MarkRow
from diary.week_render import days_markup, lesson_markup, marks_history, marks_line

# The lesson head's marks and the history lines as the week's template printed them before ``week_render``.
TEMPLATE_MARKS = Template(
    "{% load i18n %}{% for mark in marks %}"
    '<span class="mark" data-testid="mark" title="{{ mark.kind_label }}{% if mark.weight != 1 %}, '
    "{% blocktranslate with weight=mark.weight %}weight {{ weight }}{% endblocktranslate %}{% endif %}"
    '{% if mark.comment %}: {{ mark.comment }}{% endif %}">{{ mark.value }}'
    "{% if mark.weight != 1 %}<sub>×{{ mark.weight }}</sub>{% endif %}</span>{% endfor %}"
)
TEMPLATE_HISTORY = Template(
    "{% for mark in marks %}{% for text in mark.history %}"
    '<p class="mark-history muted" data-testid="mark-history">{{ text }}</p>{% endfor %}{% endfor %}'
)


def mark(value: str, *, weight: int = 1, comment: str = "", history: list[str] | None = None) -> MarkRow:
    return MarkRow(
        value=value,
        scale="five",
        five_point=None,
        weight=weight,
        kind="control",
        kind_label="контрольная работа",
        comment=comment,
        history=history or [],
    )


MARKS = [
    mark("5"),
    mark("4", weight=2, comment="<b>у доски</b> & «молодец»", history=["5 → 4, изменена 25.11.2026: <списана>"]),
    mark("3", weight=10, history=["4 → 3", '3 → 3 "снова"']),
]


def lesson(number: int, **changes: object) -> LessonRow:
    fields: dict[str, object] = {
        "id": number,
        "number": number,
        "starts_at": time(8, 30 + number),
        "ends_at": time(9, 15 + number),
        "subject": "Алгебра",
        "teacher": "Математикова Мария Ивановна",
        "room": "",
        "topic": "",
        "status": "planned",
        "cancelled": False,
        "homework": [],
        "marks": [],
        "attendance": None,
        "planned_kind": "",
        "planned_kind_label": "",
        "planned_note": "",
    }
    fields.update(changes)
    return LessonRow(**fields)  # type: ignore[arg-type]


def week() -> list[DayRow]:
    """A week with every branch of the lesson's markup, and HTML in every text a teacher types."""
    homework = [
        HomeworkRow(id=1, text="Параграф 7\nупр. <5> & 6", due_date=date(2026, 11, 6), done=True, attachments=[]),
        HomeworkRow(
            id=2,
            text="Читать",
            due_date=None,
            done=False,
            attachments=[
                AttachmentRow(name="a <b>.pdf", url="/diary/attachments/1/?x=1&y=2", size=10),
                AttachmentRow(name="b.png", url="/diary/attachments/2/", size=20),
            ],
            hand_in=True,
        ),
    ]
    return [
        DayRow(
            date=date(2026, 11, 2),
            lessons=[
                lesson(
                    1,
                    room="12 <a>",
                    topic="Дроби & <доли>",
                    marks=MARKS,
                    homework=homework,
                    attendance=AttendanceRow("late", "опоздал", 5, "<автобус>"),
                    planned_kind="control",
                    planned_kind_label="контрольная работа",
                    planned_note="глава 3 <i>",
                ),
                lesson(2, status="cancelled", cancelled=True, attendance=AttendanceRow("ill", "болел", None, "")),
                lesson(3, status="moved", planned_kind="test", planned_kind_label="тест", marks=MARKS[:1]),
                lesson(4, status="replaced", attendance=AttendanceRow("late", "опоздал", 1, "")),
                lesson(5, attendance=AttendanceRow("late", "опоздал", 22, "")),
            ],
        ),
        DayRow(date=date(2026, 11, 3), lessons=[]),
        DayRow(date=date(2026, 11, 4), lessons=[lesson(1)]),
    ]


@pytest.mark.parametrize("language", ["ru", "en"])
def test_the_marks_and_their_history_are_what_the_template_printed(language: str) -> None:
    with translation.override(language):
        for marks in (MARKS, MARKS[:1], []):
            assert marks_line(marks) == TEMPLATE_MARKS.render(Context({"marks": marks}))
            assert marks_history(marks) == TEMPLATE_HISTORY.render(Context({"marks": marks}))


def test_the_marks_are_escaped_and_say_the_weight_in_russian() -> None:
    with translation.override("ru"):
        html = marks_line(MARKS[:2])
    assert html == (
        '<span class="mark" data-testid="mark" title="контрольная работа">5</span>'
        '<span class="mark" data-testid="mark" title="контрольная работа, вес 2: '
        '&lt;b&gt;у доски&lt;/b&gt; &amp; «молодец»">4<sub>×2</sub></span>'
    )
    assert marks_history(MARKS[1:2]) == (
        '<p class="mark-history muted" data-testid="mark-history">5 → 4, изменена 25.11.2026: &lt;списана&gt;</p>'
    )


@pytest.mark.parametrize("language", ["ru", "en"])
def test_the_family_week_is_what_the_template_prints_without_the_own_diary(language: str) -> None:
    """The template keeps the pupil's own week (tick forms, answers); for the family both print the same bytes."""
    with translation.override(language):
        for days, today in ((week(), date(2026, 11, 2)), (week(), date(2026, 11, 5)), ([], date(2026, 11, 2))):
            template = render_to_string("diary/family/_week_days.html", {"days": days, "today": today})
            assert days_markup(days, today) == template


def test_a_lesson_in_russian_is_escaped() -> None:
    with translation.override("ru"):
        html = lesson_markup(week()[0].lessons[0])
        heading = days_markup(week()[:1], date(2026, 11, 2))
    assert '<section class="card day today" data-testid="day" data-date="2026-11-02">' in heading
    assert "<h2>Понедельник, 2 ноября</h2>" in heading  # the genitive month of Django's Russian format
    for part in (
        '<span class="muted">1. 08:31–09:16</span>',
        '<p class="muted">Математикова Мария Ивановна · кабинет 12 &lt;a&gt;</p>',
        "<p>Тема урока: Дроби &amp; &lt;доли&gt;</p>",
        '<p class="planned" data-testid="planned-work" data-kind="control">'
        '<span class="badge">Контрольная работа</span> глава 3 &lt;i&gt;</p>',
        "<strong>Домашнее задание:</strong> Параграф 7<br>упр. &lt;5&gt; &amp; 6",
        '<span class="muted">(выполнить к 06.11)</span>',
        '<span class="badge ok">выполнено</span>',
        '<br><a href="/diary/attachments/1/?x=1&amp;y=2" data-testid="attachment">📎 a &lt;b&gt;.pdf</a>',
        '<span class="badge">опоздание на 5 минут</span> &lt;автобус&gt;</p>',
    ):
        assert part in html
    assert "<form" not in html
