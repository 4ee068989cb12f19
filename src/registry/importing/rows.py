"""One row of a registry file: its cells checked and brought to the form the registry stores.

Every cell is judged by the same ``portal.identity`` parsers the portal uses for people, so a SNILS
or a phone the import accepts is one a person can later type to be matched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import phonenumbers
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from portal import identity
from registry.importing.reading import Cells
from registry.importing.report import RowError
from registry.models import Guardian, fio_key

(
    CLASS,
    PUPIL_SURNAME,
    PUPIL_NAME,
    PUPIL_PATRONYMIC,
    PUPIL_BIRTH_DATE,
    PUPIL_SNILS,
    GUARDIAN_SURNAME,
    GUARDIAN_NAME,
    GUARDIAN_PATRONYMIC,
    GUARDIAN_RELATION,
    GUARDIAN_PHONE,
    GUARDIAN_EMAIL,
    GUARDIAN_SNILS,
) = range(13)

_CLASS = re.compile(r"(\d{1,2})\s*-?\s*([А-Яа-я])")
_DMY = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ]00:00(?::00)?)?")
_EMAIL_MAX_LENGTH = 254

Relation = Guardian.Relation
# As registrars write them; compared by ``relation_key`` (case, ё, underscores and spaces folded).
RELATIONS: dict[str, str] = {
    "мать": Relation.MOTHER.value,
    "мама": Relation.MOTHER.value,
    "mother": Relation.MOTHER.value,
    "отец": Relation.FATHER.value,
    "папа": Relation.FATHER.value,
    "father": Relation.FATHER.value,
    "опекун": Relation.GUARDIAN.value,
    "попечитель": Relation.GUARDIAN.value,
    "guardian": Relation.GUARDIAN.value,
    "законный представитель": Relation.LEGAL_REPRESENTATIVE.value,
    "legal representative": Relation.LEGAL_REPRESENTATIVE.value,
}


def relation_key(text: str) -> str:
    return " ".join(text.casefold().replace("ё", "е").replace("_", " ").split())


@dataclass(frozen=True, slots=True)
class PupilData:
    """A pupil as one row gives them; ``key`` (name key and birth date) says which pupil the row is about."""

    grade: int
    letter: str
    surname: str
    given_name: str
    patronymic: str
    fio_key: str
    birth_date: date
    snils: str | None

    @property
    def key(self) -> tuple[str, date]:
        return (self.fio_key, self.birth_date)


@dataclass(frozen=True, slots=True)
class GuardianData:
    """A guardian as one row gives them; empty optional cells are empty strings, as the model keeps them."""

    surname: str
    given_name: str
    patronymic: str
    fio_key: str
    relation: str
    phone: str
    email: str
    snils: str


@dataclass(frozen=True, slots=True)
class ParsedRow:
    """A row whose pupil cells are all good; ``guardian`` is None when the row names none or names one badly."""

    row: int
    pupil: PupilData
    guardian: GuardianData | None


def text_of(cell: Any) -> str:
    """A cell as text; numbers typed into a spreadsheet (a phone, a SNILS) lose nothing but ``.0``."""
    if cell is None:
        return ""
    if isinstance(cell, str):
        return cell.strip()
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime):
        return cell.date().isoformat() if cell.time() == datetime.min.time() else cell.isoformat()
    return str(cell).strip()


def _snils_text(cell: Any) -> str:
    # A spreadsheet that took a SNILS for a number dropped its leading zeros.
    if isinstance(cell, int | float) and not isinstance(cell, bool) and float(cell).is_integer():
        return str(int(cell)).zfill(identity.SNILS_LENGTH)
    return text_of(cell)


class _Row:
    """Collects the problems of one row while its cells are parsed."""

    def __init__(self, row: int) -> None:
        self.row = row
        self.errors: list[RowError] = []

    def fail(self, column: str, code: str, message: Any) -> None:
        self.errors.append(RowError(self.row, column, code, message))

    def domain(self, column: str, error: DomainError) -> None:
        self.fail(column, error.code, error.message)

    def name(self, column: str, cell: Any, *, required: bool) -> str:
        name, problem = _parsed_name(text_of(cell), required)
        if problem is not None:
            self.fail(column, *problem)
        return name

    def snils(self, column: str, cell: Any) -> str:
        text = _snils_text(cell)
        if not text:
            return ""
        try:
            return identity.parse_snils(text, field=column)
        except DomainError as error:
            self.domain(column, error)
            return ""


def parse_row(row: int, cells: Cells, *, today: date) -> tuple[ParsedRow | None, list[RowError]]:
    """The row's pupil (and guardian, if any) and every problem found in its cells."""
    check = _Row(row)
    grade, letter = _parse_class(check, cells[CLASS])
    surname = check.name("pupil_surname", cells[PUPIL_SURNAME], required=True)
    given_name = check.name("pupil_name", cells[PUPIL_NAME], required=True)
    patronymic = check.name("pupil_patronymic", cells[PUPIL_PATRONYMIC], required=False)
    birth_date = _parse_birth_date(check, cells[PUPIL_BIRTH_DATE], today=today)
    snils = check.snils("pupil_snils", cells[PUPIL_SNILS])
    pupil_ok = not check.errors
    guardian = _parse_guardian(check, cells)
    if not pupil_ok or birth_date is None:
        return None, check.errors
    pupil = PupilData(
        grade,
        letter,
        surname,
        given_name,
        patronymic,
        fio_key(surname, given_name, patronymic),
        birth_date,
        snils or None,
    )
    return ParsedRow(row, pupil, guardian), check.errors


def _parse_class(check: _Row, cell: Any) -> tuple[int, str]:
    text = text_of(cell)
    if not text:
        check.fail("class", "class_required", _("Enter the class, for example 7А."))
        return 0, ""
    found = _CLASS.fullmatch(text)
    if found is None or not 1 <= int(found.group(1)) <= 11:
        check.fail(
            "class",
            "class_format",
            _("Write the class as a grade from 1 to 11 and a Cyrillic letter, for example 7А or 11 Б."),
        )
        return 0, ""
    return int(found.group(1)), found.group(2).upper()


def _parse_birth_date(check: _Row, cell: Any, *, today: date) -> date | None:
    column = "pupil_birth_date"
    value = _date_of(cell)
    if value is None:
        if text_of(cell):
            check.fail(
                column, "birth_date_format", _("Write the date as DD.MM.YYYY or YYYY-MM-DD, for example 01.09.2015.")
            )
        else:
            check.fail(column, "birth_date_required", _("Enter the birth date."))
        return None
    try:
        return identity.parse_birth_date(value, today=today, field=column)
    except DomainError as error:
        check.domain(column, error)
        return None


def _date_of(cell: Any) -> date | None:
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    text = text_of(cell)
    if found := _DMY.fullmatch(text):
        day, month, year = found.groups()
    elif found := _ISO.fullmatch(text):
        year, month, day = found.groups()
    else:
        return None
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def _parse_guardian(check: _Row, cells: Cells) -> GuardianData | None:
    if all(not text_of(cells[position]) for position in range(GUARDIAN_SURNAME, GUARDIAN_SNILS + 1)):
        return None
    errors_before = len(check.errors)
    required = (
        ("guardian_surname", GUARDIAN_SURNAME),
        ("guardian_name", GUARDIAN_NAME),
        ("guardian_relation", GUARDIAN_RELATION),
    )
    for column, position in required:
        if not text_of(cells[position]):
            check.fail(
                column,
                "guardian_incomplete",
                _("Fill in this guardian cell too, or leave all guardian cells of the row empty."),
            )
    surname = check.name("guardian_surname", cells[GUARDIAN_SURNAME], required=False)
    given_name = check.name("guardian_name", cells[GUARDIAN_NAME], required=False)
    patronymic = check.name("guardian_patronymic", cells[GUARDIAN_PATRONYMIC], required=False)
    relation_text = text_of(cells[GUARDIAN_RELATION])
    relation = RELATIONS.get(relation_key(relation_text), "")
    if relation_text and not relation:
        check.fail(
            "guardian_relation",
            "relation_unknown",
            _(
                "Write the relation as мать, отец, опекун, попечитель or законный представитель "
                "(or mother, father, guardian, legal representative)."
            ),
        )
    phone = _parse_phone(check, cells[GUARDIAN_PHONE])
    email = _parse_email(check, cells[GUARDIAN_EMAIL])
    snils = check.snils("guardian_snils", cells[GUARDIAN_SNILS])
    if len(check.errors) > errors_before:
        return None
    return GuardianData(
        surname, given_name, patronymic, fio_key(surname, given_name, patronymic), relation, phone, email, snils
    )


def _parse_phone(check: _Row, cell: Any) -> str:
    text = text_of(cell)
    if not text:
        return ""
    try:
        return mobile_phone(text)
    except DomainError as error:
        check.domain("guardian_phone", error)
        return ""


def _parse_email(check: _Row, cell: Any) -> str:
    text = text_of(cell)
    if not text:
        return ""
    try:
        email = identity.parse_email(text, field="guardian_email")
    except DomainError as error:
        check.domain("guardian_email", error)
        return ""
    if len(email) > _EMAIL_MAX_LENGTH:
        check.fail("guardian_email", "email_format", _("Enter a valid email address."))
        return ""
    return email


_PHONE_SEPARATORS = re.compile(r"[\s\-()]")
_RU_MOBILE_SPELLING = re.compile(r"(?:\+7|8|7)?(9\d{9})")


def _ru_mobile_pattern() -> re.Pattern[str]:
    """The numbers phonenumbers holds valid Russian mobiles (every +7 9… number is Russia's, not Kazakhstan's)."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region("RU")
    pattern = metadata.mobile.national_number_pattern if metadata and metadata.mobile else None
    if not pattern:
        raise RuntimeError("phonenumbers has no pattern of Russian mobile numbers")
    return re.compile(pattern)


_RU_MOBILE_NUMBER = _ru_mobile_pattern()


def mobile_phone(text: str) -> str:
    """``identity.parse_mobile_phone``, with a shortcut for the usual spellings of a Russian mobile.

    Parsing a spelling is most of the cost of a registry row; the common ones (``+7 916 123-45-67``,
    ``8 (916) 1234567``, ``9161234567``) are read here and checked against phonenumbers' own pattern
    of Russian mobiles; anything else goes to the portal's parser. A test holds the two to the same answers.
    """
    found = _RU_MOBILE_SPELLING.fullmatch(_PHONE_SEPARATORS.sub("", text))
    if found is not None and _RU_MOBILE_NUMBER.fullmatch(found.group(1)):
        return f"+7{found.group(1)}"
    return identity.parse_mobile_phone(text, field="guardian_phone")


@lru_cache(maxsize=65536)
def _parsed_name(text: str, required: bool) -> tuple[str, tuple[str, Any] | None]:
    """Names repeat a lot in a registry (Иван, Петрович…), so each spelling is judged once:
    the name, or the code and message of its problem."""
    try:
        return identity.parse_name(text, field="name", required=required), None
    except DomainError as error:
        return "", (error.code, error.message)
