"""``{{ lesson.marks|marks_line }}``, ``{{ lesson.marks|marks_history }}``: a lesson's marks on the week page,
built in Python (``diary.week_render``) rather than by a template loop per mark."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from diary import week_render
from diary.selectors import MarkRow

register = template.Library()


@register.filter
def marks_line(marks: list[MarkRow]) -> SafeString:
    return week_render.marks_line(marks)


@register.filter
def marks_history(marks: list[MarkRow]) -> SafeString:
    return week_render.marks_history(marks)
