"""The identifiers a person is known by on the portal: SNILS, mobile phone, names and email.

Each ``parse_*`` takes what a person typed and returns the canonical form stored in the database,
or raises ``DomainError`` with a stable code and a message in the active language. Every form and
the API use these functions, so a SNILS or a phone is understood the same way everywhere.

SNILS (СНИЛС) is the 11-digit Russian individual insurance account number: nine digits and a
two-digit checksum. No maintained library checks it (python-stdnum has no SNILS module), hence
this one.
"""

from __future__ import annotations

import re
from datetime import date

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from portal.errors import PortalCode

SNILS_LENGTH = 11
# Numbers up to 001-001-998 were issued before the checksum existed and carry none.
SNILS_UNCHECKED_MAX = 1_001_998
_SNILS_SEPARATORS = re.compile(r"[\s\-]")


def snils_checksum(number: str) -> int:
    """The two check digits for the first nine digits of a SNILS."""
    total = sum(int(digit) * weight for digit, weight in zip(number, range(9, 0, -1), strict=True))
    if total < 100:
        return total
    if total in (100, 101):
        return 0
    remainder = total % 101
    return 0 if remainder == 100 else remainder


def is_valid_snils(digits: str) -> bool:
    """True for 11 digits whose checksum is right (or whose number predates checksums)."""
    if len(digits) != SNILS_LENGTH or not digits.isdigit():
        return False
    number, check = digits[:9], int(digits[9:])
    if int(number) <= SNILS_UNCHECKED_MAX:
        return True
    return snils_checksum(number) == check


def normalize_snils_spelling(raw: str) -> str | None:
    """The 11 digits of a SNILS written as ``112-233-445 95``, ``11223344595`` and the like."""
    digits = _SNILS_SEPARATORS.sub("", raw.strip())
    if len(digits) == SNILS_LENGTH and digits.isdigit():
        return digits
    return None


def parse_snils(raw: str, *, field: str = "snils") -> str:
    digits = normalize_snils_spelling(raw)
    if digits is None:
        raise DomainError(
            PortalCode.SNILS_FORMAT, _("SNILS must have 11 digits, for example 112-233-445 95."), field=field
        )
    if not is_valid_snils(digits):
        raise DomainError(
            PortalCode.SNILS_CHECKSUM,
            _("This SNILS has a wrong check number. Please check the digits against your card."),
            field=field,
        )
    return digits


def format_snils(digits: str) -> str:
    """The spelling printed on the card: ``112-233-445 95``."""
    return f"{digits[0:3]}-{digits[3:6]}-{digits[6:9]} {digits[9:11]}"


def parse_mobile_phone(raw: str, *, field: str = "phone") -> str:
    """A Russian mobile number in E.164 (``+79…``) from ``8 912…``, ``7912…`` or ``+7 (912) …``."""
    text = raw.strip()
    if not text:
        raise DomainError(PortalCode.PHONE_REQUIRED, _("Enter a mobile phone number."), field=field)
    try:
        number = phonenumbers.parse(text, "RU")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise DomainError(PortalCode.PHONE_FORMAT, _("Enter a phone number such as +7 912 345-67-89."), field=field)
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if not e164.startswith("+79"):
        raise DomainError(
            PortalCode.PHONE_NOT_MOBILE,
            _("Enter a Russian mobile number starting with +7 9: codes are sent by SMS."),
            field=field,
        )
    return e164


def format_phone(e164: str) -> str:
    number = phonenumbers.parse(e164, None)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


_CYRILLIC = "А-Яа-яЁё"
_LATIN = "A-Za-z"
_NAME_PART = rf"[{_CYRILLIC}{_LATIN}]+"
_NAME = re.compile(rf"^{_NAME_PART}(?:(?:-|'| ){_NAME_PART})*$")
NAME_MAX_LENGTH = 100


def parse_name(raw: str, *, field: str, required: bool = True) -> str:
    """A surname, given name or patronymic: Cyrillic or Latin letters, hyphens, apostrophes, spaces."""
    text = " ".join(raw.replace("’", "'").replace("ʼ", "'").split())
    if not text:
        if required:
            raise DomainError(PortalCode.NAME_REQUIRED, _("This field is required."), field=field)
        return ""
    if len(text) > NAME_MAX_LENGTH:
        raise DomainError(PortalCode.NAME_TOO_LONG, _("A name cannot be longer than 100 characters."), field=field)
    if not _NAME.match(text):
        raise DomainError(
            PortalCode.NAME_CHARACTERS,
            _("Use only letters (Cyrillic or Latin), hyphens, apostrophes and spaces."),
            field=field,
        )
    if re.search(f"[{_CYRILLIC}]", text) and re.search(f"[{_LATIN}]", text):
        raise DomainError(
            PortalCode.NAME_MIXED_SCRIPTS,
            _("The name mixes Cyrillic and Latin letters; type it in one alphabet."),
            field=field,
        )
    return text


def name_key(name: str) -> str:
    """How names are compared: case-insensitive, ё equal to е, spaces folded."""
    return " ".join(name.casefold().replace("ё", "е").split())


def parse_email(raw: str, *, field: str = "email") -> str:
    text = raw.strip().lower()
    try:
        validate_email(text)
    except ValidationError:
        raise DomainError(PortalCode.EMAIL_FORMAT, _("Enter a valid email address."), field=field) from None
    return text


def parse_birth_date(value: date | None, *, today: date, field: str = "birth_date") -> date | None:
    if value is None:
        return None
    if value > today:
        raise DomainError(PortalCode.BIRTH_DATE_FUTURE, _("The birth date cannot be in the future."), field=field)
    if value.year < 1900:
        raise DomainError(
            PortalCode.BIRTH_DATE_TOO_OLD, _("Check the birth date: the year is before 1900."), field=field
        )
    return value


def age_on(birth_date: date, day: date) -> int:
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years
