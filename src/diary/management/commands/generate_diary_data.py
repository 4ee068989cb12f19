"""Generate diary data at any scale for benchmarks: schools × classes × pupils × weeks.

Each school gets a term covering the last ``--weeks`` weeks up to this Sunday, a bell schedule, one
teacher account per subject (and per ten classes), a weekly timetable, the lessons (through
``diary.lessons.generate_lessons``) and marks on about a third of the pupils at each lesson. Rows go
in with ``bulk_create`` in batches; deterministic for a given ``--seed``.
"""

from __future__ import annotations

import random
import time as clock
from datetime import date, time, timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from diary.demo import MARK_VALUES, MARK_WEIGHTS
from diary.lessons import generate_lessons
from diary.models import Lesson, LessonSlot, Mark, TimetableEntry
from portal.models import User
from registry.demo import SUBJECTS
from registry.models import Pupil, School, SchoolClass, SchoolYear, Subject, Term, fio_key

SURNAMES = [
    "Иванов",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Васильев",
    "Петров",
    "Соколов",
    "Михайлов",
    "Новиков",
    "Фёдоров",
    "Морозов",
    "Волков",
    "Алексеев",
    "Лебедев",
    "Семёнов",
    "Егоров",
    "Павлов",
    "Козлов",
]
BOYS = [
    ("Артём", "Артёмович"),
    ("Иван", "Иванович"),
    ("Максим", "Максимович"),
    ("Михаил", "Михайлович"),
    ("Даниил", "Даниилович"),
    ("Лев", "Львович"),
    ("Марк", "Маркович"),
    ("Тимофей", "Тимофеевич"),
]
GIRLS = [
    ("Анна", "Ивановна"),
    ("Мария", "Сергеевна"),
    ("Софья", "Андреевна"),
    ("Алиса", "Дмитриевна"),
    ("Ева", "Максимовна"),
    ("Виктория", "Павловна"),
    ("Полина", "Олеговна"),
    ("Варвара", "Игоревна"),
]
LETTERS = "АБВГДЕЖЗИКЛМНОПРСТУФХЦЧШЭЮЯ"
SLOTS_A_DAY = 6
LESSONS_A_DAY = 5


def person(rng: random.Random) -> tuple[str, str, str]:
    """A surname, a given name and a patronymic of one gender: a woman's surname is the man's one with «а»."""
    female = rng.random() >= 0.5
    given, patronymic = rng.choice(GIRLS if female else BOYS)
    return rng.choice(SURNAMES) + ("а" if female else ""), given, patronymic


class Command(BaseCommand):
    help = "Generate schools, classes, pupils, a timetable, lessons and marks for benchmarks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--schools", type=int, default=1)
        parser.add_argument("--classes-per-school", type=int, default=10)
        parser.add_argument("--pupils-per-class", type=int, default=25)
        parser.add_argument("--weeks", type=int, default=4)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--batch-size", type=int, default=5000)

    def handle(self, *args: Any, **options: Any) -> None:
        started = clock.monotonic()
        rng = random.Random(options["seed"])  # noqa: S311  (benchmark data, not secrets)
        first = School.objects.filter(code__startswith="bench-").count()
        totals = {"pupils": 0, "lessons": 0, "marks": 0}
        for number in range(first, first + options["schools"]):
            made = self.make_school(number, options, rng)
            for key in totals:
                totals[key] += made[key]
            self.stdout.write(
                f"school bench-{number}: {made['pupils']} pupils, {made['lessons']} lessons, "
                f"{made['marks']} marks ({clock.monotonic() - started:.1f} s)"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Done: {options['schools']} schools, {totals['pupils']} pupils, {totals['lessons']} lessons, "
                f"{totals['marks']} marks in {clock.monotonic() - started:.1f} s"
            )
        )

    @transaction.atomic
    def make_school(self, number: int, options: dict[str, Any], rng: random.Random) -> dict[str, int]:
        batch = options["batch_size"]
        today = timezone.localdate()
        sunday = today + timedelta(days=6 - today.weekday())
        starts_on = sunday - timedelta(days=7 * options["weeks"] - 1)
        school = School.objects.create(code=f"bench-{number}", name=f"Школа № {1000 + number} (нагрузка)")
        year = SchoolYear.objects.create(school=school, name=f"{starts_on.year}", starts_on=starts_on, ends_on=sunday)
        term = Term.objects.create(year=year, number=1, name="Период", starts_on=starts_on, ends_on=sunday)
        slots = LessonSlot.objects.bulk_create(
            [
                LessonSlot(school=school, number=n, starts_at=time(8 + n - 1, 30), ends_at=time(9 + n - 1, 15))
                for n in range(1, SLOTS_A_DAY + 1)
            ]
        )
        subjects = Subject.objects.bulk_create([Subject(school=school, name=name) for name in SUBJECTS])
        classes = SchoolClass.objects.bulk_create(
            [
                SchoolClass(school=school, grade=5 + c % 7, letter=LETTERS[(c // 7) % len(LETTERS)] * (1 + c // 189))
                for c in range(options["classes_per_school"])
            ]
        )
        # One teacher per subject and group of ten classes: the timetable below never double-books them.
        groups = (len(classes) + 9) // 10
        unusable = make_password(None)
        teachers = []
        for g in range(groups):
            for s in range(len(subjects)):
                surname, given, patronymic = person(rng)
                teachers.append(
                    User(
                        email=f"t{g}-{s}@{school.code}.bench.test",
                        password=unusable,
                        surname=surname,
                        given_name=given,
                        patronymic=patronymic,
                        phone=f"+7999{number % 1000:03d}{g % 100:02d}{s:02d}",
                    )
                )
        User.objects.bulk_create(teachers, batch_size=batch)
        entries = []
        for c, school_class in enumerate(classes):
            for weekday in range(5):
                for n in range(LESSONS_A_DAY):
                    s = (weekday * LESSONS_A_DAY + n + c) % len(subjects)
                    entries.append(
                        TimetableEntry(
                            school_class=school_class,
                            weekday=weekday,
                            slot=slots[n],
                            subject=subjects[s],
                            teacher=teachers[(c // 10) * len(subjects) + s],
                            room=str(100 + c),
                        )
                    )
        TimetableEntry.objects.bulk_create(entries, batch_size=batch)
        pupils = []
        for school_class in classes:
            for _ in range(options["pupils_per_class"]):
                surname, given, patronymic = person(rng)
                birth = date(today.year - school_class.grade - 7, 1, 1) + timedelta(days=rng.randint(0, 364))
                pupils.append(
                    Pupil(
                        school=school,
                        school_class=school_class,
                        surname=surname,
                        given_name=given,
                        patronymic=patronymic,
                        fio_key=fio_key(surname, given, patronymic),
                        birth_date=birth,
                    )
                )
        Pupil.objects.bulk_create(pupils, batch_size=batch)
        by_class: dict[int, list[int]] = {}
        for pupil in pupils:
            by_class.setdefault(pupil.school_class_id, []).append(pupil.pk)
        lessons = generate_lessons(term=term)
        marks: list[Mark] = []
        made = 0
        now = timezone.now()
        for lesson_id, class_id, teacher_id in (
            Lesson.objects.filter(term=term, date__lte=today)
            .values_list("id", "school_class_id", "teacher_id")
            .iterator(chunk_size=batch)
        ):
            for pupil_id in by_class.get(class_id, []):
                if rng.random() < 0.3:
                    marks.append(
                        Mark(
                            pupil_id=pupil_id,
                            lesson_id=lesson_id,
                            created_by_id=teacher_id,
                            value=rng.choices(MARK_VALUES, MARK_WEIGHTS)[0],
                            created_at=now,
                            updated_at=now,
                        )
                    )
            if len(marks) >= batch:
                Mark.objects.bulk_create(marks, batch_size=batch)
                made += len(marks)
                marks = []
        Mark.objects.bulk_create(marks, batch_size=batch)
        made += len(marks)
        return {"pupils": len(pupils), "lessons": lessons, "marks": made}
