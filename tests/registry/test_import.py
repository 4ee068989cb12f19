"""Importing the registry: formats, every kind of problem, atomicity, re-import, update in place,
matching, the command, and the PostgreSQL path against the ORM path on the same files."""

from __future__ import annotations

import csv
import io
import random
import sys
import types
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook  # type: ignore[import-untyped]

from audit.models import AuditEvent
from core.errors import DomainError
from portal.identity import parse_mobile_phone, snils_checksum
from portal.models import User
from registry.importing import COLUMNS, ImportRejected, ImportReport, RowError, import_registry, run_import
from registry.importing.report import MAX_ERRORS
from registry.importing.rows import mobile_phone
from registry.models import Guardian, Pupil, School, SchoolClass, fio_key

pytestmark = pytest.mark.django_db

on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="compares the PostgreSQL path")


def snils(number: int) -> str:
    """A SNILS with a right checksum, spelled as on the card."""
    digits = f"{number:09d}"
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:]} {snils_checksum(digits):02d}"


def digits(spelled: str) -> str:
    return spelled.replace("-", "").replace(" ", "")


PUPIL_SNILS = snils(200_300_401)
MOTHER_SNILS = snils(200_300_402)
OTHER_SNILS = snils(200_300_403)


def row(**cells: Any) -> dict[str, Any]:
    """A pupil with their mother, as a registrar would type them; keyword arguments replace cells."""
    values: dict[str, Any] = {
        "class": "7А",
        "pupil_surname": "Смирнов",
        "pupil_name": "Артём",
        "pupil_patronymic": "Андреевич",
        "pupil_birth_date": "14.03.2013",
        "pupil_snils": PUPIL_SNILS,
        "guardian_surname": "Смирнова",
        "guardian_name": "Ольга",
        "guardian_patronymic": "Игоревна",
        "guardian_relation": "мать",
        "guardian_phone": "+7 916 000-00-01",
        "guardian_email": "Olga.Smirnova@Example.ru",
        "guardian_snils": MOTHER_SNILS,
    }
    values.update(cells)
    return values


NO_GUARDIAN = {name: "" for name in COLUMNS if name.startswith("guardian_")}


def father(**cells: Any) -> dict[str, Any]:
    return row(
        **{
            "guardian_surname": "Смирнов",
            "guardian_name": "Андрей",
            "guardian_patronymic": "Петрович",
            "guardian_relation": "отец",
            "guardian_phone": "8 916 000-00-02",
            "guardian_email": "",
            "guardian_snils": "",
            **cells,
        }
    )


def sister(**cells: Any) -> dict[str, Any]:
    return row(
        **{
            "class": "3Б",
            "pupil_name": "Алиса",
            "pupil_surname": "Смирнова",
            "pupil_patronymic": "Андреевна",
            "pupil_birth_date": "2019-05-02",
            "pupil_snils": "",
            **cells,
        }
    )


def csv_bytes(
    rows: list[dict[str, Any]], *, delimiter: str = ";", bom: bool = False, header: list[str] | None = None
) -> bytes:
    header = list(COLUMNS) if header is None else header
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for values in rows:
        writer.writerow(["" if values.get(name) is None else values.get(name, "") for name in header])
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode()


def xlsx_bytes(rows: list[dict[str, Any] | None], header: list[str] | None = None) -> bytes:
    """``None`` in ``rows`` leaves a blank row, as registrars' spreadsheets often have."""
    header = list(COLUMNS) if header is None else header
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for values in rows:
        sheet.append([None] * len(header) if values is None else [values.get(name) for name in header])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def school() -> School:
    return School.objects.create(code="T-1", name="Тестовая школа № 1")


@pytest.fixture
def other_school() -> School:
    return School.objects.create(code="T-2", name="Тестовая школа № 2")


def run(school: School, data: bytes, filename: str = "registry.csv", **kwargs: Any) -> ImportReport:
    return import_registry(school=school, data=data, filename=filename, **kwargs)


def problems(school: School, data: bytes, filename: str = "registry.csv") -> list[tuple[int, str, str]]:
    with pytest.raises(ImportRejected) as rejected:
        run(school, data, filename)
    assert rejected.value.code == "import_rejected"
    return [(error.row, error.column, error.code) for error in rejected.value.errors]


def assert_nothing_written() -> None:
    assert Pupil.objects.count() == 0
    assert Guardian.objects.count() == 0
    assert SchoolClass.objects.count() == 0
    assert not AuditEvent.objects.filter(action="registry.import").exists()


def counts(report: ImportReport) -> tuple[int, ...]:
    return (
        report.pupils_created,
        report.pupils_updated,
        report.pupils_unchanged,
        report.guardians_created,
        report.guardians_updated,
        report.guardians_unchanged,
        report.classes_created,
    )


# --- A clean file -------------------------------------------------------------------------------


def test_a_clean_file_creates_classes_pupils_and_guardians(school: School) -> None:
    report = run(
        school,
        csv_bytes(
            [
                row(),
                father(),
                sister(),
                row(
                    **{
                        "class": "11 б",
                        "pupil_surname": "Ёлкина",
                        "pupil_name": "Мария",
                        "pupil_patronymic": "",
                        "pupil_birth_date": "01.09.2008",
                        "pupil_snils": "",
                        **NO_GUARDIAN,
                    }
                ),
            ]
        ),
    )

    assert report.rows == 4
    assert counts(report) == (3, 0, 0, 3, 0, 0, 3)
    assert sorted(str(c) for c in SchoolClass.objects.filter(school=school)) == ["11Б", "3Б", "7А"]
    artyom = Pupil.objects.get(snils=digits(PUPIL_SNILS))
    assert (artyom.school, str(artyom.school_class), artyom.birth_date) == (school, "7А", date(2013, 3, 14))
    assert artyom.status == Pupil.Status.STUDYING
    assert artyom.fio_key == fio_key("Смирнов", "Артём", "Андреевич")
    dad, mother = artyom.guardians.order_by("relation")
    assert (dad.relation, dad.phone, dad.email, dad.snils) == ("father", "+79160000002", "", "")
    assert (mother.relation, mother.phone, mother.email, mother.snils) == (
        "mother",
        "+79160000001",
        "olga.smirnova@example.ru",
        digits(MOTHER_SNILS),
    )
    alice = Pupil.objects.get(given_name="Алиса")
    assert alice.snils is None
    assert alice.guardians.get().fio_key == mother.fio_key
    yolkina = Pupil.objects.get(surname="Ёлкина")
    assert yolkina.fio_key == "елкина|мария|"
    assert not yolkina.guardians.exists()
    event = AuditEvent.objects.get(action="registry.import")
    assert event.target == f"registry.school:{school.pk}"
    assert event.data["filename"] == "registry.csv"
    assert (event.data["rows"], event.data["pupils_created"], event.data["guardians_created"]) == (4, 3, 3)


def test_the_documented_sample_imports(school: School) -> None:
    sample = Path(__file__).resolve().parents[2] / "docs" / "registry-sample.csv"
    report = run(school, sample.read_bytes(), sample.name)
    assert counts(report) == (4, 0, 0, 4, 0, 0, 4)
    assert Pupil.objects.get(given_name="Артём").guardians.count() == 2
    assert not Pupil.objects.get(surname="Ёлкина").guardians.exists()


@pytest.mark.parametrize("delimiter", [";", ","])
@pytest.mark.parametrize("bom", [False, True])
def test_csv_with_either_delimiter_with_or_without_bom(school: School, delimiter: str, bom: bool) -> None:
    report = run(school, csv_bytes([row(), father()], delimiter=delimiter, bom=bom))
    assert counts(report) == (1, 0, 0, 2, 0, 0, 1)
    assert Pupil.objects.get().surname == "Смирнов"


def test_header_names_are_trimmed_and_case_insensitive_and_optional_columns_may_be_absent(school: School) -> None:
    header = [" Class ", "PUPIL_SURNAME", "Pupil_Name", "pupil_birth_date"]
    data = csv_bytes(
        [{" Class ": "7А", "PUPIL_SURNAME": "Смирнов", "Pupil_Name": "Артём", "pupil_birth_date": "14.03.2013"}],
        header=header,
    )
    assert counts(run(school, data)) == (1, 0, 0, 0, 0, 0, 1)
    assert Pupil.objects.get().patronymic == ""


@pytest.mark.parametrize("written", ["14.03.2013", "2013-03-14", "4.3.2013"])
def test_dates_as_dd_mm_yyyy_or_iso(school: School, written: str) -> None:
    expected = date(2013, 3, 4) if written == "4.3.2013" else date(2013, 3, 14)
    run(school, csv_bytes([row(pupil_birth_date=written)]))
    assert Pupil.objects.get().birth_date == expected


@pytest.mark.parametrize(
    ("written", "relation"),
    [
        ("мать", "mother"),
        ("Мать", "mother"),
        ("mother", "mother"),
        ("MOTHER", "mother"),
        ("отец", "father"),
        ("father", "father"),
        ("опекун", "guardian"),
        ("Попечитель", "guardian"),
        ("guardian", "guardian"),
        ("законный представитель", "legal_representative"),
        ("Законный  Представитель", "legal_representative"),
        ("legal representative", "legal_representative"),
    ],
)
def test_relations_as_a_registrar_writes_them(school: School, written: str, relation: str) -> None:
    run(school, csv_bytes([row(guardian_relation=written)]))
    assert Guardian.objects.get().relation == relation


@pytest.mark.parametrize(
    ("written", "grade", "letter"),
    [
        ("7А", 7, "А"),
        ("7 А", 7, "А"),
        ("11Б", 11, "Б"),
        ("11б", 11, "Б"),
        ("1-В", 1, "В"),
        (" 5я ", 5, "Я"),
    ],
)
def test_class_spellings(school: School, written: str, grade: int, letter: str) -> None:
    run(school, csv_bytes([row(**{"class": written})]))
    school_class = Pupil.objects.get().school_class
    assert (school_class.grade, school_class.letter) == (grade, letter)


def test_xlsx_with_date_cells_numbers_and_a_blank_row(school: School) -> None:
    excel_date = datetime(2013, 3, 14)  # noqa: DTZ001 - spreadsheet cells know no time zone
    data = xlsx_bytes(
        [
            row(
                pupil_birth_date=excel_date,
                pupil_snils=int(digits(PUPIL_SNILS)),
                guardian_phone=79160000001,
                guardian_snils=float(digits(MOTHER_SNILS)),
            ),
            None,
            father(pupil_birth_date=date(2013, 3, 14), pupil_snils=int(digits(PUPIL_SNILS))),
            sister(pupil_snils=snils(1_234)),  # an old SNILS, from before checksums
        ]
    )
    report = run(school, data, "registry.xlsx")
    assert report.rows == 3
    assert counts(report) == (2, 0, 0, 3, 0, 0, 2)
    artyom = Pupil.objects.get(given_name="Артём")
    assert (artyom.birth_date, artyom.snils) == (date(2013, 3, 14), digits(PUPIL_SNILS))
    assert artyom.guardians.get(relation="mother").phone == "+79160000001"
    assert artyom.guardians.get(relation="mother").snils == digits(MOTHER_SNILS)


def test_xlsx_leading_zeros_of_a_numeric_snils_come_back(school: School) -> None:
    run(school, xlsx_bytes([row(pupil_snils=int(digits(snils(1_234_567))))]), "r.xlsx")
    assert Pupil.objects.get().snils == digits(snils(1_234_567))


def test_xlsx_rows_are_numbered_as_the_spreadsheet_shows_them(school: School) -> None:
    data = xlsx_bytes([row(), None, None, row(pupil_snils="123")])
    assert problems(school, data, "registry.xlsx") == [(5, "pupil_snils", "snils_format")]


# --- Every kind of problem -------------------------------------------------------------------------

FUTURE = (timezone.localdate() + timedelta(days=1)).strftime("%d.%m.%Y")
BAD_CHECKSUM = PUPIL_SNILS[:-1] + str((int(PUPIL_SNILS[-1]) + 1) % 10)


@pytest.mark.parametrize(
    ("column", "value", "code"),
    [
        ("class", "", "class_required"),
        ("class", "7A", "class_format"),  # a Latin A
        ("class", "12А", "class_format"),
        ("class", "0А", "class_format"),
        ("class", "7АБ", "class_format"),
        ("pupil_surname", "", "name_required"),
        ("pupil_surname", "Смирнов2", "name_characters"),
        ("pupil_surname", "Smirnов", "name_mixed_scripts"),
        ("pupil_name", "  ", "name_required"),
        ("pupil_patronymic", "Андреевич!", "name_characters"),
        ("pupil_birth_date", "", "birth_date_required"),
        ("pupil_birth_date", "31.02.2013", "birth_date_format"),
        ("pupil_birth_date", "2013/03/14", "birth_date_format"),
        ("pupil_birth_date", FUTURE, "birth_date_future"),
        ("pupil_birth_date", "01.01.1899", "birth_date_too_old"),
        ("pupil_snils", "123-456", "snils_format"),
        ("pupil_snils", BAD_CHECKSUM, "snils_checksum"),
        ("guardian_surname", "", "guardian_incomplete"),
        ("guardian_name", "", "guardian_incomplete"),
        ("guardian_relation", "", "guardian_incomplete"),
        ("guardian_relation", "тётя", "relation_unknown"),
        ("guardian_name", "Ольга-", "name_characters"),
        ("guardian_phone", "12345", "phone_format"),
        ("guardian_phone", "+7 495 123-45-67", "phone_not_mobile"),
        ("guardian_email", "olga@", "email_format"),
        ("guardian_snils", BAD_CHECKSUM, "snils_checksum"),
    ],
)
def test_each_bad_cell_is_named_and_nothing_is_written(school: School, column: str, value: str, code: str) -> None:
    data = csv_bytes([father(), row(**{column: value}), sister()])
    assert problems(school, data) == [(3, column, code)]
    assert_nothing_written()


def test_a_half_filled_guardian_names_every_missing_cell(school: School) -> None:
    data = csv_bytes([row(**{**NO_GUARDIAN, "guardian_phone": "+7 916 000-00-01"})])
    assert problems(school, data) == [
        (2, "guardian_surname", "guardian_incomplete"),
        (2, "guardian_name", "guardian_incomplete"),
        (2, "guardian_relation", "guardian_incomplete"),
    ]


def test_the_same_snils_on_two_pupils(school: School) -> None:
    data = csv_bytes([row(), sister(pupil_snils=PUPIL_SNILS)])
    assert problems(school, data) == [(3, "pupil_snils", "snils_duplicate")]


def test_a_guardian_with_a_pupils_snils(school: School) -> None:
    data = csv_bytes([row(), father(guardian_snils=PUPIL_SNILS)])
    assert problems(school, data) == [(3, "guardian_snils", "snils_duplicate")]


def test_two_different_guardians_with_one_snils(school: School) -> None:
    data = csv_bytes([row(), father(guardian_snils=MOTHER_SNILS)])
    assert problems(school, data) == [(3, "guardian_snils", "snils_duplicate")]


def test_one_guardian_of_two_children_keeps_one_snils(school: School) -> None:
    report = run(school, csv_bytes([row(), sister()]))
    assert counts(report) == (2, 0, 0, 2, 0, 0, 2)
    assert set(Guardian.objects.values_list("snils", flat=True)) == {digits(MOTHER_SNILS)}


@pytest.mark.parametrize(
    ("cells", "column"),
    [
        ({"class": "8А"}, "class"),
        ({"pupil_snils": OTHER_SNILS}, "pupil_snils"),
        ({"pupil_snils": ""}, "pupil_snils"),
    ],
)
def test_the_same_pupil_with_different_data_in_two_rows(school: School, cells: dict[str, str], column: str) -> None:
    assert problems(school, csv_bytes([row(), father(**cells)])) == [(3, column, "pupil_conflict")]


def test_the_same_pupil_in_two_identical_rows_is_one_pupil(school: School) -> None:
    report = run(school, csv_bytes([row(), row(), father()]))
    assert report.rows == 3
    assert counts(report) == (1, 0, 0, 2, 0, 0, 1)


def test_the_same_guardian_of_a_pupil_with_different_data(school: School) -> None:
    data = csv_bytes([row(), father(), row(guardian_phone="+7 916 999-99-99", guardian_relation="опекун")])
    assert problems(school, data) == [
        (4, "guardian_relation", "guardian_conflict"),
        (4, "guardian_phone", "guardian_conflict"),
    ]


def test_a_snils_of_a_pupil_of_another_school(school: School, other_school: School) -> None:
    run(other_school, csv_bytes([row(pupil_surname="Другой", pupil_snils=PUPIL_SNILS, **NO_GUARDIAN)]))
    assert problems(school, csv_bytes([row(), father()])) == [
        (2, "pupil_snils", "snils_taken"),
        (3, "pupil_snils", "snils_taken"),
    ]
    assert Pupil.objects.filter(school=school).count() == 0


def test_a_guardian_snils_held_by_a_registry_pupil(school: School, other_school: School) -> None:
    run(other_school, csv_bytes([row(pupil_snils=OTHER_SNILS, **NO_GUARDIAN)]))
    assert problems(school, csv_bytes([row(guardian_snils=OTHER_SNILS)])) == [(2, "guardian_snils", "snils_taken")]


def test_every_problem_is_reported_at_once(school: School) -> None:
    data = csv_bytes(
        [
            row(),  # 2 fine
            row(pupil_name="", guardian_phone="12345"),  # 3 two cells
            sister(pupil_birth_date=FUTURE),  # 4
            father(**{"class": "7Z"}),  # 5
            sister(pupil_name="Вера", pupil_snils=PUPIL_SNILS),  # 6 Artyom's SNILS
            row(guardian_email="nope"),  # 7
            father(guardian_relation="дядя"),  # 8
            sister(pupil_name="Ника", pupil_birth_date="2018-01-01", guardian_snils=BAD_CHECKSUM),  # 9
        ]
    )
    assert problems(school, data) == [
        (3, "pupil_name", "name_required"),
        (3, "guardian_phone", "phone_format"),
        (4, "pupil_birth_date", "birth_date_future"),
        (5, "class", "class_format"),
        (6, "pupil_snils", "snils_duplicate"),
        (7, "guardian_email", "email_format"),
        (8, "guardian_relation", "relation_unknown"),
        (9, "guardian_snils", "snils_checksum"),
    ]
    assert_nothing_written()


def test_messages_are_readable_and_translated(school: School) -> None:
    data = csv_bytes([row(pupil_snils=BAD_CHECKSUM)])
    with pytest.raises(ImportRejected) as rejected:
        run(school, data)
    [error] = rejected.value.errors
    with translation.override("en"):
        assert str(error) == (
            "row 2, column pupil_snils: This SNILS has a wrong check number. Please check the digits against your card."
        )
    with translation.override("ru"):
        assert str(error) == (
            "row 2, column pupil_snils: В СНИЛС не сходится контрольное число. Пожалуйста, сверьте цифры с документом."
        )


def test_too_many_problems_are_cut_short(school: School) -> None:
    data = csv_bytes([row(pupil_surname=f"Смирнов{n}") for n in range(MAX_ERRORS + 5)])
    with pytest.raises(ImportRejected) as rejected:
        run(school, data)
    errors = rejected.value.errors
    assert len(errors) == MAX_ERRORS + 1
    assert errors[-1].code == "too_many_errors"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ([c for c in COLUMNS if c != "pupil_birth_date"], [(1, "pupil_birth_date", "column_missing")]),
        ([c for c in COLUMNS if c != "guardian_relation"], [(1, "guardian_relation", "column_missing")]),
        ([*COLUMNS, "pupil_phone"], [(1, "pupil_phone", "column_unknown")]),
        ([*COLUMNS, "Class"], [(1, "class", "column_duplicate")]),
    ],
)
def test_a_bad_header_is_a_problem_of_the_file(school: School, header: list[str], expected: list[Any]) -> None:
    assert problems(school, csv_bytes([row()], header=header)) == expected
    assert_nothing_written()


@pytest.mark.parametrize(
    ("data", "filename", "code"),
    [
        (b"", "registry.csv", "file_empty"),
        (csv_bytes([]), "registry.csv", "file_empty"),
        ("class;pupil_surname\n7А;Смирнов\n".encode("cp1251"), "registry.csv", "file_encoding"),
        (b"PK\x03\x04 not really a zip", "registry.xlsx", "file_format"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 old excel", "registry.xls", "file_format"),
    ],
)
def test_an_unreadable_file(school: School, data: bytes, filename: str, code: str) -> None:
    assert problems(school, data, filename) == [(0, "", code)]
    assert_nothing_written()


# --- Atomicity, re-import, update in place, matching -----------------------------------------------


def test_one_bad_row_among_many_good_ones_writes_nothing(school: School) -> None:
    rows = [
        row(pupil_surname="Смирнов" + "а" * (n + 1), pupil_snils="", guardian_snils="", **{"class": f"{n % 11 + 1}А"})
        for n in range(50)
    ]
    rows.insert(30, row(pupil_surname="Иванов", pupil_snils=BAD_CHECKSUM, guardian_snils=""))
    assert problems(school, csv_bytes(rows)) == [(32, "pupil_snils", "snils_checksum")]
    assert_nothing_written()
    # The rejected import left nothing behind: the same transaction can import the good rows.
    del rows[30]
    assert run(school, csv_bytes(rows)).pupils_created == 50


def test_importing_the_same_file_again_changes_nothing(school: School) -> None:
    data = csv_bytes(
        [
            row(),
            father(),
            sister(),
            row(**{"class": "11Б", "pupil_surname": "Ёлкина", "pupil_snils": "", **NO_GUARDIAN}),
        ]
    )
    run(school, data)
    before = {p.pk: (p.updated_at, p.public_id) for p in Pupil.objects.all()}
    guardians_before = list(Guardian.objects.order_by("pk").values())
    again = run(school, data)
    assert counts(again) == (0, 0, 3, 0, 0, 3, 0)
    assert not again.changed
    assert {p.pk: (p.updated_at, p.public_id) for p in Pupil.objects.all()} == before
    assert list(Guardian.objects.order_by("pk").values()) == guardians_before
    assert AuditEvent.objects.filter(action="registry.import").count() == 2


def test_an_edited_file_updates_in_place(school: School) -> None:
    run(school, csv_bytes([row(), father()]))
    artyom = Pupil.objects.get()
    account = User.objects.create_user(
        "artyom@example.ru", "x", surname="Смирнов", given_name="Артём", phone="+79160000003"
    )
    Pupil.objects.filter(pk=artyom.pk).update(account=account)
    mother = Guardian.objects.get(relation="mother")
    mother_account = User.objects.create_user(
        "olga@example.ru", "x", surname="Смирнова", given_name="Ольга", phone="+79160000001"
    )
    Guardian.objects.filter(pk=mother.pk).update(account=mother_account)

    report = run(
        school,
        csv_bytes(
            [
                row(**{"class": "8А"}, guardian_phone="+7 916 111-11-11", guardian_email=""),
                father(**{"class": "8А"}),
            ]
        ),
    )

    assert counts(report) == (0, 1, 0, 0, 1, 1, 1)
    moved = Pupil.objects.get()
    assert (moved.pk, moved.public_id, moved.account) == (artyom.pk, artyom.public_id, account)
    assert str(moved.school_class) == "8А"
    assert moved.updated_at > artyom.updated_at
    mother.refresh_from_db()
    assert (mother.phone, mother.email, mother.account) == ("+79161111111", "", mother_account)
    assert SchoolClass.objects.filter(school=school).count() == 2  # the old 7А stays


def test_a_pupil_is_matched_by_snils_even_when_renamed(school: School) -> None:
    run(school, csv_bytes([row()]))
    before = Pupil.objects.get()
    report = run(school, csv_bytes([row(pupil_surname="Смирнов-Кузнецов", pupil_birth_date="15.03.2013")]))
    assert (report.pupils_created, report.pupils_updated) == (0, 1)
    after = Pupil.objects.get()
    assert (after.pk, after.surname, after.birth_date) == (before.pk, "Смирнов-Кузнецов", date(2013, 3, 15))
    assert after.fio_key == fio_key("Смирнов-Кузнецов", "Артём", "Андреевич")
    # Guardians belong to the pupil, so the mother is the same record.
    assert (report.guardians_created, report.guardians_unchanged) == (0, 1)


def test_a_pupil_without_snils_is_matched_by_name_and_birth_date(school: School) -> None:
    run(school, csv_bytes([row(pupil_snils="", pupil_surname="ЕЛКИН")]))
    before = Pupil.objects.get()
    report = run(school, csv_bytes([row(pupil_surname="Ёлкин")]))  # now with a SNILS and the ё
    assert (report.pupils_created, report.pupils_updated) == (0, 1)
    after = Pupil.objects.get()
    assert (after.pk, after.surname, after.snils) == (before.pk, "Ёлкин", digits(PUPIL_SNILS))


def test_a_different_birth_date_without_snils_is_a_different_pupil(school: School) -> None:
    run(school, csv_bytes([row(pupil_snils="")]))
    report = run(school, csv_bytes([row(pupil_snils="", pupil_birth_date="14.03.2014")]))
    assert report.pupils_created == 1
    assert Pupil.objects.count() == 2


def test_a_namesake_in_another_school_is_not_matched(school: School, other_school: School) -> None:
    run(other_school, csv_bytes([row(pupil_snils="")]))
    assert run(school, csv_bytes([row(pupil_snils="")])).pupils_created == 1
    assert Pupil.objects.filter(school=other_school).count() == 1


def test_pupils_and_guardians_the_file_does_not_name_stay(school: School) -> None:
    run(school, csv_bytes([row(), father(), sister()]))
    report = run(school, csv_bytes([sister(**NO_GUARDIAN)]))
    assert counts(report) == (0, 0, 1, 0, 0, 0, 0)
    assert (Pupil.objects.count(), Guardian.objects.count()) == (2, 3)


# --- Progress, linking after commit -----------------------------------------------------------------


def test_progress_is_reported(school: School) -> None:
    calls: list[tuple[int, int]] = []
    rows = [
        row(
            pupil_surname="Смирнов" + "а" * (n % 40),
            pupil_birth_date=f"{n % 28 + 1:02d}.03.2013",
            pupil_snils="",
            guardian_snils="",
        )
        for n in range(2500)
    ]
    run(school, csv_bytes(rows), progress=lambda done, total: calls.append((done, total)))
    assert calls[0] == (0, 2500)
    assert (1000, 2500) in calls
    assert calls[-1] == (2500, 2500)


@pytest.fixture
def link_task(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """A stand-in for ``registry.tasks.link_known_guardians`` that records what it was asked."""
    asked: list[dict[str, Any]] = []
    module = types.ModuleType("registry.tasks")
    module.link_known_guardians = types.SimpleNamespace(  # type: ignore[attr-defined]
        enqueue=lambda **kwargs: asked.append(kwargs)
    )
    monkeypatch.setitem(sys.modules, "registry.tasks", module)
    return asked


def test_linking_is_asked_for_after_commit(
    school: School, link_task: list[dict[str, Any]], django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        run(school, csv_bytes([row()]))
        assert link_task == []  # not before the commit
    assert link_task == [{"school_id": school.pk}]
    with django_capture_on_commit_callbacks(execute=True):
        run(school, csv_bytes([row()]))  # nothing changed, nothing new to link
    assert link_task == [{"school_id": school.pk}]


def test_imports_work_without_the_linking_task(
    school: School, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    monkeypatch.setitem(sys.modules, "registry.tasks", None)  # as if the module did not exist
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        run(school, csv_bytes([row()]))
    assert callbacks == []


def test_the_linking_task_links_a_registered_mother_after_the_import(
    school: School, register: Callable[..., Any], django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    mother = register()  # Смирнова Ольга Игоревна, +7 912 345-67-89 confirmed
    with django_capture_on_commit_callbacks(execute=True):
        run(school, csv_bytes([row(guardian_phone="+7 912 345-67-89", guardian_email="", guardian_snils="")]))
    assert Guardian.objects.get().account == mother


def test_a_rejected_file_asks_for_nothing(
    school: School, link_task: list[dict[str, Any]], django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ImportRejected):
        run(school, csv_bytes([row(pupil_snils="1")]))
    assert link_task == []


# --- The command --------------------------------------------------------------------------------


@pytest.fixture
def sample(tmp_path: Any) -> Callable[..., str]:
    def _write(rows: list[dict[str, Any]], name: str = "registry.csv") -> str:
        path = tmp_path / name
        path.write_bytes(xlsx_bytes(list(rows)) if name.endswith(".xlsx") else csv_bytes(rows))
        return str(path)

    return _write


def test_the_command_imports_and_prints_the_report(school: School, sample: Callable[..., str]) -> None:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_registry", sample([row(), father(), sister()]), school="T-1", stdout=out, stderr=err)
    assert out.getvalue().splitlines() == [
        "Imported registry.csv into T-1 (Тестовая школа № 1): 3 rows.",
        "Pupils: 2 created, 0 updated, 0 unchanged.",
        "Guardians: 3 created, 0 updated, 0 unchanged.",
        "Classes created: 2.",
    ]
    assert "rows" in err.getvalue()  # the progress bar
    assert Pupil.objects.count() == 2


def test_the_command_reads_xlsx(school: School, sample: Callable[..., str]) -> None:
    out = io.StringIO()
    call_command("import_registry", sample([row()], "registry.xlsx"), school="T-1", stdout=out, verbosity=0)
    assert "Pupils: 1 created" in out.getvalue()


def test_the_command_prints_every_problem_and_fails(school: School, sample: Callable[..., str]) -> None:
    err = io.StringIO()
    path = sample([row(), row(pupil_snils=BAD_CHECKSUM, pupil_name=""), sister(guardian_relation="тётя")])
    with translation.override("en"), pytest.raises(CommandError) as failed:
        call_command("import_registry", path, school="T-1", stderr=err, verbosity=0)
    assert failed.value.returncode == 1
    assert "3 problem(s)" in str(failed.value)
    assert err.getvalue().splitlines() == [
        "row 3, column pupil_name: This field is required.",
        "row 3, column pupil_snils: This SNILS has a wrong check number. Please check the digits against your card.",
        "row 4, column guardian_relation: Write the relation as мать, отец, опекун, попечитель or законный "
        "представитель (or mother, father, guardian, legal representative).",
    ]
    assert_nothing_written()


def test_the_command_refuses_an_unknown_school(school: School, sample: Callable[..., str]) -> None:
    with pytest.raises(CommandError, match="No school has the code 'NOPE'") as failed:
        call_command("import_registry", sample([row()]), school="NOPE")
    assert failed.value.returncode == 1
    assert_nothing_written()


def test_the_command_refuses_a_missing_file(school: School, tmp_path: Any) -> None:
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_registry", str(tmp_path / "missing.csv"), school="T-1")


# --- Scale, and the two write paths agree ------------------------------------------------------------


def generated_rows(count: int, *, seed: int = 7, start: int = 0) -> list[dict[str, Any]]:
    """``count`` pupils in 33 classes, most with one or two guardians, some siblings, some without SNILS."""
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    letters = "АБВ"
    for n in range(start, start + count):
        surname = "Иванов" + "".join(rng.choice("абвгдежзиклмнопрстуф") for _ in range(6))
        pupil = {
            "class": f"{n % 11 + 1}{letters[n % 3]}",
            "pupil_surname": surname,
            "pupil_name": rng.choice(["Иван", "Пётр", "Олег", "Илья"]),
            "pupil_patronymic": rng.choice(["Иванович", "Петрович", ""]),
            "pupil_birth_date": (date(2008, 9, 1) + timedelta(days=rng.randrange(365 * 11))).strftime(
                rng.choice(["%d.%m.%Y", "%Y-%m-%d"])
            ),
            "pupil_snils": snils(300_000_000 + n) if n % 4 else "",
        }
        guardians = rng.choice([0, 1, 2, 2])
        if not guardians:
            rows.append({**pupil, **NO_GUARDIAN})
        for g in range(guardians):
            rows.append(
                {
                    **pupil,
                    "guardian_surname": surname + ("а" if g == 0 else ""),
                    "guardian_name": "Мария" if g == 0 else "Иван",
                    "guardian_patronymic": "",
                    "guardian_relation": ("мать", "отец")[g],
                    "guardian_phone": f"+7 916 {n:07d}",
                    "guardian_email": f"parent{n}-{g}@example.ru" if n % 2 else "",
                    "guardian_snils": snils(400_000_000 + 2 * n + g) if n % 3 == 0 else "",
                }
            )
    return rows


def test_a_few_thousand_rows_stay_fast(school: School, django_assert_max_num_queries: Any) -> None:
    rows = generated_rows(3000)
    data = csv_bytes(rows)
    started = timezone.now()
    # Writes go in batches (SQLite takes 999 parameters a query); reads never go row by row.
    with django_assert_max_num_queries(150):
        report = run(school, data)
    assert report.pupils_created == 3000
    assert report.rows == len(rows)
    with django_assert_max_num_queries(40):
        again = run(school, data)
    assert (again.pupils_unchanged, again.guardians_created, again.guardians_updated) == (3000, 0, 0)
    assert timezone.now() - started < timedelta(seconds=60)


def snapshot(school: School, known: tuple[int, int]) -> dict[str, Any]:
    """A school's registry in terms both write paths must agree on: pupils and guardians that existed
    (ids up to ``known``) by their id, new ones without (their ids and public ids differ between runs)."""
    pupils = {
        (p.fio_key, p.birth_date): (
            p.surname,
            p.given_name,
            p.patronymic,
            p.snils,
            str(p.school_class),
            p.status,
            p.pk if p.pk <= known[0] else None,
        )
        for p in Pupil.objects.filter(school=school).select_related("school_class")
    }
    guardians = sorted(
        (
            g.pupil.fio_key,
            str(g.pupil.birth_date),
            g.fio_key,
            g.surname,
            g.given_name,
            g.patronymic,
            g.relation,
            g.phone,
            g.email,
            g.snils,
            g.pk if g.pk <= known[1] else None,
        )
        for g in Guardian.objects.filter(pupil__school=school).select_related("pupil")
    )
    classes = sorted(str(c) for c in SchoolClass.objects.filter(school=school))
    return {"pupils": pupils, "guardians": guardians, "classes": classes}


class _Undo(Exception):
    pass


def outcome(school: School, data: bytes, engine: Any) -> tuple[Any, Any]:
    """What an import on ``engine`` reports and leaves (then undone): counts and the registry, or the errors."""
    known = (
        Pupil.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
        Guardian.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
    )
    result: tuple[Any, Any] = ((), None)
    try:
        with transaction.atomic():
            try:
                report = run_import(
                    school=school, data=data, filename="f.csv", actor=None, progress=None, engine=engine
                )
                result = (counts(report), snapshot(school, known))
            except ImportRejected as rejected:
                result = ([(e.row, e.column, e.code) for e in rejected.errors], None)
            raise _Undo
    except _Undo:
        pass
    return result


def edited(rows: list[dict[str, Any]], rng: random.Random) -> list[dict[str, Any]]:
    """The same registry a term later: some pupils moved or renamed (in all their rows), new phones."""
    edits: dict[tuple[str, str], dict[str, str]] = {}
    result = []
    for values in rows:
        pupil = (values["pupil_surname"], values["pupil_birth_date"])
        if pupil not in edits:
            pick = rng.random()
            edits[pupil] = (
                {"class": "11Я"}
                if pick < 0.05
                else {"pupil_surname": values["pupil_surname"] + "ин"}
                if pick < 0.08 and values["pupil_snils"]
                else {}
            )
        values = {**values, **edits[pupil]}
        if values["guardian_surname"] and rng.random() < 0.05:
            values["guardian_phone"] = f"+7 999 {rng.randrange(10**7):07d}"
        result.append(values)
    return result


@on_postgres
def test_the_postgres_path_agrees_with_the_orm_path(school: School, other_school: School) -> None:
    rows = generated_rows(600)
    taken = rows[-1]["pupil_snils"] or rows[-2]["pupil_snils"]
    run(other_school, csv_bytes([row(pupil_snils=taken, **NO_GUARDIAN)]))
    clean = [r for r in rows if r["pupil_snils"] != taken]
    broken = [dict(r) for r in rows[:200]] + [dict(r) for r in rows if r["pupil_snils"] == taken]
    with_snils = [n for n, r in enumerate(broken) if r["pupil_snils"]]
    broken[with_snils[0]]["pupil_snils"] = broken[with_snils[5]]["pupil_snils"]  # two pupils, one SNILS
    broken[11]["class"] = "12А"  # a bad cell
    with_guardian = [n for n, r in enumerate(broken) if r["guardian_surname"]]
    broken[with_guardian[3]]["guardian_snils"] = broken[with_snils[7]]["pupil_snils"]  # a guardian with it too
    broken.append({**broken[50], "class": "1Я"})  # the same pupil in another class
    broken.append({**broken[with_guardian[9]], "guardian_phone": "+7 916 555-55-55"})  # the same guardian
    broken.append({**broken[with_guardian[10]], "guardian_snils": taken})  # a SNILS of another school's pupil

    for name, data in (("clean", csv_bytes(clean)), ("broken", csv_bytes(broken))):
        orm, postgres = outcome(school, data, "orm"), outcome(school, data, "postgres")
        assert orm == postgres, name
    errors = outcome(school, csv_bytes(broken), "postgres")[0]
    assert {code for _row, _column, code in errors} == {
        "class_format",
        "snils_duplicate",
        "pupil_conflict",
        "guardian_conflict",
        "snils_taken",
    }

    # With the registry filled, the same file changes nothing and an edited one updates in place alike.
    run_import(school=school, data=csv_bytes(clean), filename="f.csv", actor=None, progress=None, engine="orm")
    later = edited(clean, random.Random(11)) + generated_rows(50, seed=99, start=5000)
    for name, data in (("again", csv_bytes(clean)), ("edited", csv_bytes(later))):
        orm, postgres = outcome(school, data, "orm"), outcome(school, data, "postgres")
        assert orm == postgres, name
    pupils_created, pupils_updated, _same, _new, guardians_updated, *_rest = outcome(
        school, csv_bytes(later), "postgres"
    )[0]
    assert (pupils_created, pupils_updated > 20, guardians_updated > 10) == (50, True, True)


def phone_answer(parse: Callable[[str], str], text: str) -> str:
    try:
        return parse(text)
    except DomainError as error:
        return error.code


spellings = st.builds(
    lambda prefix, national, seps: (
        prefix + seps[0] + national[:3] + seps[1] + national[3:6] + seps[2] + national[6:8] + seps[3] + national[8:]
    ),
    st.sampled_from(["+7", "8", "7", "", "+8", "+", "(+7)", "07"]),
    st.integers(min_value=0, max_value=10**10 - 1).map(lambda n: f"{n:010d}")
    | st.integers(min_value=9_000_000_000, max_value=9_999_999_999).map(str),
    st.lists(st.sampled_from(["", " ", "-", "(", ")", "\xa0", ".", "  "]), min_size=4, max_size=4),
)


@given(text=spellings | st.text(alphabet="+0123456789 -()", max_size=16))
def test_the_phone_shortcut_answers_as_the_portal_parser(text: str) -> None:
    assert phone_answer(mobile_phone, text) == phone_answer(parse_mobile_phone, text)


@pytest.mark.parametrize("text", ["+7 930 002-16-22", "+7 930 001-00-00", "8 (916) 123-45-67", "+7 940 123-45-67"])
def test_the_phone_shortcut_on_edges_of_the_numbering_plan(text: str) -> None:
    assert phone_answer(mobile_phone, text) == phone_answer(parse_mobile_phone, text)


def test_row_error_is_a_plain_value() -> None:
    error = RowError(3, "class", "class_format", "Bad")
    assert str(error) == "row 3, column class: Bad"
    assert str(RowError(0, "", "file_empty", "Empty")) == "file: Empty"
