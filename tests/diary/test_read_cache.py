"""The family's cached reads: every write that changes the week or the marks is seen on the next read, every
access change is decided before the cache is asked, and ``ETag`` / ``304`` answer after the access check."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from diary.attendance import AttendanceInput, set_lesson_attendance
from diary.homework import delete_homework, set_homework, tick_homework
from diary.lessons import cancel_lesson, generate_lessons, move_lesson, replace_lesson, set_lesson_topic
from diary.marks import MarkInput, set_final_mark, set_lesson_marks
from diary.models import Lesson, LessonSlot, Mark
from registry.linking import end_link
from registry.models import Guardian
from tests.diary.conftest import TERM_START, DiarySchool, client_for, make_account
from tests.grants import make_grant
from trust.models import Grant
from trust.services import revoke_grant

WEEK = (TERM_START, TERM_START + timedelta(days=6))


@pytest.fixture
def school(diary_school: DiarySchool) -> DiarySchool:
    generate_lessons(term=diary_school.term)
    return diary_school


def first_lesson(ds: DiarySchool) -> Lesson:
    return Lesson.objects.filter(school_class=ds.class_7a, date=TERM_START).order_by("slot__number").first()  # type: ignore[return-value]


def week_url(ds: DiarySchool) -> str:
    return f"/api/v1/students/{ds.pupils[0].public_id}/diary?from={WEEK[0]}&to={WEEK[1]}"


def marks_url(ds: DiarySchool) -> str:
    return f"/api/v1/students/{ds.pupils[0].public_id}/marks?term={ds.term.pk}"


def monday_lessons(client: Client, ds: DiarySchool) -> list[dict[str, Any]]:
    response = client.get(week_url(ds))
    assert response.status_code == 200
    lessons: list[dict[str, Any]] = response.json()["days"][0]["lessons"]
    return lessons


def cached_then(ds: DiarySchool, write: Callable[[], Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The guardian's Monday before and after ``write``, the first read cached (its repeat makes one query)."""
    client = client_for(ds.parent)
    before = monday_lessons(client, ds)
    with CaptureQueriesContext(connection) as repeat:
        assert monday_lessons(client, ds) == before
    assert not [q for q in repeat.captured_queries if "diary_lesson" in q["sql"]], "the repeat came from the cache"
    write()
    return before, monday_lessons(client, ds)


def test_a_mark_set_changed_and_deleted_is_seen_on_the_next_read(school: DiarySchool) -> None:
    ds, lesson = school, first_lesson(school)
    anna = ds.pupils[0].pk

    def set_mark(value: str | None, version: int | None) -> None:
        set_lesson_marks(
            teacher=ds.math_teacher, lesson_id=lesson.pk, marks=[MarkInput(pupil_id=anna, value=value, version=version)]
        )

    before, after = cached_then(ds, lambda: set_mark("5", None))
    assert before[0]["marks"] == []
    assert [m["value"] for m in after[0]["marks"]] == ["5"]
    version = Mark.objects.get(pupil_id=anna, lesson=lesson).version
    _before, after = cached_then(ds, lambda: set_mark("3", version))
    assert [m["value"] for m in after[0]["marks"]] == ["3"]
    version = Mark.objects.get(pupil_id=anna, lesson=lesson).version
    _before, after = cached_then(ds, lambda: set_mark(None, version))
    assert after[0]["marks"] == []


def test_homework_set_ticked_and_deleted_is_seen_on_the_next_read(school: DiarySchool) -> None:
    ds, lesson = school, first_lesson(school)
    _before, after = cached_then(ds, lambda: set_homework(teacher=ds.math_teacher, lesson_id=lesson.pk, text="№ 1"))
    assert [h["text"] for h in after[0]["homework"]] == ["№ 1"]
    _before, after = cached_then(ds, lambda: set_homework(teacher=ds.math_teacher, lesson_id=lesson.pk, text="№ 2"))
    assert [h["text"] for h in after[0]["homework"]] == ["№ 2"]
    _before, after = cached_then(ds, lambda: delete_homework(teacher=ds.math_teacher, lesson_id=lesson.pk))
    assert after[0]["homework"] == []


def test_a_pupils_tick_is_seen_on_their_next_read(school: DiarySchool) -> None:
    ds, lesson = school, first_lesson(school)
    homework = set_homework(teacher=ds.math_teacher, lesson_id=lesson.pk, text="№ 1")
    vera = ds.pupils[2]
    client = client_for(ds.pupil_account)
    url = f"/api/v1/students/{vera.public_id}/diary?from={WEEK[0]}&to={WEEK[1]}"
    assert client.get(url).json()["days"][0]["lessons"][0]["homework"][0]["done"] is False
    tick_homework(account=ds.pupil_account, homework_id=homework.pk, done=True)
    assert client.get(url).json()["days"][0]["lessons"][0]["homework"][0]["done"] is True


def test_attendance_is_seen_on_the_next_read(school: DiarySchool) -> None:
    ds, lesson = school, first_lesson(school)
    entry = AttendanceInput(pupil_id=ds.pupils[0].pk, status="late", late_minutes=7)
    _before, after = cached_then(
        ds, lambda: set_lesson_attendance(teacher=ds.math_teacher, lesson_id=lesson.pk, entries=[entry])
    )
    assert after[0]["attendance"]["late_minutes"] == 7
    cleared = AttendanceInput(pupil_id=ds.pupils[0].pk, status=None)
    _before, after = cached_then(
        ds, lambda: set_lesson_attendance(teacher=ds.math_teacher, lesson_id=lesson.pk, entries=[cleared])
    )
    assert after[0]["attendance"] is None


@pytest.mark.parametrize("change", ["topic", "cancel", "replace", "move"])
def test_a_lesson_change_is_seen_on_the_next_read(school: DiarySchool, change: str) -> None:
    ds, lesson = school, first_lesson(school)
    write = {
        "topic": lambda: set_lesson_topic(teacher=ds.math_teacher, lesson_id=lesson.pk, topic="Дроби"),
        "cancel": lambda: cancel_lesson(actor=ds.math_teacher, lesson_id=lesson.pk),
        "replace": lambda: replace_lesson(
            actor=ds.math_teacher, lesson_id=lesson.pk, subject_id=ds.russian.pk, teacher_id=ds.russian_teacher.pk
        ),
        "move": lambda: move_lesson(
            actor=ds.math_teacher, lesson_id=lesson.pk, date=TERM_START + timedelta(days=1), slot_id=ds.slots[2].pk
        ),
    }[change]
    before, after = cached_then(ds, write)
    first_before = next(one for one in before if one["id"] == lesson.pk)
    first_after = next((one for one in after if one["id"] == lesson.pk), None)
    if change == "move":
        assert first_after is None, "moved to Tuesday"
    else:
        assert first_after is not None
        assert first_after != first_before
        assert (
            first_after[{"topic": "topic", "cancel": "status", "replace": "teacher"}[change]]
            != first_before[{"topic": "topic", "cancel": "status", "replace": "teacher"}[change]]
        )


def test_a_timetable_change_is_seen_on_the_next_read(school: DiarySchool) -> None:
    """The bell schedule edited in the back office (a model save), and lessons generated for a new entry."""
    ds = school
    slot = ds.slots[0]

    def ring_later() -> None:
        found = LessonSlot.objects.get(pk=slot.pk)
        found.starts_at, found.ends_at = time(8, 30), time(9, 15)
        found.save()

    _before, after = cached_then(ds, ring_later)
    assert after[0]["starts_at"] == "08:30:00"

    def new_lessons() -> None:
        Lesson.objects.filter(school_class=ds.class_7a, date=TERM_START).delete()
        generate_lessons(term=ds.term, school_class=ds.class_7a)

    before, after = cached_then(ds, new_lessons)
    assert [one["id"] for one in after] != [one["id"] for one in before]


def test_the_marks_page_follows_a_classmates_mark_and_a_final(school: DiarySchool) -> None:
    """The class's average is on Anna's marks: a classmate's mark changes her cached answer too."""
    ds, lesson = school, first_lesson(school)
    set_lesson_marks(
        teacher=ds.math_teacher, lesson_id=lesson.pk, marks=[MarkInput(pupil_id=ds.pupils[0].pk, value="5")]
    )
    client = client_for(ds.parent)
    first = client.get(marks_url(ds)).json()["subjects"][0]
    assert client.get(marks_url(ds)).json()["subjects"][0] == first
    set_lesson_marks(
        teacher=ds.math_teacher, lesson_id=lesson.pk, marks=[MarkInput(pupil_id=ds.pupils[1].pk, value="3")]
    )
    second = client.get(marks_url(ds)).json()["subjects"][0]
    assert second["class_average"] != first["class_average"]
    set_final_mark(
        teacher=ds.math_teacher, pupil_id=ds.pupils[0].pk, subject_id=ds.algebra.pk, term_id=ds.term.pk, value="5"
    )
    assert client.get(marks_url(ds)).json()["subjects"][0]["term_final"] == "5"


def test_a_revoked_grant_is_refused_though_the_week_is_cached(school: DiarySchool) -> None:
    ds = school
    granny = make_account("granny@example.ru", "+79000000197", "Бабушкина", "Бэла")
    grant = make_grant(ds.pupils[0], granny, "diary")
    client = client_for(granny)
    assert client.get(week_url(ds)).status_code == 200
    assert client.get(week_url(ds)).status_code == 200  # cached
    revoke_grant(user=ds.parent, grant_id=grant.pk)
    assert Grant.objects.get(pk=grant.pk).state == Grant.State.REVOKED
    assert client.get(week_url(ds)).status_code == 404
    assert client.get(marks_url(ds)).status_code == 404


def test_an_ended_guardian_link_is_refused_though_the_week_is_cached(school: DiarySchool) -> None:
    ds = school
    client = client_for(ds.parent)
    assert client.get(week_url(ds)).status_code == 200
    assert client.get(marks_url(ds)).status_code == 200
    guardian = Guardian.objects.get(pupil=ds.pupils[0], account=ds.parent)
    end_link(actor=ds.parent, kind="guardian", record_id=guardian.pk)
    assert client.get(week_url(ds)).status_code == 404
    assert client.get(marks_url(ds)).status_code == 404


@pytest.mark.parametrize("url", [week_url, marks_url], ids=["week", "marks"])
def test_etag_answers_304_after_the_access_check_alone_until_something_changes(
    school: DiarySchool, url: Callable[[DiarySchool], str]
) -> None:
    ds, lesson = school, first_lesson(school)
    client = client_for(ds.parent)
    client.get("/cabinet/")  # the first request after sign-in touches the session
    first = client.get(url(ds))
    tag = first["ETag"]
    assert first.status_code == 200
    assert tag
    assert "private" in first["Cache-Control"]
    with CaptureQueriesContext(connection) as queries:
        again = client.get(url(ds), HTTP_IF_NONE_MATCH=tag)
    assert (again.status_code, again.content, again["ETag"]) == (304, b"", tag)
    # The session, its account, and the access check (which also brings the versions): one query of the read.
    assert len(queries) == 3, [q["sql"][:80] for q in queries.captured_queries]
    set_lesson_marks(
        teacher=ds.math_teacher, lesson_id=lesson.pk, marks=[MarkInput(pupil_id=ds.pupils[0].pk, value="4")]
    )
    changed = client.get(url(ds), HTTP_IF_NONE_MATCH=tag)
    assert changed.status_code == 200
    assert changed["ETag"] != tag
    assert client_for(ds.other_parent).get(url(ds), HTTP_IF_NONE_MATCH=tag).status_code == 404
