"""SNILS, phones and names: the parsing every form and the API rely on."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from core.errors import DomainError
from portal.identity import (
    format_snils,
    is_valid_snils,
    name_key,
    parse_mobile_phone,
    parse_name,
    parse_snils,
    snils_checksum,
)
from portal.login import resolve_login

nine_digits = st.integers(min_value=1_001_999, max_value=999_999_999).map(lambda n: f"{n:09d}")


def reference_checksum(number: str) -> int:
    """The rule as the Pension Fund publishes it, written out independently of the module."""
    total = 0
    for position, digit in enumerate(reversed(number), start=1):
        total += int(digit) * position
    while total > 101:
        total %= 101
    return 0 if total in (100, 101) else total


@pytest.mark.parametrize(
    ("snils", "valid"),
    [
        ("11223344595", True),  # the example from the issue
        ("11223344596", False),
        ("08765430300", True),  # weighted sum 202, and 202 % 101 = 0
        ("00100199800", True),  # numbers up to 001-001-998 carry no checksum
        ("00100199812", True),
        ("00100199900", False),  # the first number that has one
        ("1122334459", False),
        ("1122334459a", False),
    ],
)
def test_known_snils(snils: str, valid: bool) -> None:
    assert is_valid_snils(snils) is valid


@given(nine_digits)
def test_checksum_matches_reference(number: str) -> None:
    assert snils_checksum(number) == reference_checksum(number)


@given(nine_digits)
def test_a_number_with_its_checksum_is_valid_and_any_other_check_is_not(number: str) -> None:
    check = snils_checksum(number)
    assert is_valid_snils(f"{number}{check:02d}")
    for wrong in {(check + 1) % 100, (check + 37) % 100}:
        assert not is_valid_snils(f"{number}{wrong:02d}")


@given(nine_digits, st.integers(min_value=0, max_value=8), st.integers(min_value=1, max_value=9))
@example("001417489", 8, 9)  # sums 101 and 100: both check to 00
def test_a_single_changed_digit_is_caught(number: str, position: int, delta: int) -> None:
    snils = f"{number}{snils_checksum(number):02d}"
    changed = number[:position] + str((int(number[position]) + delta) % 10) + number[position + 1 :]
    if int(changed) <= 1_001_998:
        return
    if snils_checksum(changed) == int(snils[9:]):
        # The algorithm's one blind spot: weighted sums of 100, 101 and those ≡ 0 or 100 (mod 101) all
        # check to 00, and one changed digit can move a sum between two of them (say 100 → 101).
        assert snils[9:] == "00"
        return
    assert not is_valid_snils(f"{changed}{snils[9:]}")


@given(nine_digits)
def test_every_common_spelling_parses_to_the_same_digits(number: str) -> None:
    digits = f"{number}{snils_checksum(number):02d}"
    spellings = [
        digits,
        format_snils(digits),
        format_snils(digits).replace(" ", "-"),
        f"{digits[:3]} {digits[3:6]} {digits[6:9]} {digits[9:]}",
        f"  {format_snils(digits)}  ",
    ]
    for spelling in spellings:
        assert parse_snils(spelling) == digits
        assert resolve_login(spelling).snils == digits


def test_snils_errors_have_stable_codes() -> None:
    with pytest.raises(DomainError) as short:
        parse_snils("123")
    assert (short.value.code, short.value.field) == ("snils_format", "snils")
    with pytest.raises(DomainError) as checksum:
        parse_snils("112-233-445 96")
    assert checksum.value.code == "snils_checksum"


@pytest.mark.parametrize(
    "spelling",
    [
        "89123456789",
        "8 (912) 345-67-89",
        "+7 912 345 67 89",
        "79123456789",
        "+79123456789",
        "8-912-345-67-89",
        "9123456789",
    ],
)
def test_phone_spellings_normalise_to_e164(spelling: str) -> None:
    assert parse_mobile_phone(spelling) == "+79123456789"


@pytest.mark.parametrize(
    ("spelling", "code"),
    [
        ("+7 495 123-45-67", "phone_not_mobile"),
        ("8 495 123 45 67", "phone_not_mobile"),
        ("+44 7911 123456", "phone_not_mobile"),
        ("12345", "phone_format"),
        ("телефон", "phone_format"),
        ("", "phone_required"),
    ],
)
def test_bad_phones(spelling: str, code: str) -> None:
    with pytest.raises(DomainError) as error:
        parse_mobile_phone(spelling)
    assert error.value.code == code


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Салтыков-Щедрин ", "Салтыков-Щедрин"),
        ("О’Коннор", "О'Коннор"),
        ("d'Artagnan", "d'Artagnan"),
        ("Гусейн  оглы", "Гусейн оглы"),
        ("Семён", "Семён"),
    ],
)
def test_names_are_tidied(raw: str, expected: str) -> None:
    assert parse_name(raw, field="surname") == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("Иванов2", "name_characters"),
        ("-Иванов", "name_characters"),
        ("Ивaнов", "name_mixed_scripts"),
        ("", "name_required"),
        ("Я" * 101, "name_too_long"),
    ],
)
def test_bad_names(raw: str, code: str) -> None:
    with pytest.raises(DomainError) as error:
        parse_name(raw, field="surname")
    assert (error.value.code, error.value.field) == (code, "surname")


def test_names_compare_without_case_and_yo() -> None:
    assert name_key("СЕМЁНОВА") == name_key("семенова")
    assert name_key("Семёнова") != name_key("Семинова")
