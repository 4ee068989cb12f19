"""The demo school for ``make run``: a year with quarters and holidays, classes, subjects, pupils,
guardians and staff, some already linked to the demo accounts. Running it again changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from portal.models import User
from registry.models import Guardian, Holiday, Pupil, School, SchoolClass, SchoolYear, StaffMember, Subject, Term

DEMO_SCHOOL_CODE = "demo"
SUBJECTS = [
    "Русский язык",
    "Литература",
    "Алгебра",
    "Геометрия",
    "История",
    "Английский язык",
    "Биология",
    "Физика",
    "Физическая культура",
    "Информатика",
]


@dataclass(frozen=True)
class DemoPupil:
    class_name: str
    surname: str
    given_name: str
    patronymic: str
    birth_date: date
    snils: str | None
    account_email: str | None  # linked to this demo account as the pupil's own
    guardians: tuple[tuple[str, str, str, str, str, str | None], ...]  # surname, name, patronymic, relation,
    # phone, demo account email linked as this guardian (None: not linked yet); a guardian's SNILS is in
    # GUARDIAN_SNILS


# The SNILS the school keeps of a guardian, by their demo account: the link to the record verifies the
# account's SNILS (portal accounts' SNILS are only claims until a trusted source verifies them).
GUARDIAN_SNILS = {"olga.smirnova@dnevnik.test": "12345670140"}


DEMO_PUPILS = [
    DemoPupil(
        "7А",
        "Смирнов",
        "Артём",
        "Андреевич",
        date(2012, 9, 1),
        "12345670342",
        "artyom.smirnov@dnevnik.test",
        (
            ("Смирнова", "Ольга", "Игоревна", "mother", "+79160000001", "olga.smirnova@dnevnik.test"),
            ("Смирнов", "Андрей", "Викторович", "father", "+79160000002", None),
        ),
    ),
    DemoPupil(
        "5А",
        "Смирнова",
        "Вера",
        "Андреевна",
        date(2014, 4, 17),
        None,
        None,
        (
            ("Смирнова", "Ольга", "Игоревна", "mother", "+79160000001", "olga.smirnova@dnevnik.test"),
            ("Смирнов", "Андрей", "Викторович", "father", "+79160000002", None),
        ),
    ),
    DemoPupil(
        "7А",
        "Кузнецов",
        "Илья",
        "Сергеевич",
        date(2012, 12, 5),
        None,
        None,
        (("Кузнецова", "Марина", "Олеговна", "mother", "+79161110001", None),),
    ),
    DemoPupil(
        "7А",
        "Орлова",
        "Софья",
        "Дмитриевна",
        date(2013, 2, 20),
        None,
        None,
        (("Орлов", "Дмитрий", "Павлович", "father", "+79161110002", None),),
    ),
    DemoPupil(
        "7Б",
        "Ахмедов",
        "Тимур",
        "Рустамович",
        date(2012, 7, 11),
        None,
        None,
        (("Ахмедова", "Лейла", "Руслановна", "mother", "+79161110003", None),),
    ),
    DemoPupil("5А", "Павлова", "Анна", "Игоревна", date(2014, 10, 3), None, None, ()),
]


def _school_year(school: School, today: date) -> SchoolYear:
    start_year = today.year if today.month >= 9 else today.year - 1
    year, _ = SchoolYear.objects.get_or_create(
        school=school,
        starts_on=date(start_year, 9, 1),
        defaults={"name": f"{start_year}/{start_year + 1}", "ends_on": date(start_year + 1, 5, 31)},
    )
    quarters = [
        (1, date(start_year, 9, 1), date(start_year, 10, 25)),
        (2, date(start_year, 11, 3), date(start_year, 12, 27)),
        (3, date(start_year + 1, 1, 12), date(start_year + 1, 3, 21)),
        (4, date(start_year + 1, 3, 30), date(start_year + 1, 5, 31)),
    ]
    for number, starts_on, ends_on in quarters:
        Term.objects.get_or_create(
            year=year,
            number=number,
            defaults={"name": f"{number} четверть", "starts_on": starts_on, "ends_on": ends_on},
        )
    holidays = [
        ("Осенние каникулы", date(start_year, 10, 26), date(start_year, 11, 2)),
        ("Зимние каникулы", date(start_year, 12, 28), date(start_year + 1, 1, 11)),
        ("Весенние каникулы", date(start_year + 1, 3, 22), date(start_year + 1, 3, 29)),
    ]
    for name, starts_on, ends_on in holidays:
        Holiday.objects.get_or_create(year=year, name=name, defaults={"starts_on": starts_on, "ends_on": ends_on})
    return year


def _account(email: str | None) -> User | None:
    return User.objects.filter(email=email).first() if email else None


@transaction.atomic
def load_registry_demo() -> School:
    school, _ = School.objects.get_or_create(code=DEMO_SCHOOL_CODE, defaults={"name": "Школа № 1234 (демо)"})
    _school_year(school, timezone.localdate())
    for subject in SUBJECTS:
        Subject.objects.get_or_create(school=school, name=subject)
    classes: dict[str, SchoolClass] = {}
    for demo in DEMO_PUPILS:
        grade, letter = int(demo.class_name[:-1]), demo.class_name[-1]
        classes[demo.class_name], _ = SchoolClass.objects.get_or_create(school=school, grade=grade, letter=letter)
        pupil = Pupil(
            school=school,
            school_class=classes[demo.class_name],
            surname=demo.surname,
            given_name=demo.given_name,
            patronymic=demo.patronymic,
            birth_date=demo.birth_date,
            snils=demo.snils,
        )
        pupil.refresh_fio_key()
        existing = Pupil.objects.filter(school=school, fio_key=pupil.fio_key, birth_date=demo.birth_date).first()
        if existing is None:
            pupil.account = _account(demo.account_email)
            pupil.save()
        else:
            pupil = existing
        for surname, given_name, patronymic, relation, phone, email in demo.guardians:
            guardian = Guardian(
                pupil=pupil,
                surname=surname,
                given_name=given_name,
                patronymic=patronymic,
                relation=relation,
                phone=phone,
                snils=GUARDIAN_SNILS.get(email or "", ""),
            )
            guardian.refresh_fio_key()
            if not Guardian.objects.filter(pupil=pupil, fio_key=guardian.fio_key).exists():
                guardian.account = _account(email)
                guardian.save()
    staff = [
        ("elena.ivanova@dnevnik.test", StaffMember.Role.TEACHER, None),
        ("elena.ivanova@dnevnik.test", StaffMember.Role.FORM_TUTOR, classes["7А"]),
        ("sergey.petrov@dnevnik.test", StaffMember.Role.REGISTRAR, None),
    ]
    for email, role, school_class in staff:
        account = _account(email)
        if account is not None:
            StaffMember.objects.get_or_create(school=school, account=account, role=role, school_class=school_class)
    return school
