"""Counts in Russian take the plural form the number needs (1 урок, 2 урока, 5 уроков, 21 урок)."""

from __future__ import annotations

import pytest
from django.utils import translation
from django.utils.translation import ngettext


@pytest.mark.parametrize(
    ("count", "expected"),
    [(1, "Создан 1 урок."), (2, "Создано 2 урока."), (5, "Создано 5 уроков."), (21, "Создан 21 урок.")],
)
def test_lessons_created(count: int, expected: str) -> None:
    with translation.override("ru"):
        text = ngettext("%(count)d lesson created.", "%(count)d lessons created.", count) % {"count": count}
    assert text == expected


@pytest.mark.parametrize(
    ("count", "word"), [(1, "доверенного лица"), (2, "доверенных лиц"), (5, "доверенных лиц"), (21, "доверенного лица")]
)
def test_the_trusted_persons_limit(count: int, word: str) -> None:
    singular = "A child may have at most %(count)d trusted person per service; revoke one first."
    plural = "A child may have at most %(count)d trusted persons per service; revoke one first."
    with translation.override("ru"):
        text = ngettext(singular, plural, count) % {"count": count}
    assert f"не более {count} {word} на услугу" in text
