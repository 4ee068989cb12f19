"""Writing marks: a whole class's marks for one lesson in one request, term and year finals, and the
history of one pupil's marks at a lesson.

Concurrent edits are optimistic: every mark carries a ``version`` and the client sends back the version
it saw. A write that would change a mark someone else changed since (or create one that already exists,
or touch one that is gone) is refused as a whole with ``StaleMarks`` (409) and the current values, so
nothing is silently overwritten. The lesson row is locked for the length of the write, so two writes to
one lesson run one after the other and the version check cannot race.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from django.db import IntegrityError, router, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

import access
from audit.services import record_event, record_events
from core import bulk
from core.errors import Conflict, DomainError, NotFound
from diary import versions
from diary.errors import DiaryCode
from diary.grading import REASON_AFTER
from diary.models import FinalMark, Lesson, Mark, MarkChange
from diary.notifications import MARK, announce
from diary.selectors import logged
from registry.models import Pupil, Term

MAX_WEIGHT = 10
MAX_COMMENT = 500
MAX_REASON = 500
# A mark may be corrected without a word on the day it was set; later the family is told why.

VALID_VALUES: dict[str, set[str]] = {
    Mark.Scale.FIVE_POINT: {"1", "2", "3", "4", "5"},
    Mark.Scale.PASS_FAIL: {"pass", "fail"},
    Mark.Scale.TEN_POINT: {str(n) for n in range(1, 11)},
    Mark.Scale.HUNDRED_POINT: {str(n) for n in range(101)},
}

# A final is given on the 5-point scale or as pass / fail, whatever scale the term's marks used.
FINAL_VALUES: set[str] = VALID_VALUES[Mark.Scale.FIVE_POINT] | VALID_VALUES[Mark.Scale.PASS_FAIL]


@dataclass(frozen=True)
class MarkInput:
    """One pupil's mark of one kind at the lesson, as the teacher wants it to be.

    ``value`` None or "" removes the mark. ``version`` is the version the client saw; None means
    "I saw no mark".
    """

    pupil_id: int
    value: str | None
    weight: int = 1
    kind: str = Mark.Kind.CLASSWORK
    comment: str = ""
    version: int | None = None
    # Why a mark set more than ``REASON_AFTER`` ago is changed or removed; shown to the family.
    reason: str = ""


class StaleMarks(Conflict):
    """Someone changed these marks since the client read them; ``current`` (also the error's
    ``data``, so the API's 409 body has it) holds what is there now.

    One dict per conflicting entry: ``pupil_id``, ``kind``, ``value``, ``weight``, ``comment`` and
    ``version`` (``value``, ``weight`` and ``version`` are None where there is no mark any more).
    """

    def __init__(self, current: list[dict[str, Any]], *, field: str | None = None) -> None:
        super().__init__(
            DiaryCode.MARKS_STALE,
            _("Someone has changed these marks since you opened them. Check the current marks and save again."),
            field=field,
            data={"current": current},
        )
        self.current = current


class InvalidMarks(DomainError):
    """Entries that cannot be written. Carries the first error's code and field, and every error in ``errors``
    (in the data as ``errors``: ``code``, ``message``, ``field`` each) so a gradebook can point at every
    bad cell at once."""

    def __init__(self, errors: list[DomainError]) -> None:
        first = errors[0]
        every = [{"code": error.code, "message": error.message, "field": error.field} for error in errors]
        super().__init__(first.code, first.message, field=first.field, data={"errors": every})
        self.errors = errors


@dataclass(frozen=True)
class _Wanted:
    """A validated entry: the mark as it should be (``value`` None: no mark)."""

    index: int
    pupil_id: int
    kind: str
    value: str | None
    weight: int
    comment: str
    version: int | None
    reason: str = ""


def _normalise_value(value: str | None, scale: str) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    if scale == Mark.Scale.PASS_FAIL:
        text = text.lower()
    return text or None


def _validate(entries: Sequence[MarkInput], *, scale: str, class_pupil_ids: set[int]) -> list[_Wanted]:
    errors: list[DomainError] = []
    wanted: list[_Wanted] = []
    seen: set[tuple[int, str]] = set()
    for index, entry in enumerate(entries):
        at = f"marks[{index}]"
        entry_errors: list[DomainError] = []
        value = _normalise_value(entry.value, scale)
        comment = (entry.comment or "").strip()
        if entry.pupil_id not in class_pupil_ids:
            entry_errors.append(
                DomainError(
                    DiaryCode.PUPIL_NOT_IN_CLASS, _("This pupil is not in the lesson's class."), field=f"{at}.pupil_id"
                )
            )
        elif (entry.pupil_id, entry.kind) in seen:
            entry_errors.append(
                DomainError(
                    DiaryCode.MARK_DUPLICATE,
                    _("This pupil's mark of this kind is given twice."),
                    field=f"{at}.pupil_id",
                )
            )
        seen.add((entry.pupil_id, entry.kind))
        if value is not None and value not in VALID_VALUES[scale]:
            entry_errors.append(
                DomainError(DiaryCode.MARK_VALUE, _("This mark is not on the lesson's scale."), field=f"{at}.value")
            )
        weight = entry.weight
        if isinstance(weight, bool) or not isinstance(weight, int) or not 1 <= weight <= MAX_WEIGHT:
            entry_errors.append(
                DomainError(
                    DiaryCode.MARK_WEIGHT, _("The weight must be a whole number from 1 to 10."), field=f"{at}.weight"
                )
            )
        if entry.kind not in Mark.Kind.values:
            entry_errors.append(DomainError(DiaryCode.MARK_KIND, _("Unknown kind of mark."), field=f"{at}.kind"))
        reason = (entry.reason or "").strip()
        if len(reason) > MAX_REASON:
            entry_errors.append(
                DomainError(
                    DiaryCode.MARK_REASON_TOO_LONG, _("The reason is longer than 500 characters."), field=f"{at}.reason"
                )
            )
        if len(comment) > MAX_COMMENT:
            entry_errors.append(
                DomainError(
                    DiaryCode.MARK_COMMENT, _("The comment is longer than 500 characters."), field=f"{at}.comment"
                )
            )
        if entry_errors:
            errors.extend(entry_errors)
            continue
        wanted.append(
            _Wanted(
                index=index,
                pupil_id=entry.pupil_id,
                kind=entry.kind,
                value=value,
                weight=weight,
                comment=comment,
                version=entry.version,
                reason=reason,
            )
        )
    if errors:
        raise InvalidMarks(errors)
    return wanted


def _snapshot(pupil_id: int, kind: str, mark: Mark | None) -> dict[str, Any]:
    if mark is None:
        return {"pupil_id": pupil_id, "kind": kind, "value": None, "weight": None, "comment": "", "version": None}
    return {
        "pupil_id": pupil_id,
        "kind": kind,
        "value": mark.value,
        "weight": mark.weight,
        "comment": mark.comment,
        "version": mark.version,
    }


def _state(mark: Mark | None) -> dict[str, Any] | None:
    if mark is None:
        return None
    return {"value": mark.value, "weight": mark.weight, "comment": mark.comment}


def _differs(mark: Mark | None, want: _Wanted, scale: str) -> bool:
    """Whether writing ``want`` would change what is stored."""
    if mark is None:
        return want.value is not None
    if want.value is None:
        return True
    return (mark.value, mark.weight, mark.comment, mark.scale) != (want.value, want.weight, want.comment, scale)


_MARK_FIELDS = (
    "pupil",
    "lesson",
    "scale",
    "value",
    "weight",
    "kind",
    "comment",
    "version",
    "created_by",
    "created_at",
    "updated_at",
)
_HISTORY_FIELDS = (
    "pupil",
    "lesson",
    "kind",
    "old_value",
    "new_value",
    "old_weight",
    "new_weight",
    "changed_by",
    "changed_at",
    "reason",
)


def _insert_marks(marks: list[Mark]) -> None:
    """The new marks in one statement (``core.bulk``: ``bulk_create`` spent more CPU preparing 30 instances than
    the database spent writing them); each instance gets its key, as ``bulk_create`` gives it."""
    rows = [
        (
            m.pupil_id,
            m.lesson_id,
            m.scale,
            m.value,
            m.weight,
            m.kind,
            m.comment,
            m.version,
            m.created_by_id,
            m.created_at,
            m.updated_at,
        )
        for m in marks
    ]
    using = router.db_for_write(Mark)
    for mark, key in zip(marks, bulk.insert(Mark, _MARK_FIELDS, rows, using=using), strict=True):
        mark.pk = key
        mark._state.adding, mark._state.db = False, using


@transaction.atomic
def set_lesson_marks(
    *, teacher: Any, lesson_id: int, marks: Sequence[MarkInput], scale: str = Mark.Scale.FIVE_POINT
) -> list[Mark]:
    """Write the marks of a lesson as the teacher entered them, all or nothing.

    Every entry is validated first (``InvalidMarks``, a ``DomainError`` naming ``marks[i].<field>``);
    then the versions are compared under lock (``StaleMarks``, 409). Entries that change nothing write
    nothing; each real change bumps the mark's version and leaves one history row and one audit event.
    Returns all marks of the lesson after the write, by pupil and kind.
    """
    try:
        lesson = Lesson.objects.select_for_update().get(pk=lesson_id)
    except (Lesson.DoesNotExist, ValueError, TypeError):
        lesson = None
    lesson = access.require(teacher, "lesson.write", lesson)
    if lesson.status == Lesson.Status.CANCELLED:
        raise DomainError(DiaryCode.LESSON_CANCELLED, _("The lesson is cancelled; its marks cannot be changed."))
    if scale not in VALID_VALUES:
        raise DomainError(DiaryCode.MARK_SCALE, _("Unknown scale of marks."), field="scale")

    asked = {entry.pupil_id for entry in marks if isinstance(entry.pupil_id, int)}
    class_pupil_ids = (
        set(Pupil.objects.filter(pk__in=asked, school_class_id=lesson.school_class_id).values_list("pk", flat=True))
        if asked
        else set()
    )
    wanted = _validate(marks, scale=scale, class_pupil_ids=class_pupil_ids)

    existing = {(mark.pupil_id, mark.kind): mark for mark in Mark.objects.select_for_update().filter(lesson=lesson)}

    stale: list[_Wanted] = []
    changes: list[_Wanted] = []
    for want in wanted:
        mark = existing.get((want.pupil_id, want.kind))
        if not _differs(mark, want, scale):
            # Already as wanted (an unchanged cell, or a retry of a write that went through): no conflict.
            continue
        seen_version = mark.version if mark is not None else None
        if want.version != seen_version:
            stale.append(want)
        else:
            changes.append(want)
    if stale:
        raise StaleMarks(
            [_snapshot(w.pupil_id, w.kind, existing.get((w.pupil_id, w.kind))) for w in stale],
            field=f"marks[{stale[0].index}].version",
        )

    now = timezone.now()
    unexplained = [
        DomainError(
            DiaryCode.MARK_REASON_REQUIRED,
            _("This mark was set more than 24 hours ago: say why it is changed or removed."),
            field=f"marks[{want.index}].reason",
        )
        for want in changes
        if not want.reason
        and (mark := existing.get((want.pupil_id, want.kind))) is not None
        and now - mark.created_at > REASON_AFTER
    ]
    if unexplained:
        raise InvalidMarks(unexplained)
    to_create: list[Mark] = []
    to_update: list[Mark] = []
    to_delete: list[Mark] = []
    history: list[tuple[Any, ...]] = []
    events: list[tuple[str, Mark | Lesson, _Wanted, dict[str, Any] | None, dict[str, Any] | None]] = []
    for want in changes:
        key = (want.pupil_id, want.kind)
        mark = existing.get(key)
        old = _state(mark)
        if mark is None:  # a new mark (_differs lets no removal of a missing mark through)
            mark = Mark(
                pupil_id=want.pupil_id,
                lesson=lesson,
                scale=scale,
                value=cast(str, want.value),
                weight=want.weight,
                kind=want.kind,
                comment=want.comment,
                version=1,
                created_by=teacher,
                created_at=now,
                updated_at=now,
            )
            to_create.append(mark)
            existing[key] = mark
            events.append(("diary.mark_set", mark, want, None, _state(mark)))
        elif want.value is None:
            to_delete.append(mark)
            del existing[key]
            events.append(("diary.mark_removed", lesson, want, old, None))
        else:
            mark.scale, mark.value, mark.weight, mark.comment = scale, want.value, want.weight, want.comment
            mark.version += 1
            mark.updated_at = now
            to_update.append(mark)
            events.append(("diary.mark_set", mark, want, old, _state(mark)))
        history.append(
            (
                want.pupil_id,
                lesson.pk,
                want.kind,
                old["value"] if old else "",
                want.value or "",
                old["weight"] if old else None,
                want.weight if want.value is not None else None,
                teacher.pk,
                now,
                want.reason,
            )
        )

    if to_delete:
        Mark.objects.filter(pk__in=[mark.pk for mark in to_delete]).delete()
    if to_update:
        Mark.objects.bulk_update(to_update, ["scale", "value", "weight", "comment", "version", "updated_at"])
    if to_create:
        _insert_marks(to_create)
    bulk.insert(MarkChange, _HISTORY_FIELDS, history)
    if to_delete or to_update or to_create:  # the cached reads of these pupils and of the class (its average)
        versions.changed(
            pupils={mark.pupil_id for mark in (*to_delete, *to_update, *to_create)}, classes=[lesson.school_class_id]
        )
    record_events(
        actor=teacher,
        events=[
            (
                action,
                target,
                {
                    "pupil": want.pupil_id,
                    "lesson": lesson.pk,
                    "kind": want.kind,
                    "old": old,
                    "new": new,
                    "reason": want.reason,
                },
            )
            for action, target, want, old, new in events
        ],
    )
    announce(event=MARK, lesson_id=lesson.pk, pupil_ids=[want.pupil_id for want in changes])
    return sorted(existing.values(), key=lambda mark: (mark.pupil_id, mark.kind))


@transaction.atomic
def set_final_mark(*, teacher: Any, pupil_id: int, subject_id: int, term_id: int | None, value: str) -> FinalMark:
    """Set a pupil's term final (``term_id``) or year final (None) in a subject the teacher teaches their class."""
    pupil = Pupil.objects.filter(pk=pupil_id).order_by().first()
    if pupil is None or not access.can(teacher, "final.write", (pupil, subject_id)):
        raise NotFound()
    if term_id is not None and not Term.objects.filter(pk=term_id, year__school_id=pupil.school_id).exists():
        raise NotFound()
    normalised = _normalise_value(value, Mark.Scale.PASS_FAIL)
    if normalised is None or normalised not in FINAL_VALUES:
        raise DomainError(DiaryCode.FINAL_VALUE, _("A final is 1–5, pass or fail."), field="value")

    which = {"term_id": term_id} if term_id is not None else {"term__isnull": True}

    def locked() -> FinalMark | None:
        return FinalMark.objects.select_for_update().filter(pupil=pupil, subject_id=subject_id, **which).first()

    final = locked()
    old = final.value if final is not None else None
    if final is not None and final.value == normalised:
        return final
    now = timezone.now()
    if final is None:
        try:
            with transaction.atomic():
                final = FinalMark.objects.create(
                    pupil=pupil, subject_id=subject_id, term_id=term_id, value=normalised, set_by=teacher, set_at=now
                )
        except IntegrityError:  # set at the same moment by another request: update that one instead
            final = locked()
            if final is None:
                raise
            old = final.value
    if old is not None:
        final.value, final.set_by, final.set_at = normalised, teacher, now
        final.save(update_fields=["value", "set_by", "set_at"])
    record_event(
        actor=teacher,
        action="diary.final_set",
        target=final,
        pupil=pupil.pk,
        subject=subject_id,
        term=term_id,
        old=old,
        new=normalised,
    )
    return final


def mark_history(*, viewer: Any, pupil_id: int, lesson_id: int) -> list[MarkChange]:
    """Every change of the pupil's marks at the lesson, oldest first.

    Readable by the lesson's teacher and by anyone who may read the pupil's diary in the lesson's subject;
    NotFound otherwise, and also when the lesson is not one of the pupil's.
    """
    lesson = Lesson.objects.filter(pk=lesson_id).order_by().first()
    pupil = Pupil.objects.filter(pk=pupil_id).order_by().first()
    if lesson is None or pupil is None:
        raise NotFound()
    changes = list(
        MarkChange.objects.filter(pupil=pupil, lesson=lesson).select_related("changed_by").order_by("changed_at", "pk")
    )
    if pupil.school_class_id != lesson.school_class_id and not changes:
        raise NotFound()
    if not access.can(viewer, "lesson.write", lesson) and not logged(access.get_diary(viewer, pupil.public_id)).reads(
        lesson.subject_id
    ):
        raise NotFound()
    return changes
