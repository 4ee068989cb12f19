"""``{{ answers|answer_of:homework.id }}``: the pupil's answer to one homework (``pupil_answers``)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def answer_of(answers: dict[int, Any] | None, homework_id: int) -> Any:
    return (answers or {}).get(homework_id)
