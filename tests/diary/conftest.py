"""A small school for diary tests: one term, a bell schedule, a timetable for 7А, two teachers, a form
tutor, pupils with linked guardians, and a stranger family in another class.

Build more state through the diary's own services (``diary.lessons``, ``diary.marks``…)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from diary.models import LessonSlot, TimetableEntry
from portal.models import User
from registry.models import Guardian, Holiday, Pupil, School, SchoolClass, SchoolYear, StaffMember, Subject, Term
from tests.conftest import PASSWORD

# A Monday; the term runs for the whole of November 2026, with holidays on 4 November (a Wednesday).
TERM_START = date(2026, 11, 2)
TERM_END = date(2026, 11, 30)
HOLIDAY = date(2026, 11, 4)


def make_account(email: str, phone: str, surname: str = "Тестов", given_name: str = "Тест", **extra: Any) -> User:
    now = timezone.now()
    return User.objects.create_user(
        email,
        PASSWORD,
        surname=surname,
        given_name=given_name,
        phone=phone,
        email_confirmed_at=now,
        phone_confirmed_at=now,
        **extra,
    )


def make_pupil(school_class: SchoolClass, surname: str, given_name: str, **extra: Any) -> Pupil:
    pupil = Pupil(
        school=school_class.school,
        school_class=school_class,
        surname=surname,
        given_name=given_name,
        birth_date=date(2012, 3, 1),
        **extra,
    )
    pupil.refresh_fio_key()
    pupil.save()
    return pupil


def make_guardian(pupil: Pupil, account: User) -> Guardian:
    guardian = Guardian(
        pupil=pupil,
        surname=account.surname,
        given_name=account.given_name,
        relation=Guardian.Relation.MOTHER,
        account=account,
    )
    guardian.refresh_fio_key()
    guardian.save()
    return guardian


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@dataclass
class DiarySchool:
    school: School
    term: Term
    class_7a: SchoolClass
    class_7b: SchoolClass
    algebra: Subject
    russian: Subject
    slots: list[LessonSlot]
    math_teacher: User  # algebra in 7А (Monday 1st, Wednesday 2nd, Friday 1st)
    russian_teacher: User  # russian in 7А (Monday 2nd, Thursday 1st) and in 7Б
    form_tutor: User  # of 7А, teaches nothing
    pupils: list[Pupil]  # of 7А: Анна, Борис, Вера
    parent: User  # guardian of Анна and of Глеб (7Б)
    other_parent: User  # guardian of Борис only
    pupil_account: User  # Вера's own account
    stranger_pupil: Pupil  # Глеб, 7Б


@pytest.fixture
def diary_school(db: None) -> DiarySchool:
    return build_diary_school()


def build_diary_school() -> DiarySchool:
    """The school of ``diary_school``, for tests that manage the database themselves (browser tests)."""
    school = School.objects.create(code="d1", name="Школа № 1")
    year = SchoolYear.objects.create(
        school=school, name="2026/2027", starts_on=date(2026, 9, 1), ends_on=date(2027, 5, 31)
    )
    term = Term.objects.create(year=year, number=2, name="2 четверть", starts_on=TERM_START, ends_on=TERM_END)
    Holiday.objects.create(year=year, name="День народного единства", starts_on=HOLIDAY, ends_on=HOLIDAY)
    class_7a = SchoolClass.objects.create(school=school, grade=7, letter="А")
    class_7b = SchoolClass.objects.create(school=school, grade=7, letter="Б")
    algebra = Subject.objects.create(school=school, name="Алгебра")
    russian = Subject.objects.create(school=school, name="Русский язык")
    slots = [
        LessonSlot.objects.create(school=school, number=n, starts_at=time(8 + n, 0), ends_at=time(8 + n, 45))
        for n in (1, 2, 3)
    ]
    math_teacher = make_account("math@example.ru", "+79000000101", "Математикова", "Мария")
    russian_teacher = make_account("russian@example.ru", "+79000000102", "Словесникова", "Светлана")
    form_tutor = make_account("tutor@example.ru", "+79000000103", "Классная", "Клавдия")
    for teacher in (math_teacher, russian_teacher):
        StaffMember.objects.create(school=school, account=teacher, role=StaffMember.Role.TEACHER)
    StaffMember.objects.create(
        school=school, account=form_tutor, role=StaffMember.Role.FORM_TUTOR, school_class=class_7a
    )
    for weekday, slot, subject, teacher, school_class in [
        (0, 0, algebra, math_teacher, class_7a),
        (2, 1, algebra, math_teacher, class_7a),
        (4, 0, algebra, math_teacher, class_7a),
        (0, 1, russian, russian_teacher, class_7a),
        (3, 0, russian, russian_teacher, class_7a),
        (1, 0, russian, russian_teacher, class_7b),
    ]:
        TimetableEntry.objects.create(
            school_class=school_class, weekday=weekday, slot=slots[slot], subject=subject, teacher=teacher, room="21"
        )
    pupil_account = make_account("vera@example.ru", "+79000000104", "Васильева", "Вера", birth_date=date(2012, 3, 1))
    pupils = [
        make_pupil(class_7a, "Андреева", "Анна"),
        make_pupil(class_7a, "Борисов", "Борис"),
        make_pupil(class_7a, "Васильева", "Вера", account=pupil_account),
    ]
    stranger_pupil = make_pupil(class_7b, "Глебов", "Глеб")
    parent = make_account("parent@example.ru", "+79000000105", "Андреева", "Ольга", birth_date=date(1985, 1, 1))
    other_parent = make_account("other@example.ru", "+79000000106", "Борисова", "Ирина", birth_date=date(1985, 1, 1))
    make_guardian(pupils[0], parent)
    make_guardian(stranger_pupil, parent)
    make_guardian(pupils[1], other_parent)
    return DiarySchool(
        school=school,
        term=term,
        class_7a=class_7a,
        class_7b=class_7b,
        algebra=algebra,
        russian=russian,
        slots=slots,
        math_teacher=math_teacher,
        russian_teacher=russian_teacher,
        form_tutor=form_tutor,
        pupils=pupils,
        parent=parent,
        other_parent=other_parent,
        pupil_account=pupil_account,
        stranger_pupil=stranger_pupil,
    )
