"""The labels of a model's choices in the active language, translated once per language and process.

``dict(Mark.Kind.choices)`` builds the list of lazy labels again on every call, and each ``str()`` of a label
asks gettext: about a tenth of the week's own Python on the evening read, for labels that only change with
the language.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from django.db.models import Choices
from django.utils import translation


def labels(choices: type[Choices]) -> Mapping[Any, str]:
    """``{value: label}`` of ``choices``, the labels as text in the active language (shared: read only)."""
    return _labels(choices, translation.get_language())


@lru_cache(maxsize=256)
def _labels(choices: type[Choices], language: str | None) -> Mapping[Any, str]:
    return {value: str(label) for value, label in choices.choices}
