"""One-time codes for the email and the phone: 6 digits, 10 minutes, 5 tries, throttled resend."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command

from core import sms
from portal.models import OneTimeCode, User
from tests.conftest import PASSWORD, last_email_code, last_sms_code, registration_data


def confirm(web: Any, channel: str, code: str) -> Any:
    return web.post("/confirm/", {"action": f"confirm_{channel}", f"{channel}-code": code})


def error_codes(response: Any, channel: str) -> list[str]:
    form = response.context[f"{channel}_form"]
    return [error.code for error in form.errors.as_data().get("code", []) + form.non_field_errors().as_data()]


def resend(web: Any, channel: str) -> str:
    """Ask for a new code; the answer is a message on the confirmation page, tagged with its code."""
    response = web.post("/confirm/", {"action": f"resend_{channel}"}, follow=True)
    return str(list(response.context["messages"])[-1].extra_tags)


def different(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


@pytest.fixture
def newcomer(web: Any, register: Any) -> User:
    user: User = register(confirm=False)
    return user


def test_both_codes_confirm_the_contacts_and_lead_to_the_cabinet(web: Any, newcomer: User) -> None:
    first = confirm(web, "email", last_email_code("olga@example.ru"))
    assert first.status_code == 302
    assert first["Location"] == "/confirm/"
    second = confirm(web, "phone", last_sms_code("+79123456789"))
    assert second["Location"] == "/cabinet/"
    newcomer.refresh_from_db()
    assert newcomer.email_confirmed
    assert newcomer.phone_confirmed


def test_codes_are_six_digits_and_not_stored_in_clear(newcomer: User) -> None:
    code = last_email_code(newcomer.email)
    assert len(code) == 6
    assert not OneTimeCode.objects.filter(code_hash__contains=code).exists()


def test_a_wrong_code_is_refused_and_five_wrong_tries_spend_the_code(web: Any, newcomer: User) -> None:
    right = last_sms_code(newcomer.phone)
    answers = [error_codes(confirm(web, "phone", different(right)), "phone") for _ in range(5)]
    assert answers[:4] == [["code_wrong"]] * 4
    assert answers[4] == ["code_attempts_exhausted"]
    assert error_codes(confirm(web, "phone", right), "phone") == ["code_attempts_exhausted"]
    newcomer.refresh_from_db()
    assert not newcomer.phone_confirmed


def test_a_malformed_code_is_a_form_error_not_a_try(web: Any, newcomer: User) -> None:
    response = confirm(web, "email", "12ab")
    assert error_codes(response, "email") == ["invalid"]
    assert OneTimeCode.objects.get(purpose="confirm_email").attempts == 0


def test_a_code_expires_after_ten_minutes(web: Any, newcomer: User, time_machine: Any) -> None:
    time_machine.move_to(OneTimeCode.objects.get(purpose="confirm_email").created_at, tick=False)
    code = last_email_code(newcomer.email)
    time_machine.shift(timedelta(minutes=10, seconds=1))
    assert error_codes(confirm(web, "email", code), "email") == ["code_expired"]


def test_a_code_still_works_just_before_ten_minutes(web: Any, newcomer: User, time_machine: Any) -> None:
    time_machine.move_to(OneTimeCode.objects.get(purpose="confirm_email").created_at, tick=False)
    time_machine.shift(timedelta(minutes=9, seconds=50))
    assert confirm(web, "email", last_email_code(newcomer.email)).status_code == 302


def test_resend_waits_a_minute_and_replaces_the_old_code(web: Any, newcomer: User, time_machine: Any) -> None:
    time_machine.move_to(OneTimeCode.objects.get(purpose="confirm_phone").created_at, tick=False)
    old = last_sms_code(newcomer.phone)
    assert resend(web, "phone") == "code_resend_too_soon"
    assert len(sms.outbox) == 1
    time_machine.shift(timedelta(seconds=61))
    assert resend(web, "phone") == "code_sent"
    new = last_sms_code(newcomer.phone)
    assert len(sms.outbox) == 2
    if new != old:
        assert error_codes(confirm(web, "phone", old), "phone") == ["code_wrong"]
    assert confirm(web, "phone", new)["Location"] == "/confirm/"


def test_at_most_five_codes_an_hour(web: Any, newcomer: User, time_machine: Any) -> None:
    time_machine.move_to(OneTimeCode.objects.get(purpose="confirm_email").created_at, tick=False)
    for _ in range(4):
        time_machine.shift(timedelta(seconds=61))
        assert resend(web, "email") == "code_sent"
    time_machine.shift(timedelta(seconds=61))
    assert resend(web, "email") == "code_hourly_limit"
    assert len(mail.outbox) == 5
    time_machine.shift(timedelta(hours=1))
    # An hour is longer than an idle session lives: sign in again first.
    web.post("/signin/", {"login": newcomer.email, "password": PASSWORD})
    assert resend(web, "email") == "code_sent"


def test_changing_the_email_takes_effect_only_after_its_code(web: Any, register: Any) -> None:
    user = register()
    response = web.post("/cabinet/contacts/", {"action": "email", "email-email": "New@Example.ru"})
    assert response["Location"] == "/confirm/"
    user.refresh_from_db()
    assert user.email == "olga@example.ru"
    assert user.email_confirmed
    assert "new@example.ru" in web.get("/confirm/").content.decode()
    confirm(web, "email", last_email_code("new@example.ru"))
    user.refresh_from_db()
    assert user.email == "new@example.ru"
    assert user.email_confirmed


def test_changing_the_phone_to_one_confirmed_elsewhere_is_refused(web: Any, register: Any) -> None:
    register()
    web.post("/signout/")
    register(email="second@example.ru", phone="+79120000000", snils="")
    response = web.post("/cabinet/contacts/", {"action": "phone", "phone-phone": "8 912 345-67-89"})
    assert response.status_code == 200
    assert [e.code for e in response.context["phone_form"].errors.as_data()["phone"]] == ["phone_taken"]


@pytest.mark.django_db(transaction=True)
def test_the_task_worker_delivers_codes(web: Any, settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    assert web.post("/register/", registration_data()).status_code == 302
    assert mail.outbox == []
    assert sms.outbox == []
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload")
    assert last_email_code("olga@example.ru")
    assert last_sms_code("+79123456789")
