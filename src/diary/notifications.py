"""Telling families what changed in the diary: a new or changed mark, an absence, homework set.

Services call ``announce`` inside their transaction; after the commit one task builds a message per
pupil and hands it to ``notify`` for the pupil's family readers of the diary (``access.family_readers``:
linked guardians, the pupil's own account, trusted persons with an active diary grant). Channels and
opt-outs are ``notify``'s business; the words of each message are the diary's.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from django_tasks import task

import access
from diary import alerts
from diary.models import Attendance, Homework, Lesson, Mark, MarkChange
from notify.models import Kind
from notify.services import in_site_language, notify
from portal.names import Grammatical, grammatical_gender
from registry.models import Pupil

MARK, ABSENCE, HOMEWORK = Kind.MARK.value, Kind.ABSENCE.value, Kind.HOMEWORK.value


def announce(*, event: str, lesson_id: int, pupil_ids: Iterable[int]) -> None:
    Kind(event)
    ids = sorted(set(pupil_ids))
    if ids:
        transaction.on_commit(lambda: notify_diary_event.enqueue(event=event, lesson_id=lesson_id, pupil_ids=ids))


def _subject(event: str, pupil_name: str) -> str:
    if event == MARK:
        return _("New marks for %(pupil)s") % {"pupil": pupil_name}
    if event == ABSENCE:
        return _("Attendance of %(pupil)s") % {"pupil": pupil_name}
    return _("Homework for %(pupil)s") % {"pupil": pupil_name}


def _push_title(event: str, subject: str) -> str:
    """What a locked phone may show: the kind and the school subject, never the child's name or the value."""
    if event == MARK:
        return _("New mark: %(subject)s") % {"subject": subject}
    if event == ABSENCE:
        return _("Attendance: %(subject)s") % {"subject": subject}
    return _("Homework: %(subject)s") % {"subject": subject}


def _details(event: str, lesson_id: int, pupil_ids: list[int]) -> dict[int, str]:
    """What happened to each pupil on the lesson, in one query whatever their number."""
    if event == MARK:
        return _mark_details(lesson_id, pupil_ids)
    if event == ABSENCE:
        rows = Attendance.objects.filter(lesson_id=lesson_id, pupil_id__in=pupil_ids)
        return {row.pupil_id: _attendance_text(row) for row in rows}
    text = "; ".join(Homework.objects.filter(lesson_id=lesson_id).order_by("pk").values_list("text", flat=True))
    return dict.fromkeys(pupil_ids, text)


def _mark_details(lesson_id: int, pupil_ids: list[int]) -> dict[int, str]:
    """Each pupil's marks at the lesson; a changed or removed one reads «5 → 4» with its reason (the last
    change of each kind, from ``MarkChange``). Two queries whatever the number of pupils."""
    last: dict[tuple[int, str], MarkChange] = {}
    for change in MarkChange.objects.filter(lesson_id=lesson_id, pupil_id__in=pupil_ids).order_by("changed_at", "pk"):
        last[(change.pupil_id, change.kind)] = change
    values: dict[int, list[str]] = {}
    marks = Mark.objects.filter(lesson_id=lesson_id, pupil_id__in=pupil_ids).order_by("pupil_id", "kind", "pk")
    shown: set[tuple[int, str]] = set()
    for pupil_id, kind, value in marks.values_list("pupil_id", "kind", "value"):
        shown.add((pupil_id, kind))
        values.setdefault(pupil_id, []).append(_changed(last.get((pupil_id, kind)), value))
    for (pupil_id, kind), change in last.items():
        if (pupil_id, kind) not in shown and change.old_value and not change.new_value:
            values.setdefault(pupil_id, []).append(_changed(change, "—"))
    return {pupil_id: ", ".join(found) for pupil_id, found in values.items()}


def _changed(change: MarkChange | None, value: str) -> str:
    """«4», or for a changed mark «5 → 4», and its reason after a colon («5 → 4 (пересдача)»)."""
    if change is None or not change.old_value or change.old_value == (change.new_value or "—"):
        return value
    text = f"{change.old_value} → {value}"
    return _("%(change)s (%(reason)s)") % {"change": text, "reason": change.reason} if change.reason else text


def _attendance_text(row: Any) -> str:
    """«пропуск по болезни», or for a late arrival «опоздание на 21 минуту» (the count's case and plural)."""
    if row.late_minutes:
        return ngettext("late by %(minutes)s minute", "late by %(minutes)s minutes", row.late_minutes) % {
            "minutes": row.late_minutes
        }
    return str(row.get_status_display())


def _present(pupil: Any) -> str:
    """«присутствовал» / «присутствовала»: the past tense agrees with the pupil."""
    if grammatical_gender(given_name=pupil.given_name, patronymic=pupil.patronymic) == Grammatical.FEMALE:
        return pgettext("female", "present")
    return pgettext("male", "present")


@task()
def notify_diary_event(*, event: str, lesson_id: int, pupil_ids: list[int]) -> int:
    """Notify the family readers of each of ``pupil_ids`` about ``event`` on the lesson; returns how many
    pupils' families were told."""
    lesson = Lesson.objects.select_related("subject").filter(pk=lesson_id).first()
    if lesson is None:
        return 0
    pupils = list(
        Pupil.objects.filter(pk__in=pupil_ids).only(
            "pk", "public_id", "school_id", "surname", "given_name", "patronymic"
        )
    )
    ids = [pupil.pk for pupil in pupils]
    readers = access.family_readers(ids, access.DIARY)
    details = _details(event, lesson.pk, ids)
    told = 0
    with in_site_language():
        day = lesson.date.strftime("%d.%m.%Y")
        for pupil in pupils:
            if not readers[pupil.pk]:
                continue
            what = details.get(pupil.pk) or (_present(pupil) if event == ABSENCE else "—")
            link = reverse("diary:week", kwargs={"student_id": pupil.public_id}) + f"?week={lesson.date.isoformat()}"
            notify(
                kind=event,
                user_ids=readers[pupil.pk],
                subject=_subject(event, pupil.full_name),
                body=_("%(subject)s, %(day)s: %(details)s")
                % {"subject": lesson.subject.name, "day": day, "details": what},
                link=link,
                school_id=pupil.school_id,
                pupil_id=pupil.pk,
                push_title=_push_title(event, lesson.subject.name),
            )
            told += 1
    if event == MARK:
        alerts.evaluate(ids)
    return told
