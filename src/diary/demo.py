"""The diary of the demo school for ``make run``: a bell schedule, a weekly timetable, the school year's
lessons, and for the lessons up to today topics, marks, homework and a few absences.

Idempotent: the timetable of a class is made once, lessons are generated only where missing, and a
past lesson is filled only while it has no topic; running it again on a later day fills the days
since. Marks are pseudo-random but deterministic (``random.Random`` seeded by the lesson), written
with ``bulk_create`` so the whole year stays well under a few seconds on SQLite.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from diary.lessons import generate_lessons
from diary.models import Attendance, Homework, Lesson, LessonSlot, Mark, MarkChange, TimetableEntry
from portal.models import User
from registry.models import Pupil, School, SchoolClass, SchoolYear, StaffMember, Subject, Term

DEMO_PASSWORD = "Dnevnik-demo-2026"  # noqa: S105  (printed by `make run`; the demo database only)
SEED = 20260901

FIRST_BELL = time(8, 30)
LESSON_MINUTES = 45
BREAKS = [10, 20, 20, 10, 10, 10, 10]  # minutes after lesson 1, 2, …


@dataclass(frozen=True)
class DemoTeacher:
    email: str
    surname: str
    given_name: str
    patronymic: str
    phone: str
    subjects: tuple[str, ...]


# Елена Сергеевна is the demo teacher account of ``load_demo`` (and the form tutor of 7А).
DEMO_TEACHERS = [
    DemoTeacher(
        "elena.ivanova@dnevnik.test", "Иванова", "Елена", "Сергеевна", "+79160000005", ("Русский язык", "Литература")
    ),
    DemoTeacher(
        "pavel.kuznetsov@dnevnik.test",
        "Кузнецов",
        "Павел",
        "Андреевич",
        "+79160000011",
        ("Алгебра", "Геометрия", "Математика", "Информатика"),
    ),
    DemoTeacher(
        "natalia.sokolova@dnevnik.test", "Соколова", "Наталья", "Викторовна", "+79160000012", ("История", "Биология")
    ),
    DemoTeacher("irina.morozova@dnevnik.test", "Морозова", "Ирина", "Олеговна", "+79160000013", ("Английский язык",)),
    DemoTeacher(
        "dmitry.volkov@dnevnik.test",
        "Волков",
        "Дмитрий",
        "Сергеевич",
        "+79160000014",
        ("Физическая культура", "Физика"),
    ),
]

# Lessons a week by subject; grade 5 has «Математика» instead of algebra, geometry and physics.
WEEKLY_HOURS = {
    "senior": {
        "Русский язык": 4,
        "Литература": 2,
        "Алгебра": 3,
        "Геометрия": 2,
        "История": 2,
        "Английский язык": 3,
        "Биология": 2,
        "Физика": 2,
        "Физическая культура": 2,
        "Информатика": 1,
    },
    "junior": {
        "Русский язык": 5,
        "Литература": 3,
        "Математика": 5,
        "История": 2,
        "Английский язык": 3,
        "Биология": 1,
        "Физическая культура": 3,
        "Информатика": 1,
    },
}

TOPICS = {
    "Русский язык": [
        "Повторение изученного в 6 классе",
        "Причастие как часть речи",
        "Причастный оборот",
        "Действительные и страдательные причастия",
        "Деепричастие",
        "Деепричастный оборот",
        "Наречие как часть речи",
        "Степени сравнения наречий",
        "Слитное и раздельное написание НЕ",
        "Предлог",
        "Союз",
        "Частица",
        "Контрольный диктант",
    ],
    "Литература": [
        "«Повесть временных лет»",
        "А. С. Пушкин. «Полтава»",
        "М. Ю. Лермонтов. «Песня про царя Ивана Васильевича…»",
        "Н. В. Гоголь. «Тарас Бульба»",
        "И. С. Тургенев. «Бирюк»",
        "Н. А. Некрасов. «Русские женщины»",
        "Л. Н. Толстой. «Детство»",
        "А. П. Чехов. «Хамелеон»",
    ],
    "Алгебра": [
        "Выражения и тождества",
        "Уравнения с одной переменной",
        "Линейная функция и её график",
        "Степень с натуральным показателем",
        "Одночлены",
        "Многочлены",
        "Формулы сокращённого умножения",
        "Решение задач с помощью уравнений",
        "Контрольная работа",
    ],
    "Геометрия": [
        "Прямая и отрезок",
        "Луч и угол",
        "Смежные и вертикальные углы",
        "Треугольники",
        "Признаки равенства треугольников",
        "Параллельные прямые",
        "Сумма углов треугольника",
    ],
    "Математика": [
        "Натуральные числа",
        "Сложение и вычитание",
        "Умножение и деление",
        "Площади и объёмы",
        "Обыкновенные дроби",
        "Десятичные дроби",
        "Проценты",
        "Решение задач",
    ],
    "История": [
        "Великие географические открытия",
        "Реформация в Европе",
        "Россия в XVI веке",
        "Иван Грозный",
        "Смутное время",
        "Первые Романовы",
        "Культура XVI–XVII веков",
    ],
    "Английский язык": [
        "Present Simple",
        "Present Continuous",
        "Past Simple",
        "Travelling",
        "My school",
        "Future forms",
        "Reading: London",
        "Vocabulary test",
    ],
    "Биология": [
        "Многообразие животных",
        "Простейшие",
        "Кишечнополостные",
        "Черви",
        "Моллюски",
        "Членистоногие",
        "Рыбы",
    ],
    "Физика": [
        "Физические величины",
        "Строение вещества",
        "Механическое движение",
        "Скорость",
        "Масса тела",
        "Плотность вещества",
        "Сила",
        "Лабораторная работа",
    ],
    "Физическая культура": [
        "Лёгкая атлетика: бег 60 м",
        "Прыжок в длину",
        "Баскетбол: ведение мяча",
        "Волейбол: передача мяча",
        "Гимнастика",
        "Подвижные игры",
    ],
    "Информатика": [
        "Информация и информационные процессы",
        "Компьютер и его устройство",
        "Файлы и папки",
        "Обработка текста",
        "Алгоритмы",
        "Презентации",
    ],
}

HOMEWORK = {
    "Русский язык": ["Упр. {n}, выучить правило", "Упр. {n}–{m}", "Словарный диктант: повторить слова"],
    "Литература": ["Прочитать главы {n}–{m}", "Выучить отрывок наизусть", "Ответить на вопросы на с. {n}"],
    "Алгебра": ["№ {n}, {m}", "§ {p}, № {n}–{m}", "Подготовиться к самостоятельной работе"],
    "Геометрия": ["§ {p}, задачи {n}, {m}", "Доказать теорему из § {p}"],
    "Математика": ["№ {n}, {m}", "§ {p}, № {n}–{m}"],
    "История": ["§ {p}, вопросы 1–3", "Подготовить сообщение", "§ {p}, выучить даты"],
    "Английский язык": ["Ex. {n}, p. {m}", "Learn the new words", "Write 8 sentences"],
    "Биология": ["§ {p}, зарисовать схему", "§ {p}, вопросы"],
    "Физика": ["§ {p}, упр. {n}", "Задачи {n}–{m}"],
    "Информатика": ["§ {p}, вопросы", "Практическая работа {n}"],
}

# Marks and how often: 5, 4, 3, 2.
MARK_VALUES = ["5", "4", "3", "2"]
MARK_WEIGHTS = [35, 40, 20, 5]


def bell_schedule(school: School, lessons: int = 7) -> list[LessonSlot]:
    slots = {slot.number: slot for slot in LessonSlot.objects.filter(school=school)}
    start = datetime.combine(date(2000, 1, 1), FIRST_BELL)
    for number in range(1, lessons + 1):
        end = start + timedelta(minutes=LESSON_MINUTES)
        if number not in slots:
            slots[number] = LessonSlot.objects.create(
                school=school, number=number, starts_at=start.time(), ends_at=end.time()
            )
        start = end + timedelta(minutes=BREAKS[number - 1])
    return [slots[number] for number in sorted(slots)]


def demo_teachers(school: School) -> dict[str, User]:
    """Subject name → its demo teacher; the accounts are made if missing, each a TEACHER of the school."""
    now = timezone.now()
    by_subject: dict[str, User] = {}
    for demo in DEMO_TEACHERS:
        account = User.objects.filter(email=demo.email).first()
        if account is None:
            account = User.objects.create_user(
                demo.email,
                DEMO_PASSWORD,
                surname=demo.surname,
                given_name=demo.given_name,
                patronymic=demo.patronymic,
                phone=demo.phone,
                email_confirmed_at=now,
                phone_confirmed_at=now,
            )
        StaffMember.objects.get_or_create(
            school=school, account=account, role=StaffMember.Role.TEACHER, school_class=None
        )
        for subject in demo.subjects:
            by_subject[subject] = account
    return by_subject


def _timetable(
    school_class: SchoolClass,
    slots: list[LessonSlot],
    subjects: dict[str, Subject],
    teachers: dict[str, User],
    busy: set[tuple[int, int, int]],
    rng: random.Random,
) -> None:
    """Lay a class's weekly hours over Monday–Friday, no subject twice a day where avoidable, no teacher
    in two classes at once."""
    hours = WEEKLY_HOURS["junior" if school_class.grade <= 5 else "senior"]
    pool = [name for name, count in hours.items() for _ in range(count)]
    rng.shuffle(pool)
    days: list[list[str]] = [[] for _ in range(5)]
    for name in sorted(pool, key=lambda n: -hours[n]):
        day = min(range(5), key=lambda d: (name in days[d], len(days[d]), rng.random()))
        days[day].append(name)
    entries = []
    for weekday, names in enumerate(days):
        rng.shuffle(names)
        free = list(slots)
        for name in names:
            teacher = teachers[name]
            slot = next((s for s in free if (weekday, s.number, teacher.pk) not in busy), None)
            if slot is None:
                continue
            free.remove(slot)
            busy.add((weekday, slot.number, teacher.pk))
            room = (
                "Спортзал"
                if name == "Физическая культура"
                else str(200 + 10 * school_class.grade + list(subjects).index(name) % 10)
            )
            entries.append(
                TimetableEntry(
                    school_class=school_class,
                    weekday=weekday,
                    slot=slot,
                    subject=subjects[name],
                    teacher=teacher,
                    room=room,
                )
            )
    TimetableEntry.objects.bulk_create(entries)


def _current_year(school: School, today: date) -> SchoolYear | None:
    years = list(SchoolYear.objects.filter(school=school).order_by("starts_on"))
    around = [year for year in years if year.starts_on <= today <= year.ends_on]
    started = [year for year in years if year.starts_on <= today]
    chosen = around or started or years
    return chosen[-1] if chosen else None


def _fill_past_lessons(school: School, today: date) -> int:
    """Topics, marks, homework and attendance for the lessons up to today that have no topic yet."""
    lessons = list(
        Lesson.objects.filter(school_class__school=school, date__lte=today, topic="")
        .exclude(status=Lesson.Status.CANCELLED)
        .select_related("subject", "slot")
        .order_by("date", "slot__number")
    )
    if not lessons:
        return 0
    pupils: dict[int, list[Pupil]] = {}
    for pupil in Pupil.objects.filter(school=school, status=Pupil.Status.STUDYING).order_by("pk"):
        pupils.setdefault(pupil.school_class_id, []).append(pupil)
    # Which lesson of its class and subject each lesson is (the topic), and the next one (homework due).
    series: dict[tuple[int, int], list[Lesson]] = {}
    for lesson in (
        Lesson.objects.filter(school_class__school=school)
        .exclude(status=Lesson.Status.CANCELLED)
        .order_by("date", "slot__number")
        .only("id", "school_class_id", "subject_id", "date")
    ):
        series.setdefault((lesson.school_class_id, lesson.subject_id), []).append(lesson)
    position = {lesson.pk: (key, index) for key, run in series.items() for index, lesson in enumerate(run)}
    tz = timezone.get_current_timezone()
    marks: list[Mark] = []
    history: list[MarkChange] = []
    homework: list[Homework] = []
    attendance: list[Attendance] = []
    for lesson in lessons:
        rng = random.Random(SEED + lesson.pk)  # noqa: S311  (demo data, not secrets)
        key, index = position[lesson.pk]
        topics = TOPICS.get(lesson.subject.name, ["Урок"])
        lesson.topic = topics[index % len(topics)]
        at = datetime.combine(lesson.date, lesson.slot.ends_at, tzinfo=tz)
        run = series[key]
        tasks = HOMEWORK.get(lesson.subject.name)
        if tasks and index + 1 < len(run) and rng.random() < 0.8:
            text = rng.choice(tasks).format(n=rng.randint(100, 400), m=rng.randint(401, 600), p=rng.randint(1, 30))
            homework.append(
                Homework(
                    lesson=lesson,
                    due_lesson_id=run[index + 1].pk,
                    text=text,
                    created_by_id=lesson.teacher_id,
                    created_at=at,
                )
            )
        is_test = rng.random() < 0.1
        for pupil in pupils.get(lesson.school_class_id, []):
            roll = rng.random()
            if roll < 0.03:
                attendance.append(
                    Attendance(
                        pupil=pupil,
                        lesson=lesson,
                        status=rng.choice(
                            [
                                Attendance.Status.ABSENT_ILL,
                                Attendance.Status.ABSENT_ILL,
                                Attendance.Status.ABSENT_EXCUSED,
                            ]
                        ),
                        comment="",
                        recorded_by_id=lesson.teacher_id,
                        recorded_at=at,
                    )
                )
                continue
            if roll < 0.045:
                attendance.append(
                    Attendance(
                        pupil=pupil,
                        lesson=lesson,
                        status=Attendance.Status.LATE,
                        late_minutes=rng.choice([3, 5, 10, 15]),
                        comment="",
                        recorded_by_id=lesson.teacher_id,
                        recorded_at=at,
                    )
                )
            if not is_test and rng.random() > 0.3:
                continue
            kind, weight = (Mark.Kind.TEST, 2) if is_test else (Mark.Kind.CLASSWORK, 1)
            value = rng.choices(MARK_VALUES, MARK_WEIGHTS)[0]
            marks.append(
                Mark(
                    pupil=pupil,
                    lesson=lesson,
                    value=value,
                    weight=weight,
                    kind=kind,
                    created_by_id=lesson.teacher_id,
                    created_at=at,
                    updated_at=at,
                )
            )
            history.append(
                MarkChange(
                    pupil=pupil,
                    lesson=lesson,
                    kind=kind,
                    new_value=value,
                    new_weight=weight,
                    changed_by_id=lesson.teacher_id,
                    changed_at=at,
                )
            )
    Lesson.objects.bulk_update(lessons, ["topic"], batch_size=500)
    Mark.objects.bulk_create(marks, batch_size=1000)
    MarkChange.objects.bulk_create(history, batch_size=1000)
    Homework.objects.bulk_create(homework, batch_size=1000)
    Attendance.objects.bulk_create(attendance, batch_size=1000)
    return len(lessons)


@transaction.atomic
def load_diary_demo(school: School, *, today: date | None = None) -> dict[str, Any]:
    """Fill the demo school's diary for the school year around ``today`` (default: today). Idempotent."""
    today = today or timezone.localdate()
    slots = bell_schedule(school)
    teachers = demo_teachers(school)
    subjects = {}
    for name in teachers:
        subjects[name], _ = Subject.objects.get_or_create(school=school, name=name)
    busy = {
        (entry.weekday, entry.slot.number, entry.teacher_id)
        for entry in TimetableEntry.objects.filter(school_class__school=school).select_related("slot")
    }
    with_timetable = set(
        TimetableEntry.objects.filter(school_class__school=school).values_list("school_class_id", flat=True)
    )
    for school_class in SchoolClass.objects.filter(school=school).order_by("grade", "letter"):
        if school_class.pk not in with_timetable:
            _timetable(
                school_class,
                slots[:6],
                subjects,
                teachers,
                busy,
                random.Random(f"{SEED}-{school_class.grade}{school_class.letter}"),  # noqa: S311
            )
    generated = 0
    year = _current_year(school, today)
    if year is not None:
        for term in Term.objects.filter(year=year).select_related("year").order_by("starts_on"):
            generated += generate_lessons(term=term)
    filled = _fill_past_lessons(school, today)
    return {"lessons_generated": generated, "lessons_filled": filled}
