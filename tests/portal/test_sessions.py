"""Session lifetime: 30 minutes idle, 12 hours at most, sign-out, and password changes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from portal.models import User
from tests.conftest import PASSWORD
from tests.snils import verify_through_pension_fund


def is_signed_in(client: Client) -> bool:
    return client.get("/cabinet/").status_code == 200


@pytest.fixture
def olga(register: Any, web: Any) -> User:
    """Olga, whose SNILS the pension fund's check verified (an unverified SNILS signs nobody in)."""
    user: User = verify_through_pension_fund(register())
    web.post("/signout/")
    return user


def signed_in_client(login: str = "olga@example.ru", password: str = PASSWORD) -> Client:
    client = Client()
    assert client.post("/signin/", {"login": login, "password": password}).status_code == 302
    return client


def test_a_session_ends_after_thirty_idle_minutes(olga: User, time_machine: Any) -> None:
    time_machine.move_to("2026-11-28 18:00:00+03:00", tick=False)
    client = signed_in_client()
    time_machine.shift(timedelta(minutes=29))
    assert is_signed_in(client), "activity renews the idle timer"
    time_machine.shift(timedelta(minutes=29))
    assert is_signed_in(client)
    time_machine.shift(timedelta(minutes=30, seconds=5))
    assert not is_signed_in(client)
    assert client.get("/cabinet/")["Location"] == "/signin/?next=/cabinet/"


def test_a_session_ends_after_twelve_hours_however_active(olga: User, time_machine: Any) -> None:
    time_machine.move_to("2026-11-28 08:00:00+03:00", tick=False)
    client = signed_in_client()
    for _ in range(12 * 3 - 1):
        time_machine.shift(timedelta(minutes=20))
        assert is_signed_in(client)
    time_machine.shift(timedelta(minutes=20, seconds=1))
    assert not is_signed_in(client)


def test_sign_out_ends_the_session(olga: User) -> None:
    client = signed_in_client()
    assert client.post("/signout/")["Location"] == "/signin/"
    assert not is_signed_in(client)


def test_sign_out_needs_a_post(olga: User) -> None:
    client = signed_in_client()
    assert client.get("/signout/").status_code == 405
    assert is_signed_in(client)


def test_a_password_change_keeps_this_session_and_ends_the_others(olga: User) -> None:
    phone, laptop = signed_in_client(), signed_in_client("112-233-445 95")
    response = laptop.post(
        "/cabinet/password/",
        {"old_password": PASSWORD, "new_password": "Brand-New-Horse-7", "new_password_again": "Brand-New-Horse-7"},
    )
    assert response["Location"] == "/cabinet/"
    assert is_signed_in(laptop)
    assert not is_signed_in(phone)
    assert signed_in_client(password="Brand-New-Horse-7")


def test_a_password_change_needs_the_current_password(olga: User) -> None:
    client = signed_in_client()
    response = client.post(
        "/cabinet/password/",
        {
            "old_password": "Not-The-Password-1",
            "new_password": "Brand-New-Horse-7",
            "new_password_again": "Brand-New-Horse-7",
        },
    )
    assert [e.code for e in response.context["form"].errors.as_data()["old_password"]] == ["password_wrong"]
    assert signed_in_client()


def test_sign_out_is_never_stored_and_its_page_empties_the_offline_copies(olga: User) -> None:
    """The browser keeps no copy of the sign-out answer, and the page it lands on says "signed out", which
    is what makes sw-register.js delete the service worker's cache of the family's pages."""
    client = signed_in_client()
    assert 'data-session="in"' in client.get("/cabinet/").content.decode()
    response = client.post("/signout/")
    assert "no-store" in response["Cache-Control"]
    page = client.get(response["Location"]).content.decode()
    assert 'data-session="out"' in page
    assert "/static/js/sw-register.js" in page


def test_the_service_worker_is_served_from_the_root_scope(client: Client) -> None:
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert 'const CACHE = "dnevnik-pages-v1"' in response.content.decode()
