"""Marks of a lesson written for the whole class at once, with versions, history and audit; finals; history."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from audit.models import AuditEvent
from core.errors import DomainError, NotFound
from diary.marks import (
    VALID_VALUES,
    InvalidMarks,
    MarkInput,
    StaleMarks,
    mark_history,
    set_final_mark,
    set_lesson_marks,
)
from diary.models import FinalMark, Lesson, Mark, MarkChange
from tests.diary.conftest import DiarySchool

MONDAY = date(2026, 11, 9)


def make_lesson(ds: DiarySchool, *, status: str = Lesson.Status.SCHEDULED, when: date = MONDAY) -> Lesson:
    """Algebra in 7А, Monday 1st lesson, taught by the maths teacher (as the timetable says)."""
    return Lesson.objects.create(
        school_class=ds.class_7a,
        term=ds.term,
        date=when,
        slot=ds.slots[0],
        subject=ds.algebra,
        teacher=ds.math_teacher,
        status=status,
    )


@pytest.fixture
def lesson(diary_school: DiarySchool) -> Lesson:
    return make_lesson(diary_school)


def versions(lesson: Lesson) -> dict[int, int]:
    """What a client reading the gradebook sees: each pupil's classwork mark version."""
    return {mark.pupil_id: mark.version for mark in Mark.objects.filter(lesson=lesson, kind=Mark.Kind.CLASSWORK)}


def values(lesson: Lesson) -> dict[int, str]:
    return {mark.pupil_id: mark.value for mark in Mark.objects.filter(lesson=lesson)}


def whole_class(ds: DiarySchool, lesson: Lesson, *marks: str | None) -> list[Mark]:
    seen = versions(lesson)
    return set_lesson_marks(
        teacher=ds.math_teacher,
        lesson_id=lesson.pk,
        marks=[
            MarkInput(pupil_id=pupil.pk, value=value, version=seen.get(pupil.pk))
            for pupil, value in zip(ds.pupils, marks, strict=True)
        ],
    )


def test_a_whole_class_in_one_call(diary_school: DiarySchool, lesson: Lesson) -> None:
    anna, boris, vera = diary_school.pupils
    written = set_lesson_marks(
        teacher=diary_school.math_teacher,
        lesson_id=lesson.pk,
        marks=[
            MarkInput(pupil_id=anna.pk, value="5", weight=2, kind=Mark.Kind.TEST, comment="Отлично"),
            MarkInput(pupil_id=boris.pk, value="4"),
            MarkInput(pupil_id=vera.pk, value=" 3 "),
        ],
    )

    assert [(m.pupil_id, m.value, m.weight, m.kind, m.version) for m in written] == sorted(
        [
            (anna.pk, "5", 2, "test", 1),
            (boris.pk, "4", 1, "classwork", 1),
            (vera.pk, "3", 1, "classwork", 1),
        ]
    )
    assert all(m.pk for m in written)
    assert values(lesson) == {anna.pk: "5", boris.pk: "4", vera.pk: "3"}
    assert Mark.objects.get(pupil=anna, lesson=lesson).comment == "Отлично"
    assert sorted(MarkChange.objects.values_list("pupil_id", "old_value", "new_value", "new_weight")) == sorted(
        [
            (anna.pk, "", "5", 2),
            (boris.pk, "", "4", 1),
            (vera.pk, "", "3", 1),
        ]
    )
    events = AuditEvent.objects.filter(action="diary.mark_set")
    assert events.count() == 3
    event = events.get(data__pupil=anna.pk)
    assert event.actor == diary_school.math_teacher
    assert event.data["old"] is None
    assert event.data["new"] == {"value": "5", "weight": 2, "comment": "Отлично"}
    # Written from plain values (core.bulk): the keys, the times and the JSON as the ORM reads them back.
    anna_mark = next(m for m in written if m.pupil_id == anna.pk)
    assert event.target == f"diary.mark:{anna_mark.pk}"
    assert Mark.objects.get(pk=anna_mark.pk).created_at == anna_mark.created_at
    change = MarkChange.objects.get(pupil=anna)
    assert change.changed_at == anna_mark.created_at
    assert change.changed_by == diary_school.math_teacher
    assert abs(event.at - timezone.now()) < timedelta(minutes=1)


def test_changing_one_mark_bumps_its_version_and_keeps_the_history(diary_school: DiarySchool, lesson: Lesson) -> None:
    anna, boris, vera = diary_school.pupils
    whole_class(diary_school, lesson, "5", "4", "3")

    whole_class(diary_school, lesson, "5", "2", "3")

    assert versions(lesson) == {anna.pk: 1, boris.pk: 2, vera.pk: 1}
    assert values(lesson)[boris.pk] == "2"
    history = mark_history(viewer=diary_school.math_teacher, pupil_id=boris.pk, lesson_id=lesson.pk)
    assert [(c.old_value, c.new_value, c.old_weight, c.new_weight, c.changed_by) for c in history] == [
        ("", "4", None, 1, diary_school.math_teacher),
        ("4", "2", 1, 1, diary_school.math_teacher),
    ]
    assert AuditEvent.objects.filter(action="diary.mark_set", data__pupil=boris.pk).count() == 2


def test_a_weight_or_comment_change_is_a_change(diary_school: DiarySchool, lesson: Lesson) -> None:
    anna = diary_school.pupils[0]
    set_lesson_marks(
        teacher=diary_school.math_teacher, lesson_id=lesson.pk, marks=[MarkInput(pupil_id=anna.pk, value="5")]
    )
    set_lesson_marks(
        teacher=diary_school.math_teacher,
        lesson_id=lesson.pk,
        marks=[MarkInput(pupil_id=anna.pk, value="5", weight=3, version=1)],
    )
    [mark] = set_lesson_marks(
        teacher=diary_school.math_teacher,
        lesson_id=lesson.pk,
        marks=[MarkInput(pupil_id=anna.pk, value="5", weight=3, comment="у доски", version=2)],
    )

    assert (mark.weight, mark.comment, mark.version) == (3, "у доски", 3)
    assert list(MarkChange.objects.values_list("old_weight", "new_weight")) == [(None, 1), (1, 3), (3, 3)]


def test_an_unchanged_resend_writes_nothing(
    diary_school: DiarySchool, lesson: Lesson, django_assert_max_num_queries: Any
) -> None:
    whole_class(diary_school, lesson, "5", "4", None)
    before = (MarkChange.objects.count(), AuditEvent.objects.count(), versions(lesson))

    # The lesson and its marks (locked), the class's pupils, the savepoint pair; nothing written.
    with django_assert_max_num_queries(5):
        written = set_lesson_marks(
            teacher=diary_school.math_teacher,
            lesson_id=lesson.pk,
            marks=[
                MarkInput(pupil_id=p.pk, value=v, version=before[2].get(p.pk))
                for p, v in zip(diary_school.pupils, ["5", "4", ""], strict=True)
            ],
        )

    assert (MarkChange.objects.count(), AuditEvent.objects.count(), versions(lesson)) == before
    assert [m.version for m in written] == [1, 1]


def test_a_stale_write_gets_409_with_the_current_marks_and_writes_nothing(
    diary_school: DiarySchool, lesson: Lesson
) -> None:
    anna, boris, vera = diary_school.pupils
    whole_class(diary_school, lesson, "5", "4", None)
    seen_by_a = versions(lesson)
    seen_by_b = versions(lesson)

    set_lesson_marks(
        teacher=diary_school.math_teacher,
        lesson_id=lesson.pk,
        marks=[
            MarkInput(pupil_id=anna.pk, value="4", version=seen_by_a[anna.pk]),
            MarkInput(pupil_id=vera.pk, value="3", version=seen_by_a.get(vera.pk)),
        ],
    )
    history_before = MarkChange.objects.count()

    with pytest.raises(StaleMarks) as stale:
        set_lesson_marks(
            teacher=diary_school.math_teacher,
            lesson_id=lesson.pk,
            marks=[
                MarkInput(pupil_id=anna.pk, value="3", version=seen_by_b[anna.pk]),
                MarkInput(pupil_id=boris.pk, value="2", version=seen_by_b[boris.pk]),
                MarkInput(pupil_id=vera.pk, value="5", version=seen_by_b.get(vera.pk)),
            ],
        )

    error = stale.value
    assert (error.status, error.code, error.field) == (409, "marks_stale", "marks[0].version")
    assert error.current == [
        {"pupil_id": anna.pk, "kind": "classwork", "value": "4", "weight": 1, "comment": "", "version": 2},
        {"pupil_id": vera.pk, "kind": "classwork", "value": "3", "weight": 1, "comment": "", "version": 1},
    ]
    # Boris's mark was not stale, but the write is all or nothing.
    assert values(lesson) == {anna.pk: "4", boris.pk: "4", vera.pk: "3"}
    assert MarkChange.objects.count() == history_before


def test_a_write_to_a_mark_removed_meanwhile_is_stale(diary_school: DiarySchool, lesson: Lesson) -> None:
    anna = diary_school.pupils[0]
    whole_class(diary_school, lesson, "5", None, None)
    set_lesson_marks(
        teacher=diary_school.math_teacher,
        lesson_id=lesson.pk,
        marks=[MarkInput(pupil_id=anna.pk, value=None, version=1)],
    )

    with pytest.raises(StaleMarks) as stale:
        set_lesson_marks(
            teacher=diary_school.math_teacher,
            lesson_id=lesson.pk,
            marks=[MarkInput(pupil_id=anna.pk, value="4", version=1)],
        )

    assert stale.value.current == [
        {"pupil_id": anna.pk, "kind": "classwork", "value": None, "weight": None, "comment": "", "version": None},
    ]
    assert not Mark.objects.exists()


def test_a_retry_of_a_write_that_went_through_is_not_a_conflict(diary_school: DiarySchool, lesson: Lesson) -> None:
    anna = diary_school.pupils[0]
    request = [MarkInput(pupil_id=anna.pk, value="5")]
    set_lesson_marks(teacher=diary_school.math_teacher, lesson_id=lesson.pk, marks=request)

    [mark] = set_lesson_marks(teacher=diary_school.math_teacher, lesson_id=lesson.pk, marks=request)

    assert mark.version == 1
    assert MarkChange.objects.count() == 1


def test_removing_a_mark(diary_school: DiarySchool, lesson: Lesson) -> None:
    anna, boris, _vera = diary_school.pupils
    whole_class(diary_school, lesson, "5", "4", None)

    written = set_lesson_marks(
        teacher=diary_school.math_teacher,
        lesson_id=lesson.pk,
        marks=[
            MarkInput(pupil_id=anna.pk, value="", version=1),
            MarkInput(pupil_id=diary_school.pupils[2].pk, value=None),  # had none: nothing to do
        ],
    )

    assert [m.pupil_id for m in written] == [boris.pk]
    assert values(lesson) == {boris.pk: "4"}
    last = mark_history(viewer=diary_school.parent, pupil_id=anna.pk, lesson_id=lesson.pk)[-1]
    assert (last.old_value, last.new_value, last.old_weight, last.new_weight) == ("5", "", 1, None)
    event = AuditEvent.objects.get(action="diary.mark_removed")
    assert event.target == f"diary.lesson:{lesson.pk}"
    assert (event.data["pupil"], event.data["old"]["value"], event.data["new"]) == (anna.pk, "5", None)


def test_another_teacher_gets_not_found(diary_school: DiarySchool, lesson: Lesson) -> None:
    anna = diary_school.pupils[0]
    for intruder in (diary_school.russian_teacher, diary_school.form_tutor, diary_school.parent):
        with pytest.raises(NotFound):
            set_lesson_marks(teacher=intruder, lesson_id=lesson.pk, marks=[MarkInput(pupil_id=anna.pk, value="5")])
    with pytest.raises(NotFound):
        set_lesson_marks(
            teacher=diary_school.math_teacher,
            lesson_id=lesson.pk + 1000,
            marks=[MarkInput(pupil_id=anna.pk, value="5")],
        )
    assert not Mark.objects.exists()


def test_a_cancelled_lesson_refuses_marks(diary_school: DiarySchool) -> None:
    lesson = make_lesson(diary_school, status=Lesson.Status.CANCELLED)
    with pytest.raises(DomainError) as refused:
        set_lesson_marks(
            teacher=diary_school.math_teacher,
            lesson_id=lesson.pk,
            marks=[MarkInput(pupil_id=diary_school.pupils[0].pk, value="5")],
        )
    assert refused.value.code == "lesson_cancelled"
    assert not Mark.objects.exists()


def test_a_pupil_of_another_class_is_refused_by_index(diary_school: DiarySchool, lesson: Lesson) -> None:
    with pytest.raises(DomainError) as refused:
        set_lesson_marks(
            teacher=diary_school.math_teacher,
            lesson_id=lesson.pk,
            marks=[
                MarkInput(pupil_id=diary_school.pupils[0].pk, value="5"),
                MarkInput(pupil_id=diary_school.stranger_pupil.pk, value="5"),
            ],
        )
    assert (refused.value.status, refused.value.code, refused.value.field) == (
        400,
        "pupil_not_in_class",
        "marks[1].pupil_id",
    )
    assert not Mark.objects.exists()


@pytest.mark.parametrize(
    ("scale", "entry", "code", "field"),
    [
        (Mark.Scale.FIVE_POINT, {"value": "6"}, "mark_value", "value"),
        (Mark.Scale.FIVE_POINT, {"value": "pass"}, "mark_value", "value"),
        (Mark.Scale.PASS_FAIL, {"value": "maybe"}, "mark_value", "value"),
        (Mark.Scale.TEN_POINT, {"value": "11"}, "mark_value", "value"),
        (Mark.Scale.HUNDRED_POINT, {"value": "101"}, "mark_value", "value"),
        (Mark.Scale.FIVE_POINT, {"value": "5", "weight": 0}, "mark_weight", "weight"),
        (Mark.Scale.FIVE_POINT, {"value": "5", "weight": 11}, "mark_weight", "weight"),
        (Mark.Scale.FIVE_POINT, {"value": "5", "kind": "oral"}, "mark_kind", "kind"),
        (Mark.Scale.FIVE_POINT, {"value": "5", "comment": "я" * 501}, "mark_comment", "comment"),
    ],
)
def test_bad_entries_are_refused_with_their_field(
    diary_school: DiarySchool, lesson: Lesson, scale: str, entry: dict[str, Any], code: str, field: str
) -> None:
    anna, boris, _vera = diary_school.pupils
    with pytest.raises(DomainError) as refused:
        set_lesson_marks(
            teacher=diary_school.math_teacher,
            lesson_id=lesson.pk,
            scale=scale,
            marks=[
                MarkInput(pupil_id=anna.pk, value=sorted(VALID_VALUES[scale])[0]),
                MarkInput(pupil_id=boris.pk, **entry),
            ],
        )
    assert (refused.value.code, refused.value.field) == (code, f"marks[1].{field}")
    assert not Mark.objects.exists()


def test_every_bad_entry_is_reported(diary_school: DiarySchool, lesson: Lesson) -> None:
    anna, boris, _vera = diary_school.pupils
    with pytest.raises(InvalidMarks) as refused:
        set_lesson_marks(
            teacher=diary_school.math_teacher,
            lesson_id=lesson.pk,
            marks=[
                MarkInput(pupil_id=anna.pk, value="6"),
                MarkInput(pupil_id=boris.pk, value="5", weight=0),
                MarkInput(pupil_id=boris.pk, value="4", weight=2),
            ],
        )
    assert [(e.code, e.field) for e in refused.value.errors] == [
        ("mark_value", "marks[0].value"),
        ("mark_weight", "marks[1].weight"),
        ("mark_duplicate", "marks[2].pupil_id"),
    ]
    assert refused.value.field == "marks[0].value"


@pytest.mark.parametrize(
    ("scale", "value", "stored"),
    [
        (Mark.Scale.PASS_FAIL, "Pass", "pass"),
        (Mark.Scale.TEN_POINT, "10", "10"),
        (Mark.Scale.HUNDRED_POINT, "0", "0"),
        (Mark.Scale.HUNDRED_POINT, "100", "100"),
    ],
)
def test_other_scales(diary_school: DiarySchool, lesson: Lesson, scale: str, value: str, stored: str) -> None:
    [mark] = set_lesson_marks(
        teacher=diary_school.math_teacher,
        lesson_id=lesson.pk,
        scale=scale,
        marks=[MarkInput(pupil_id=diary_school.pupils[0].pk, value=value)],
    )
    assert (mark.scale, mark.value) == (scale, stored)


def test_families_are_told_after_commit_and_only_of_changes(
    diary_school: DiarySchool, lesson: Lesson, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    from django.core import mail

    with django_capture_on_commit_callbacks(execute=True):
        whole_class(diary_school, lesson, "5", None, "4")
        assert mail.outbox == []  # not before the commit
    told = sorted(email for message in mail.outbox for email in message.to)
    assert told == sorted([diary_school.parent.email, diary_school.pupil_account.email])
    assert "5" in next(m.body for m in mail.outbox if diary_school.parent.email in m.to)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        whole_class(diary_school, lesson, "5", None, "4")  # unchanged: nobody to tell
    assert callbacks == []


def test_thirty_marks_in_a_bounded_number_of_queries(
    diary_school: DiarySchool, lesson: Lesson, django_assert_num_queries: Any
) -> None:
    from tests.diary.conftest import make_pupil

    pupils = [*diary_school.pupils, *(make_pupil(diary_school.class_7a, "Ученик", f"Номер{n}") for n in range(27))]
    marks = [MarkInput(pupil_id=p.pk, value=str(2 + n % 4)) for n, p in enumerate(pupils)]
    # lesson, pupils, marks; insert marks, history; the 30 audit rows in one insert (audit.record_events);
    # the versions of the pupils and of the class (two updates: the cached reads, diary.versions);
    # plus the savepoint pair of the atomic block inside the test's transaction.
    with django_assert_num_queries(5 + 1 + 2 + 2):
        set_lesson_marks(teacher=diary_school.math_teacher, lesson_id=lesson.pk, marks=marks)
    assert Mark.objects.filter(lesson=lesson).count() == 30


# Finals


def test_term_and_year_finals(diary_school: DiarySchool) -> None:
    anna = diary_school.pupils[0]
    teacher = diary_school.math_teacher
    final = set_final_mark(
        teacher=teacher, pupil_id=anna.pk, subject_id=diary_school.algebra.pk, term_id=diary_school.term.pk, value="4"
    )
    assert (final.value, final.term, final.set_by) == ("4", diary_school.term, teacher)

    again = set_final_mark(
        teacher=teacher, pupil_id=anna.pk, subject_id=diary_school.algebra.pk, term_id=diary_school.term.pk, value="5"
    )
    assert again.pk == final.pk
    year = set_final_mark(
        teacher=teacher, pupil_id=anna.pk, subject_id=diary_school.algebra.pk, term_id=None, value="5"
    )
    set_final_mark(teacher=teacher, pupil_id=anna.pk, subject_id=diary_school.algebra.pk, term_id=None, value="Pass")

    assert sorted(FinalMark.objects.values_list("term_id", "value"), key=str) == sorted(
        [(diary_school.term.pk, "5"), (None, "pass")], key=str
    )
    assert year.pk != final.pk
    events = AuditEvent.objects.filter(action="diary.final_set").order_by("pk")
    assert [(e.data["old"], e.data["new"]) for e in events] == [(None, "4"), ("4", "5"), (None, "5"), ("5", "pass")]


def test_an_unchanged_final_writes_nothing(diary_school: DiarySchool) -> None:
    args: dict[str, Any] = {
        "teacher": diary_school.math_teacher,
        "pupil_id": diary_school.pupils[0].pk,
        "subject_id": diary_school.algebra.pk,
        "term_id": None,
        "value": "3",
    }
    set_final_mark(**args)
    set_final_mark(**args)
    assert AuditEvent.objects.filter(action="diary.final_set").count() == 1


def test_only_a_teacher_of_the_subject_in_the_class_sets_finals(diary_school: DiarySchool) -> None:
    anna = diary_school.pupils[0]
    for teacher, pupil in [
        (diary_school.russian_teacher, anna),
        (diary_school.form_tutor, anna),
        (diary_school.parent, anna),
        (diary_school.math_teacher, diary_school.stranger_pupil),
    ]:
        with pytest.raises(NotFound):
            set_final_mark(
                teacher=teacher,
                pupil_id=pupil.pk,
                subject_id=diary_school.algebra.pk,
                term_id=diary_school.term.pk,
                value="5",
            )
    assert not FinalMark.objects.exists()


@pytest.mark.parametrize("value", ["6", "0", "", "maybe", "4+"])
def test_a_final_outside_the_scale_is_refused(diary_school: DiarySchool, value: str) -> None:
    with pytest.raises(DomainError) as refused:
        set_final_mark(
            teacher=diary_school.math_teacher,
            pupil_id=diary_school.pupils[0].pk,
            subject_id=diary_school.algebra.pk,
            term_id=diary_school.term.pk,
            value=value,
        )
    assert (refused.value.code, refused.value.field) == ("final_value", "value")
    assert not FinalMark.objects.exists()


# History


def test_history_is_read_by_the_family_and_the_teachers_only(diary_school: DiarySchool, lesson: Lesson) -> None:
    anna, boris, vera = diary_school.pupils
    whole_class(diary_school, lesson, "5", "4", "3")
    whole_class(diary_school, lesson, "4", "4", "3")

    for reader in (diary_school.parent, diary_school.math_teacher, diary_school.form_tutor):
        assert [c.new_value for c in mark_history(viewer=reader, pupil_id=anna.pk, lesson_id=lesson.pk)] == ["5", "4"]
    assert [
        c.new_value for c in mark_history(viewer=diary_school.pupil_account, pupil_id=vera.pk, lesson_id=lesson.pk)
    ] == ["3"]
    for stranger, pupil in [
        (diary_school.other_parent, anna),
        (diary_school.parent, boris),
        (diary_school.pupil_account, anna),
    ]:
        with pytest.raises(NotFound):
            mark_history(viewer=stranger, pupil_id=pupil.pk, lesson_id=lesson.pk)


def test_history_of_a_lesson_that_is_not_the_pupils_is_not_found(diary_school: DiarySchool, lesson: Lesson) -> None:
    with pytest.raises(NotFound):
        mark_history(viewer=diary_school.parent, pupil_id=diary_school.stranger_pupil.pk, lesson_id=lesson.pk)
    with pytest.raises(NotFound):
        mark_history(viewer=diary_school.math_teacher, pupil_id=diary_school.stranger_pupil.pk, lesson_id=lesson.pk)
    with pytest.raises(NotFound):
        mark_history(viewer=diary_school.parent, pupil_id=diary_school.pupils[0].pk, lesson_id=lesson.pk + 1000)


# Real concurrency


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_writes_with_the_same_versions_one_wins(diary_school: DiarySchool, lesson: Lesson) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs a server database: SQLite lets one writer in at a time anyway")
    anna = diary_school.pupils[0]
    whole_class(diary_school, lesson, "5", "4", "3")
    seen = versions(lesson)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def write(value: str) -> None:
        try:
            start.wait()
            set_lesson_marks(
                teacher=diary_school.math_teacher,
                lesson_id=lesson.pk,
                marks=[MarkInput(pupil_id=anna.pk, value=value, version=seen[anna.pk])],
            )
            outcomes.append("written")
        except StaleMarks:
            outcomes.append("stale")
        except Exception as error:  # reported by the assertion below
            outcomes.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(value,)) for value in ("2", "3")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["stale", "written"]
    assert versions(lesson)[anna.pk] == 2
    assert MarkChange.objects.filter(pupil=anna, lesson=lesson).count() == 2
