"""Registration through the web form: every validation error, duplicates, and the codes it sends."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from core import sms
from portal.models import User
from tests.conftest import PASSWORD, registration_data
from tests.snils import verify_through_pension_fund


def field_errors(response: Any) -> dict[str, list[str]]:
    form = response.context["form"]
    return {field: [error.code for error in errors.as_data()] for field, errors in form.errors.items()}


def test_registration_creates_an_unconfirmed_account_and_sends_both_codes(web: Any) -> None:
    response = web.post("/register/", registration_data())
    assert response.status_code == 302
    assert response["Location"] == "/confirm/"
    user = User.objects.get()
    assert (user.surname, user.given_name, user.patronymic) == ("Смирнова", "Ольга", "Игоревна")
    assert user.email == "olga@example.ru"
    assert user.phone == "+79123456789"
    assert user.snils == "11223344595"
    assert not user.email_confirmed
    assert not user.phone_confirmed
    assert user.password.startswith("argon2")
    assert [message.to for message in mail.outbox] == [["olga@example.ru"]]
    assert [message.to for message in sms.outbox] == ["+79123456789"]
    # The new account is signed in and lands on the confirmation page.
    assert web.get("/confirm/").status_code == 200


def test_patronymic_birth_date_and_snils_are_optional(web: Any) -> None:
    response = web.post("/register/", registration_data(patronymic="", birth_date="", snils=""))
    assert response.status_code == 302
    user = User.objects.get()
    assert (user.patronymic, user.birth_date, user.snils) == ("", None, None)


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"surname": ""}, "surname", "required"),
        ({"surname": "Иванов1"}, "surname", "name_characters"),
        ({"given_name": "Oльга"}, "given_name", "name_mixed_scripts"),
        ({"patronymic": "Игоревна!"}, "patronymic", "name_characters"),
        ({"email": "not-an-email"}, "email", "email_format"),
        ({"email": ""}, "email", "required"),
        ({"phone": "+7 495 123-45-67"}, "phone", "phone_not_mobile"),
        ({"phone": "12345"}, "phone", "phone_format"),
        ({"snils": "112-233-445 96"}, "snils", "snils_checksum"),
        ({"snils": "112-233"}, "snils", "snils_format"),
        ({"birth_date": "2099-01-01"}, "birth_date", "birth_date_future"),
        ({"birth_date": "31.02.2010"}, "birth_date", "invalid"),
        ({"new_password": "12345678", "new_password_again": "12345678"}, None, "password_weak"),
        ({"new_password": "short", "new_password_again": "short"}, None, "password_weak"),
        ({"new_password_again": "Another-Horse-43"}, "new_password_again", "password_mismatch"),
        ({"consent": ""}, "consent", "required"),
    ],
)
def test_each_bad_field_is_named_and_nothing_is_created(
    web: Any, overrides: dict[str, str], field: str | None, code: str
) -> None:
    response = web.post("/register/", registration_data(**overrides))
    assert response.status_code == 200
    errors = field_errors(response)
    if field is None:
        assert code in [c for codes in errors.values() for c in codes], errors
    else:
        assert code in errors.get(field, []), errors
    assert User.objects.count() == 0
    assert mail.outbox == []
    assert sms.outbox == []


def test_all_errors_are_shown_at_once(web: Any) -> None:
    response = web.post("/register/", registration_data(surname="", email="x", phone="1", snils="1"))
    assert set(field_errors(response)) >= {"surname", "email", "phone", "snils"}


def test_errors_are_in_russian_by_default_and_english_on_request(web: Any) -> None:
    russian = web.post("/register/", registration_data(phone="+7 495 123-45-67"))
    english = web.post("/register/", registration_data(phone="+7 495 123-45-67"), HTTP_ACCEPT_LANGUAGE="en")
    assert "мобильный" in russian.content.decode()
    assert "Russian mobile number" in english.content.decode()


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"email": " OLGA@example.RU "}, "email", "email_taken"),
        ({"email": "other@example.ru", "phone": "+79120000000", "snils": "11223344595"}, "snils", "snils_taken"),
        ({"email": "other@example.ru", "snils": "", "phone": "+7 912 345-67-89"}, "phone", "phone_taken"),
    ],
)
def test_duplicates_say_what_to_do_without_revealing_the_other_account(
    web: Any, register: Any, overrides: dict[str, str], field: str, code: str
) -> None:
    verify_through_pension_fund(register())  # only a verified SNILS is taken
    web.post("/signout/")
    response = web.post("/register/", registration_data(surname="Петров", given_name="Пётр", **overrides))
    assert response.status_code == 200
    assert code in field_errors(response)[field]
    page = response.content.decode()
    assert "Ольга" not in page
    assert "Смирнова" not in page
    assert User.objects.count() == 1


def test_an_unconfirmed_phone_does_not_block_another_registration(web: Any, register: Any) -> None:
    register(confirm=False)
    web.post("/signout/")
    response = web.post("/register/", registration_data(email="second@example.ru", snils=""))
    assert response.status_code == 302
    assert User.objects.filter(phone="+79123456789").count() == 2


def test_password_is_checked_against_the_persons_own_data(web: Any) -> None:
    response = web.post(
        "/register/", registration_data(new_password="olga@example.ru", new_password_again="olga@example.ru")
    )
    assert response.status_code == 200
    assert User.objects.count() == 0


def test_a_minor_is_marked_as_such(web: Any, register: Any) -> None:
    register(
        birth_date="2012-09-01",
        email="artyom@example.ru",
        snils="",
        phone="+79123450000",
        surname="Смирнов",
        given_name="Артём",
        patronymic="Андреевич",
    )
    response = web.get("/api/v1/me")
    assert response.json()["is_minor"] is True


def test_registration_password_is_never_echoed(web: Any) -> None:
    response = web.post("/register/", registration_data(email="bad"))
    assert PASSWORD not in response.content.decode()
