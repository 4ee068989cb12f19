"""Marks that explain themselves: the history of one mark as the family and the pupil read it.

Every change is already a ``MarkChange`` row (``diary.marks`` writes one per change, with the reason a
change after a day requires); this module only reads them, after ``access`` said the viewer reads the
pupil's diary in the mark's subject (404 otherwise, the same as a missing mark).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from django.utils import timezone
from django.utils.translation import gettext as _

import access
from core.errors import NotFound
from diary import selectors
from diary.models import Mark, MarkChange
from portal.names import decline


@dataclass(frozen=True)
class MarkChangeRow:
    """One change of a mark: from what to what (empty: none), by whom, when and why."""

    old_value: str
    new_value: str
    old_weight: int | None
    new_weight: int | None
    changed_by: str
    changed_at: datetime
    reason: str
    text: str  # «5 → 4, изменена 02.12.2026 Ивановой Е. П.: пересдача»


@dataclass(frozen=True)
class MarkHistory:
    mark_id: int
    kind: str
    value: str
    changes: list[MarkChangeRow]


def _by_whom(surname: str, given_name: str, patronymic: str) -> str:
    """«Ивановой Е. П.»: the surname in the instrumental case and the initials."""
    declined = decline(surname=surname, given_name=given_name, patronymic=patronymic, case="instrumental")
    initials = " ".join(f"{part[0]}." for part in (given_name, patronymic) if part)
    return f"{declined.split(' ')[0]} {initials}".strip()


def describe_change(
    *, old_value: str, new_value: str, changed_at: datetime, reason: str, author: tuple[str, str, str]
) -> str:
    """How the family reads a change: «5 → 4, изменена 02.12.2026 Ивановой Е. П.: причина»; a first mark
    reads «5, поставлена …», a removed one «5 → —, удалена …». ``author``: surname, given name, patronymic.

    Plain values, not a ``MarkChange``: the week reads the changes as rows, and building an unsaved
    ``MarkChange`` with its author would ask the database router for a *write* database (Django does so when
    a relation is set on an unsaved object), which keeps a family's read on the primary.
    """
    day = timezone.localtime(changed_at).strftime("%d.%m.%Y")
    who = _by_whom(*author)
    if not old_value:
        text = _("%(new)s, set on %(day)s by %(who)s") % {"new": new_value, "day": day, "who": who}
    elif not new_value:
        text = _("%(old)s → —, removed on %(day)s by %(who)s") % {"old": old_value, "day": day, "who": who}
    else:
        text = _("%(old)s → %(new)s, changed on %(day)s by %(who)s") % {
            "old": old_value,
            "new": new_value,
            "day": day,
            "who": who,
        }
    return f"{text}: {reason}" if reason else text


def _author(account: Any) -> tuple[str, str, str]:
    return (account.surname, account.given_name, account.patronymic)


def change_text(change: MarkChange) -> str:
    """``describe_change`` of a stored change with its author."""
    return describe_change(
        old_value=change.old_value,
        new_value=change.new_value,
        changed_at=change.changed_at,
        reason=change.reason,
        author=_author(change.changed_by),
    )


def _row(change: MarkChange) -> MarkChangeRow:
    return MarkChangeRow(
        old_value=change.old_value,
        new_value=change.new_value,
        old_weight=change.old_weight,
        new_weight=change.new_weight,
        changed_by=_by_whom(*_author(change.changed_by)),
        changed_at=change.changed_at,
        reason=change.reason,
        text=change_text(change),
    )


def mark_history(*, viewer: Any, student_id: UUID | str, mark_id: int) -> MarkHistory:
    """Every change of one of the pupil's marks, oldest first; NotFound unless ``viewer`` reads the pupil's
    diary in the mark's subject. Three queries."""
    read = access.get_diary(viewer, student_id)
    mark = (
        Mark.objects.filter(read.only("lesson__subject_id"), pk=mark_id, pupil=read.pupil)
        .select_related("lesson")
        .order_by()
        .first()
    )
    if mark is None:
        raise NotFound()
    selectors.logged(read)
    changes = MarkChange.objects.filter(pupil=read.pupil, lesson_id=mark.lesson_id, kind=mark.kind)
    rows = [_row(change) for change in changes.select_related("changed_by").order_by("changed_at", "pk")]
    return MarkHistory(mark_id=mark.pk, kind=mark.kind, value=mark.value, changes=rows)
