"""The parent's absence note («ребёнок не придёт»): who files and reads, the bad input, the attendance it
pre-sets (which the teacher may still change), the late warning it silences, and withdrawing it before
its first day only — with the clock moved (time-machine) to the Friday before the notes' Monday."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from diary.attendance import AttendanceInput, set_lesson_attendance
from diary.lessons import generate_lessons
from diary.models import AbsenceNote, Attendance, Lesson
from notify.models import Notification
from tests.diary.conftest import DiarySchool, client_for, make_account
from tests.grants import make_grant
from tests.visits.family_fixtures import add_pass, give_turnstiles, msk
from visits.alerts import sweep_late_arrivals
from visits.models import LateArrivalNotice

FRIDAY = date(2026, 11, 6)
MONDAY = date(2026, 11, 9)  # 7А: algebra 1st, russian 2nd
TUESDAY = date(2026, 11, 10)  # 7А: no lessons (7Б's russian)
WEDNESDAY = date(2026, 11, 11)  # 7А: algebra 2nd


@pytest.fixture
def school(diary_school: DiarySchool, time_machine: Any) -> DiarySchool:
    time_machine.move_to(msk(FRIDAY, 18), tick=False)
    generate_lessons(term=diary_school.term)
    return diary_school


@pytest.fixture
def run(django_capture_on_commit_callbacks: Callable[..., Any]) -> Callable[..., Any]:
    def _run(action: Callable[[], Any]) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return action()

    return _run


def notes_url(pupil: Any) -> str:
    return reverse("api:student_absence_notes", kwargs={"student_id": pupil.public_id})


def file(client: Client, pupil: Any, **body: Any) -> Any:
    data = {"starts_on": MONDAY.isoformat(), "reason": "illness", **body}
    return client.post(notes_url(pupil), json.dumps(data), content_type="application/json")


def withdraw(client: Client, note_id: int) -> Any:
    return client.post(reverse("api:absence_note_withdraw", kwargs={"note_id": note_id}))


def lesson(school: DiarySchool, day: date, number: int) -> Lesson:
    return Lesson.objects.get(school_class=school.class_7a, date=day, slot__number=number)


def attendance_of(pupil: Any, day: date) -> dict[int, str]:
    return {
        row.lesson.slot.number: row.status
        for row in Attendance.objects.filter(pupil=pupil, lesson__date=day).select_related("lesson__slot")
    }


# ---------------------------------------------------------------- filing and what it pre-sets


def test_a_guardian_files_several_days_and_their_lessons_show_excused(school: DiarySchool, run: Any) -> None:
    anna = school.pupils[0]
    response = run(lambda: file(client_for(school.parent), anna, ends_on=WEDNESDAY.isoformat(), comment="Температура"))
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["starts_on"], body["ends_on"], body["reason"], body["comment"]) == (
        "2026-11-09",
        "2026-11-11",
        "illness",
        "Температура",
    )
    assert body["reason_label"] == "болезнь"
    assert body["can_withdraw"] is True
    assert attendance_of(anna, MONDAY) == {1: "excused", 2: "excused"}
    assert attendance_of(anna, WEDNESDAY) == {2: "excused"}
    assert not Attendance.objects.filter(pupil=school.pupils[1]).exists()
    # The family's week shows it as the school would have marked it, with no write on the read.
    week = client_for(school.parent).get(
        reverse("api:student_diary", kwargs={"student_id": anna.public_id}), {"from": "2026-11-09", "to": "2026-11-15"}
    )
    monday = week.json()["days"][0]["lessons"]
    assert [item["attendance"]["status_label"] for item in monday] == ["отсутствовал: уважительная причина"] * 2 or [
        item["attendance"]["status"] for item in monday
    ] == ["excused", "excused"]
    assert AuditEvent.objects.filter(action="diary.absence_note_filed").count() == 1
    # The form tutor is told in the cabinet at once.
    (told,) = Notification.objects.filter(kind="absence_note")
    assert told.user == school.form_tutor
    assert told.subject == "Заявление об отсутствии: Андреева Анна, 7А"
    assert told.body == "09.11.2026–11.11.2026. болезнь. Температура"


def test_some_lessons_of_one_day(school: DiarySchool) -> None:
    anna = school.pupils[0]
    second = lesson(school, MONDAY, 2)
    response = file(client_for(school.parent), anna, lesson_ids=[second.pk], reason="family")
    assert response.status_code == 201, response.content
    assert [item["number"] for item in response.json()["lessons"]] == [2]
    assert attendance_of(anna, MONDAY) == {2: "excused"}


def test_the_teacher_may_still_change_it_and_a_withdrawal_keeps_the_teachers_mark(school: DiarySchool) -> None:
    anna = school.pupils[0]
    note_id = file(client_for(school.parent), anna, ends_on=WEDNESDAY.isoformat()).json()["id"]
    first = lesson(school, MONDAY, 1)
    set_lesson_attendance(
        teacher=school.math_teacher, lesson_id=first.pk, entries=[AttendanceInput(anna.pk, "unexcused")]
    )
    assert attendance_of(anna, MONDAY) == {1: "unexcused", 2: "excused"}
    assert withdraw(client_for(school.parent), note_id).status_code == 200
    assert attendance_of(anna, MONDAY) == {1: "unexcused"}, "the note's rows go, the teacher's stays"
    assert attendance_of(anna, WEDNESDAY) == {}
    assert AbsenceNote.objects.get(pk=note_id).withdrawn_by == school.parent


def test_a_mark_the_teacher_made_before_the_note_is_kept(school: DiarySchool) -> None:
    anna = school.pupils[0]
    first = lesson(school, MONDAY, 1)
    set_lesson_attendance(
        teacher=school.math_teacher, lesson_id=first.pk, entries=[AttendanceInput(anna.pk, "late", late_minutes=5)]
    )
    assert file(client_for(school.parent), anna).status_code == 201
    assert attendance_of(anna, MONDAY) == {1: "late", 2: "excused"}


# ---------------------------------------------------------------- withdrawing: before the day only


def test_withdraw_before_the_day_and_refused_once_it_began(school: DiarySchool, time_machine: Any) -> None:
    anna = school.pupils[0]
    parent = client_for(school.parent)
    note_id = file(parent, anna).json()["id"]
    time_machine.move_to(msk(MONDAY, 0, 0), tick=False)  # the first day has begun at midnight
    parent = client_for(school.parent)  # a new session: the Friday one has long expired
    refused = withdraw(parent, note_id)
    assert refused.status_code == 409
    assert refused.json()["code"] == "absence_note_started"
    assert "началс" in refused.json()["message"]
    assert attendance_of(anna, MONDAY) == {1: "excused", 2: "excused"}
    time_machine.move_to(msk(date(2026, 11, 8), 23, 59), tick=False)  # Sunday night: still before it
    parent = client_for(school.parent)
    assert withdraw(parent, note_id).status_code == 200
    again = withdraw(parent, note_id)
    assert (again.status_code, again.json()["code"]) == (409, "absence_note_withdrawn")


def test_the_other_guardian_may_withdraw_a_trusted_person_may_not(school: DiarySchool) -> None:
    anna = school.pupils[0]
    note_id = file(client_for(school.parent), anna).json()["id"]
    grandma = make_account("grandma@example.ru", "+79000000301", "Андреева", "Галина")
    make_grant(anna, grandma, "diary")
    assert withdraw(client_for(grandma), note_id).status_code == 404
    assert withdraw(client_for(school.other_parent), note_id).status_code == 404, "Борис's mother, not Анна's"
    assert withdraw(client_for(school.pupil_account), note_id).status_code == 404


# ---------------------------------------------------------------- who files and reads


def test_who_reads_and_who_files(school: DiarySchool) -> None:
    anna, _boris, vera = school.pupils
    file(client_for(school.parent), anna)
    grandma = make_account("grandma@example.ru", "+79000000301", "Андреева", "Галина")
    make_grant(anna, grandma, "diary")
    for outsider in (grandma, school.other_parent, school.math_teacher, school.form_tutor, school.russian_teacher):
        assert client_for(outsider).get(notes_url(anna)).status_code == 404
        assert file(client_for(outsider), anna).status_code == 404
    assert client_for(None).get(notes_url(anna)).status_code == 401
    listed = client_for(school.parent).get(notes_url(anna)).json()
    assert (listed["can_file"], len(listed["notes"])) == (True, 1)
    # The pupil reads their own notes but files none: a note is an adult's word to the school.
    assert client_for(school.pupil_account).get(notes_url(vera)).json() == {
        "student": listed["student"] | {"student_id": str(vera.public_id), "full_name": "Васильева Вера"},
        "can_file": False,
        "notes": [],
    }
    assert file(client_for(school.pupil_account), vera).status_code == 404
    assert not AbsenceNote.objects.filter(pupil=vera).exists()


def test_pages_for_the_family_and_the_form_tutor(school: DiarySchool) -> None:
    anna, _boris, vera = school.pupils
    parent = client_for(school.parent)
    page = parent.get(reverse("diary:absence", kwargs={"student_id": anna.public_id}))
    assert page.status_code == 200
    assert "Ребёнок не придёт" in page.content.decode()
    posted = parent.post(
        reverse("diary:absence", kwargs={"student_id": anna.public_id}),
        {"starts_on": "2026-11-09", "lesson_numbers": ["1"], "reason": "other", "comment": "К врачу"},
    )
    assert posted.status_code == 302
    assert attendance_of(anna, MONDAY) == {1: "excused"}
    listed = parent.get(reverse("diary:absence", kwargs={"student_id": anna.public_id})).content.decode()
    assert "09.11.2026" in listed
    assert "К врачу" in listed
    assert "Отозвать заявление" in listed
    # The pupil's own page lists notes and has no form.
    own = client_for(school.pupil_account).get(reverse("diary:absence", kwargs={"student_id": vera.public_id}))
    assert own.status_code == 200
    assert 'data-testid="absence-form"' not in own.content.decode()
    # The form tutor of 7А sees the class's notes; the teachers and the tutor of no class get 404.
    tutor_url = reverse("teacher:absence", kwargs={"class_id": school.class_7a.pk})
    tutor_page = client_for(school.form_tutor).get(tutor_url).content.decode()
    assert "Андреева Анна" in tutor_page
    assert "К врачу" in tutor_page
    for other in (school.math_teacher, school.parent):
        assert client_for(other).get(tutor_url).status_code == 404
    assert (
        client_for(school.form_tutor)
        .get(reverse("teacher:absence", kwargs={"class_id": school.class_7b.pk}))
        .status_code
        == 404
    )


def test_a_bad_form_names_the_field_in_russian(school: DiarySchool) -> None:
    anna = school.pupils[0]
    page = client_for(school.parent).post(
        reverse("diary:absence", kwargs={"student_id": anna.public_id}),
        {"starts_on": "2026-11-05", "reason": "illness"},
    )
    assert page.status_code == 200
    assert "Первый день уже прошёл." in page.content.decode()
    assert not AbsenceNote.objects.exists()


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"starts_on": "2026-11-05"}, "absence_date_past", "starts_on"),
        ({"starts_on": "2027-01-06"}, "absence_date_too_far", "starts_on"),
        ({"ends_on": "2026-11-08"}, "absence_period_reversed", "ends_on"),
        ({"ends_on": "2026-11-23"}, "absence_too_long", "ends_on"),
        ({"reason": "holiday"}, "absence_reason", "reason"),
        ({"comment": "я" * 501}, "absence_comment_too_long", "comment"),
        ({"ends_on": "2026-11-10", "lesson_ids": [1]}, "absence_lessons_one_day", "lesson_ids"),
        ({"lesson_ids": [999999]}, "absence_lesson_not_of_day", "lesson_ids[0]"),
    ],
)
def test_bad_input_is_refused_with_a_named_field(
    school: DiarySchool, body: dict[str, Any], code: str, field: str
) -> None:
    response = file(client_for(school.parent), school.pupils[0], **body)
    assert response.status_code == 400, response.content
    answer = response.json()
    assert (answer["code"], answer["field"]) == (code, field)
    assert not answer["message"].isascii(), "Russian by default"
    assert not AbsenceNote.objects.exists()
    assert not Attendance.objects.exists()


def test_a_lesson_of_another_day_is_not_of_that_day(school: DiarySchool) -> None:
    wednesday = lesson(school, WEDNESDAY, 2)
    response = file(client_for(school.parent), school.pupils[0], lesson_ids=[wednesday.pk])
    assert (response.status_code, response.json()["code"], response.json()["field"]) == (
        400,
        "absence_lesson_not_of_day",
        "lesson_ids[0]",
    )


def test_an_overlapping_note_is_refused_and_english_on_request(school: DiarySchool) -> None:
    anna = school.pupils[0]
    assert file(client_for(school.parent), anna, ends_on=WEDNESDAY.isoformat()).status_code == 201
    response = client_for(school.parent).post(
        notes_url(anna),
        json.dumps({"starts_on": TUESDAY.isoformat(), "reason": "other"}),
        content_type="application/json",
        headers={"accept-language": "en"},
    )
    assert (response.status_code, response.json()["code"]) == (400, "absence_overlaps")
    assert response.json()["message"] == "A note for some of these days is already filed; withdraw it first."


# ---------------------------------------------------------------- the late-arrival warning stays silent


def test_the_late_warning_is_silent_on_the_days_of_a_note(school: DiarySchool, run: Any, time_machine: Any) -> None:
    give_turnstiles(school.school)
    anna, boris, vera = school.pupils
    file(client_for(school.parent), anna)  # Monday only
    add_pass(boris, msk(MONDAY, 8, 50))
    add_pass(vera, msk(MONDAY, 8, 55))
    time_machine.move_to(msk(MONDAY, 9, 15), tick=False)
    assert run(lambda: sweep_late_arrivals(msk(MONDAY, 9, 15))) == 0, "Анна's family told the school"
    assert not LateArrivalNotice.objects.exists()
    # On Wednesday, with no note, the same pupil is judged as usual (her first lesson is the 2nd, at 10:00).
    add_pass(boris, msk(WEDNESDAY, 9, 50))
    add_pass(vera, msk(WEDNESDAY, 9, 55))
    assert run(lambda: sweep_late_arrivals(msk(WEDNESDAY, 10, 15))) == 1
    assert LateArrivalNotice.objects.get().pupil == anna


def test_a_withdrawn_note_no_longer_silences_it(school: DiarySchool, run: Any) -> None:
    give_turnstiles(school.school)
    anna, boris, vera = school.pupils
    note_id = file(client_for(school.parent), anna).json()["id"]
    assert withdraw(client_for(school.parent), note_id).status_code == 200
    add_pass(boris, msk(MONDAY, 8, 50))
    add_pass(vera, msk(MONDAY, 8, 55))
    assert run(lambda: sweep_late_arrivals(msk(MONDAY, 9, 15))) == 1


def test_reads_answer_in_a_fixed_number_of_queries(school: DiarySchool, django_assert_num_queries: Any) -> None:
    """However many notes and lessons: the session and account checks, the pupil (access), whether the viewer
    files, the notes with pupils and authors, their lessons."""
    anna = school.pupils[0]
    client = client_for(school.parent)
    file(client, anna, lesson_ids=[lesson(school, MONDAY, 1).pk])
    client.get(notes_url(anna))
    with django_assert_num_queries(6):
        assert len(client.get(notes_url(anna)).json()["notes"]) == 1
    file(client, anna, starts_on=(MONDAY + timedelta(days=7)).isoformat(), ends_on="2026-11-18")
    file(client, anna, starts_on="2026-11-20")
    with django_assert_num_queries(6):
        assert len(client.get(notes_url(anna)).json()["notes"]) == 3
