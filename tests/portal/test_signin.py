"""Sign-in with one login field (email, SNILS or phone), its brute-force limits and equal answers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from portal import backends
from portal.models import User
from tests.conftest import PASSWORD
from tests.snils import verify_through_pension_fund


def sign_in(client: Client, login: str, password: str = PASSWORD, **extra: Any) -> Any:
    return client.post("/signin/", {"login": login, "password": password}, **extra)


def signed_in_as(client: Client) -> str | None:
    response = client.get("/api/v1/me")
    return response.json()["email"] if response.status_code == 200 else None


@pytest.fixture
def olga(register: Any, web: Any) -> User:
    """Olga, whose SNILS the pension fund's check verified (an unverified SNILS signs nobody in)."""
    user: User = verify_through_pension_fund(register())
    web.post("/signout/")
    return user


@pytest.mark.parametrize(
    "login",
    [
        "olga@example.ru",
        "  OLGA@Example.RU ",
        "112-233-445 95",
        "11223344595",
        "112 233 445 95",
        "8 912 345-67-89",
        "+7 (912) 345-67-89",
        "89123456789",
        "+79123456789",
    ],
)
def test_sign_in_by_email_snils_or_phone_in_any_spelling(olga: User, login: str) -> None:
    client = Client()
    response = sign_in(client, login)
    assert response.status_code == 302
    assert response["Location"] == "/cabinet/"
    assert signed_in_as(client) == "olga@example.ru"


def test_an_unconfirmed_phone_is_not_a_login(register: Any, web: Any) -> None:
    register(confirm=False)
    web.post("/signout/")
    assert sign_in(Client(), "89123456789").status_code == 200
    assert sign_in(Client(), "olga@example.ru").status_code == 302


def test_next_leads_back_but_never_off_site(olga: User) -> None:
    assert (
        Client().post("/signin/?next=/cabinet/profile/", {"login": "olga@example.ru", "password": PASSWORD})["Location"]
        == "/cabinet/profile/"
    )
    assert (
        Client().post("/signin/?next=https://evil.example/", {"login": "olga@example.ru", "password": PASSWORD})[
            "Location"
        ]
        == "/cabinet/"
    )


def test_the_session_key_changes_at_sign_in(olga: User) -> None:
    client = Client()
    client.get("/signin/")
    client.cookies["sessionid"] = "pre-planted-session-key"
    sign_in(client, "olga@example.ru")
    assert client.cookies["sessionid"].value != "pre-planted-session-key"


def answer(response: Any) -> tuple[int, list[str], str]:
    """What a person sees: the status, the error codes and the page's error text."""
    form = response.context["form"]
    codes = [error.code for errors in form.errors.as_data().values() for error in errors]
    return response.status_code, codes, str(form.errors)


def test_unknown_login_wrong_password_and_locked_account_answer_the_same(olga: User) -> None:
    unknown = answer(sign_in(Client(), "nobody@example.ru", "Wrong-Password-1"))
    wrong = answer(sign_in(Client(), "olga@example.ru", "Wrong-Password-1"))
    for _ in range(4):
        sign_in(Client(), "olga@example.ru", "Wrong-Password-1")
    locked = answer(sign_in(Client(), "olga@example.ru", PASSWORD))
    assert unknown == wrong == locked
    assert unknown[1] == ["invalid_credentials"]


def test_an_unknown_login_still_spends_a_password_hash(olga: User, monkeypatch: Any) -> None:
    spent: list[str] = []
    real = backends.make_password

    def spy(password: str) -> str:
        spent.append(password)
        return real(password)

    monkeypatch.setattr(backends, "make_password", spy)
    sign_in(Client(), "nobody@example.ru", "Wrong-Password-1")
    sign_in(Client(), "000-000-000 00", "Wrong-Password-2")
    assert spent == ["Wrong-Password-1", "Wrong-Password-2"]


def test_five_failures_lock_the_account_for_fifteen_minutes_whatever_login_is_typed(
    olga: User, time_machine: Any
) -> None:
    time_machine.move_to("2026-11-28 12:00:00+03:00", tick=False)
    for login in ["olga@example.ru", "112-233-445 95", "89123456789", "OLGA@example.ru", "+79123456789"]:
        assert sign_in(Client(), login, "Wrong-Password-1").status_code == 200
    assert sign_in(Client(), "olga@example.ru").status_code == 200, "locked: the right password is refused"
    time_machine.shift(timedelta(minutes=14, seconds=59))
    assert sign_in(Client(), "112-233-445 95").status_code == 200, "still locked"
    time_machine.shift(timedelta(seconds=2))
    assert sign_in(Client(), "112-233-445 95").status_code == 302, "the cool-off is over"


def test_attempts_while_locked_do_not_prolong_the_lock(olga: User, time_machine: Any) -> None:
    time_machine.move_to("2026-11-28 12:00:00+03:00", tick=False)
    for _ in range(5):
        sign_in(Client(), "olga@example.ru", "Wrong-Password-1")
    for _ in range(10):
        time_machine.shift(timedelta(minutes=1))
        sign_in(Client(), "olga@example.ru", "Wrong-Password-1", REMOTE_ADDR="10.0.0.9")
    time_machine.shift(timedelta(minutes=5, seconds=1))
    assert sign_in(Client(), "olga@example.ru").status_code == 302


def test_a_success_clears_the_accounts_count(olga: User) -> None:
    for _ in range(4):
        sign_in(Client(), "olga@example.ru", "Wrong-Password-1")
    assert sign_in(Client(), "olga@example.ru").status_code == 302
    for _ in range(4):
        sign_in(Client(), "olga@example.ru", "Wrong-Password-1")
    assert sign_in(Client(), "olga@example.ru").status_code == 302


def test_ten_failures_a_minute_from_one_address_pause_it(olga: User, time_machine: Any) -> None:
    time_machine.move_to("2026-11-28 12:00:00+03:00", tick=False)
    for number in range(10):
        sign_in(Client(), f"stranger{number}@example.ru", "Wrong-Password-1", REMOTE_ADDR="203.0.113.7")
    assert sign_in(Client(), "olga@example.ru", REMOTE_ADDR="203.0.113.7").status_code == 200
    assert sign_in(Client(), "olga@example.ru", REMOTE_ADDR="203.0.113.8").status_code == 302
    time_machine.shift(timedelta(seconds=61))
    assert sign_in(Client(), "olga@example.ru", REMOTE_ADDR="203.0.113.7").status_code == 302


def test_unknown_logins_lock_like_real_ones(db: None, time_machine: Any) -> None:
    time_machine.move_to("2026-11-28 12:00:00+03:00", tick=False)
    answers = [
        answer(sign_in(Client(), "ghost@example.ru", "Wrong-Password-1", REMOTE_ADDR=f"198.51.100.{n}"))
        for n in range(7)
    ]
    assert len(set(map(str, answers))) == 1


def test_a_deactivated_account_cannot_sign_in(olga: User) -> None:
    User.objects.filter(pk=olga.pk).update(is_active=False)
    assert sign_in(Client(), "olga@example.ru").status_code == 200


def test_the_admin_sign_in_uses_the_same_rules(olga: User) -> None:
    """The admin's own password form would skip the second factor: it sends to the portal's sign-in instead."""
    User.objects.filter(pk=olga.pk).update(is_staff=True, is_superuser=True)
    client = Client()
    response = client.post("/admin/login/?next=/admin/", {"username": "112-233-445 95", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/signin/?next=/admin/"
    assert client.get("/admin/").status_code == 302
    response = client.post("/signin/", {"login": "112-233-445 95", "password": PASSWORD, "next": "/admin/"})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
