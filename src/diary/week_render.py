"""The per-lesson markup of the family's week page, built in Python rather than by the template.

The template's loops over the week's lessons (about 35 a week, each a dozen nodes, and a loop per mark
inside) were most of the page's CPU: each ``{{ }}`` and ``{% if %}`` is a node the engine resolves, escapes
and localises once per lesson or per mark. Here the same markup is a ``format_html`` per piece, so
everything is still escaped; the texts are translated with the msgids the template used (``weight
%(weight)s``, ``room %(room)s``, ``due %(due)s``…), so the Russian catalogue still holds them; numbers and
dates are f-strings, never localised, except the day's heading, whose Russian genitive month comes from
Django's date format.

The pupil's own week (tick forms with the CSRF token, answers with the hand-in form) is still the template
``diary/family/_week_days.html``; for the family, ``days_markup`` prints the bytes that template prints without
them, and ``tests/diary/test_week_render.py`` renders both and compares: a change to one is a change to both.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.template.defaultfilters import linebreaksbr
from django.utils import dateformat
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from core.markup import format_html, format_html_join
from diary.marks_render import mark_title, weight_sub

if TYPE_CHECKING:
    from diary.selectors import AttendanceRow, DayRow, HomeworkRow, LessonRow, MarkRow


def marks_line(marks: list[MarkRow]) -> SafeString:
    """A lesson's marks in its head: ``<span class="mark" data-testid="mark" title=…>5<sub>×2</sub></span>``
    each; empty for none."""
    return format_html_join(
        "",
        '<span class="mark" data-testid="mark" title="{}">{}{}</span>',
        (
            (
                mark_title(mark.kind_label, mark.weight, mark.comment),
                mark.value,
                weight_sub(mark.weight),
            )
            for mark in marks
        ),
    )


def marks_history(marks: list[MarkRow]) -> SafeString:
    """One ``mark-history`` line per change of a lesson's marks, «5 → 4, изменена …», the marks in their order."""
    return format_html_join(
        "",
        '<p class="mark-history muted" data-testid="mark-history">{}</p>',
        ((text,) for mark in marks for text in mark.history),
    )


def _badge(lesson: LessonRow) -> SafeString | str:
    if lesson.cancelled:
        return format_html('<span class="badge">{}</span>', _("cancelled"))
    if lesson.status == "moved":
        return format_html('<span class="badge">{}</span>', _("moved"))
    if lesson.status == "replaced":
        return format_html('<span class="badge">{}</span>', _("replaced"))
    return ""


def _homework(homework: HomeworkRow) -> SafeString:
    """One homework of the family's week: the text, when it is due, whether it is done, its files (the pupil's
    own week adds the tick form and the answer: the template draws that one)."""
    due = (
        format_html('<span class="muted">({})</span>', _("due %(due)s") % {"due": f"{homework.due_date:%d.%m}"})
        if homework.due_date
        else ""
    )
    # The two blank lines are where the template puts the own diary's tick form and the pupil's answer.
    return format_html(
        '\n      <div class="homework" data-testid="homework"><strong>{}:</strong> {}\n        {}\n        {}\n'
        "        \n        {}\n        \n      </div>\n    ",
        pgettext("one task", "Homework"),
        linebreaksbr(homework.text, autoescape=True),
        due,
        format_html('<span class="badge ok">{}</span>', _("done")) if homework.done else "",
        format_html_join(
            "",
            '<br><a href="{}" data-testid="attachment">📎 {}</a>',
            ((attachment.url, attachment.name) for attachment in homework.attachments),
        ),
    )


def _attendance(attendance: AttendanceRow | None) -> SafeString | str:
    if attendance is None:
        return ""
    if attendance.late_minutes:
        minutes = attendance.late_minutes
        badge = ngettext("late by %(minutes)s minute", "late by %(minutes)s minutes", minutes) % {"minutes": minutes}
    else:
        badge = attendance.status_label
    return format_html(
        '<p class="attendance" data-testid="attendance"><span class="badge">{}</span>{}</p>',
        badge,
        f" {attendance.comment}" if attendance.comment else "",
    )


def lesson_markup(lesson: LessonRow) -> SafeString:
    """One lesson of the family's week, ``<article class="lesson">`` with the blank lines the template left."""
    return format_html(
        '\n  <article class="lesson{}" data-testid="lesson" data-status="{}">\n'
        '    <p class="lesson-head"><span class="muted">{}. {}–{}</span>\n'
        "      <strong>{}</strong>\n      {}\n      {}\n    </p>\n"
        '    <p class="muted">{}{}</p>\n    {}\n    {}\n    {}\n    {}\n    {}\n  </article>\n  ',
        " cancelled" if lesson.cancelled else "",
        lesson.status,
        lesson.number,
        f"{lesson.starts_at:%H:%M}",
        f"{lesson.ends_at:%H:%M}",
        lesson.subject,
        _badge(lesson),
        marks_line(lesson.marks),
        lesson.teacher,
        " · " + _("room %(room)s") % {"room": lesson.room} if lesson.room else "",
        format_html("<p>{}: {}</p>", _("Topic"), lesson.topic) if lesson.topic else "",
        format_html(
            '<p class="planned" data-testid="planned-work" data-kind="{}"><span class="badge">{}</span>{}</p>',
            lesson.planned_kind,
            capfirst(lesson.planned_kind_label),
            f" {lesson.planned_note}" if lesson.planned_note else "",
        )
        if lesson.planned_kind
        else "",
        marks_history(lesson.marks),
        mark_safe("".join(_homework(homework) for homework in lesson.homework)),  # noqa: S308  # each format_html
        _attendance(lesson.attendance),
    )


def days_markup(days: list[DayRow], today: date) -> SafeString:
    """The family's week, a ``<section class="card day">`` per day: what ``_week_days.html`` prints when it is
    not the pupil's own diary (no tick forms, no answers), down to the template file's last line break."""
    sections = format_html_join(
        "",
        '\n<section class="card day{}" data-testid="day" data-date="{}">\n  <h2>{}</h2>\n  {}\n</section>\n',
        (
            (
                " today" if day.date == today else "",
                f"{day.date:%Y-%m-%d}",
                dateformat.format(day.date, "l, j E"),
                mark_safe("".join(lesson_markup(lesson) for lesson in day.lessons))  # noqa: S308  # each format_html
                if day.lessons
                else format_html('\n  <p class="muted">{}</p>\n  ', _("No lessons.")),
            )
            for day in days
        ),
    )
    return format_html("{}\n", sections)
