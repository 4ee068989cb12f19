"""Diary events (a mark, an absence, homework) reach the child's family readers of the diary through
``notify``: guardians, the pupil's own account and trusted persons with an active diary grant."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.core import mail

from core import sms
from diary.attendance import AttendanceInput, set_lesson_attendance
from diary.homework import set_homework
from diary.lessons import generate_lessons
from diary.marks import MarkInput, set_lesson_marks
from diary.models import Lesson
from notify.models import Notification
from portal.models import User
from tests.diary.conftest import DiarySchool, client_for, make_account
from tests.grants import make_grant
from trust.models import Grant

Capture = Callable[..., Any]


@pytest.fixture
def lesson(diary_school: DiarySchool) -> Lesson:
    generate_lessons(term=diary_school.term)
    found = Lesson.objects.filter(
        school_class=diary_school.class_7a, subject=diary_school.algebra, date=date(2026, 11, 9)
    ).first()
    assert found is not None
    return found


@pytest.fixture
def trusted(diary_school: DiarySchool) -> dict[str, User]:
    """Four would-be trusted persons of Анна; only ``granny`` (an active diary grant) reads her diary."""
    anna = diary_school.pupils[0]
    people = {
        name: make_account(f"{name}@example.ru", f"+7900000030{number}", "Доверенная", name)
        for number, name in enumerate(("granny", "nanny", "pending", "revoked"))
    }
    make_grant(anna, people["granny"], "diary")
    make_grant(anna, people["nanny"], "visits_meals")
    make_grant(anna, people["pending"], "diary", state=Grant.State.PENDING)
    make_grant(anna, people["revoked"], "diary", state=Grant.State.REVOKED)
    return people


def emailed() -> set[str]:
    return {email for message in mail.outbox for email in message.to}


def inboxes() -> set[int]:
    return set(Notification.objects.values_list("user_id", flat=True))


def test_an_absence_reaches_the_guardian_and_the_diary_trusted_person_only(
    diary_school: DiarySchool, lesson: Lesson, trusted: dict[str, User], django_capture_on_commit_callbacks: Capture
) -> None:
    anna, boris, _vera = diary_school.pupils
    with django_capture_on_commit_callbacks(execute=True):
        set_lesson_attendance(
            teacher=diary_school.math_teacher,
            lesson_id=lesson.pk,
            entries=[AttendanceInput(pupil_id=anna.pk, status="ill"), AttendanceInput(pupil_id=boris.pk, status=None)],
        )
    readers = {diary_school.parent, trusted["granny"]}
    assert emailed() == {user.email for user in readers}
    assert inboxes() == {user.pk for user in readers}
    assert sms.outbox == [], "SMS is off for absences by default"
    note = Notification.objects.filter(user=trusted["granny"]).get()
    assert note.kind == "absence"
    assert note.subject == "Посещаемость: Андреева Анна"
    assert note.body.startswith("Алгебра, 09.11.2026: ")
    assert note.link == f"/diary/{anna.public_id}/?week=2026-11-09"


def test_marks_reach_each_pupils_own_family_with_their_own_marks(
    diary_school: DiarySchool, lesson: Lesson, trusted: dict[str, User], django_capture_on_commit_callbacks: Capture
) -> None:
    anna, boris, vera = diary_school.pupils
    with django_capture_on_commit_callbacks(execute=True):
        set_lesson_marks(
            teacher=diary_school.math_teacher,
            lesson_id=lesson.pk,
            marks=[
                MarkInput(pupil_id=anna.pk, value="5"),
                MarkInput(pupil_id=boris.pk, value="3"),
                MarkInput(pupil_id=vera.pk, value="4"),
            ],
        )
    bodies = {note.user_id: (note.subject, note.body) for note in Notification.objects.all()}
    assert bodies == {
        diary_school.parent.pk: ("Новые оценки: Андреева Анна", "Алгебра, 09.11.2026: 5"),
        trusted["granny"].pk: ("Новые оценки: Андреева Анна", "Алгебра, 09.11.2026: 5"),
        diary_school.other_parent.pk: ("Новые оценки: Борисов Борис", "Алгебра, 09.11.2026: 3"),
        diary_school.pupil_account.pk: ("Новые оценки: Васильева Вера", "Алгебра, 09.11.2026: 4"),
    }
    assert len(mail.outbox) == 4


def test_homework_reaches_every_family_of_the_class_and_no_one_else(
    diary_school: DiarySchool, lesson: Lesson, trusted: dict[str, User], django_capture_on_commit_callbacks: Capture
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        set_homework(teacher=diary_school.math_teacher, lesson_id=lesson.pk, text="№ 5, 6")
    readers = {diary_school.parent, diary_school.other_parent, diary_school.pupil_account, trusted["granny"]}
    assert inboxes() == {user.pk for user in readers}
    assert emailed() == {user.email for user in readers}
    assert {note.body for note in Notification.objects.all()} == {"Алгебра, 09.11.2026: № 5, 6"}


def test_a_grant_that_ended_tells_nothing(
    diary_school: DiarySchool, lesson: Lesson, trusted: dict[str, User], django_capture_on_commit_callbacks: Capture
) -> None:
    Grant.objects.filter(invitee=trusted["granny"]).update(state=Grant.State.REVOKED)
    with django_capture_on_commit_callbacks(execute=True):
        set_lesson_marks(
            teacher=diary_school.math_teacher,
            lesson_id=lesson.pk,
            marks=[MarkInput(pupil_id=diary_school.pupils[0].pk, value="5")],
        )
    assert inboxes() == {diary_school.parent.pk}


def test_opting_out_of_mark_emails_keeps_absence_emails(
    diary_school: DiarySchool, lesson: Lesson, django_capture_on_commit_callbacks: Capture
) -> None:
    parent = diary_school.parent
    anna = diary_school.pupils[0]
    client = client_for(parent)
    page = client.get("/cabinet/notifications/settings/").content.decode()
    ticked = [
        name
        for name, attributes in re.findall(r'<input type="checkbox" name="([a-z_]+)"([^>]*)>', page)
        if " checked" in attributes and name != "mark__email"
    ]
    assert client.post("/cabinet/notifications/settings/", dict.fromkeys(ticked, "on")).status_code == 302

    with django_capture_on_commit_callbacks(execute=True):
        set_lesson_marks(
            teacher=diary_school.math_teacher, lesson_id=lesson.pk, marks=[MarkInput(pupil_id=anna.pk, value="5")]
        )
    assert mail.outbox == []
    assert Notification.objects.filter(user=parent, kind="mark").count() == 1, "the inbox still has it"

    with django_capture_on_commit_callbacks(execute=True):
        set_lesson_attendance(
            teacher=diary_school.math_teacher,
            lesson_id=lesson.pk,
            entries=[AttendanceInput(pupil_id=anna.pk, status="late", late_minutes=5)],
        )
    assert [message.to for message in mail.outbox] == [[parent.email]]
    assert mail.outbox[0].subject == "Посещаемость: Андреева Анна"


def test_nothing_is_told_when_the_write_rolls_back(
    diary_school: DiarySchool, lesson: Lesson, django_capture_on_commit_callbacks: Capture
) -> None:
    from django.db import transaction

    def failing_request() -> None:
        with transaction.atomic():
            set_homework(teacher=diary_school.math_teacher, lesson_id=lesson.pk, text="№ 5")
            raise RuntimeError("the request failed after the write")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError, match="failed"):
        failing_request()
    assert inboxes() == set()
    assert mail.outbox == []


def test_the_messages_of_a_whole_class_take_a_fixed_number_of_queries(
    diary_school: DiarySchool,
    lesson: Lesson,
    trusted: dict[str, User],
    django_capture_on_commit_callbacks: Capture,
    django_assert_num_queries: Any,
) -> None:
    from diary.notifications import notify_diary_event
    from tests.diary.conftest import make_guardian, make_pupil

    set_homework(teacher=diary_school.math_teacher, lesson_id=lesson.pk, text="№ 5")
    pupils = [pupil.pk for pupil in diary_school.pupils]
    # The lesson, the pupils, their readers (accounts, guardians, grants), the homework.
    with django_capture_on_commit_callbacks(execute=False) as few, django_assert_num_queries(6):
        assert notify_diary_event.call(event="homework", lesson_id=lesson.pk, pupil_ids=pupils) == 3
    for number in range(5):
        pupil = make_pupil(diary_school.class_7a, "Новиков", f"Ученик{number}")
        make_guardian(pupil, make_account(f"new{number}@example.ru", f"+7900000040{number}"))
        pupils.append(pupil.pk)
    with django_capture_on_commit_callbacks(execute=False) as many, django_assert_num_queries(6):
        assert notify_diary_event.call(event="homework", lesson_id=lesson.pk, pupil_ids=pupils) == 8
    assert (len(few), len(many)) == (3, 8), "one notification per pupil, delivered after the commit"
