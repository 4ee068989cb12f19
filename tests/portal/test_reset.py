"""Password reset by a code to the email or the confirmed phone, without telling who has an account."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from core import sms
from portal.models import User
from tests.conftest import PASSWORD, last_email_code, last_sms_code
from tests.snils import verify_through_pension_fund

NEW_PASSWORD = "Fresh-Garden-Gate-9"


@pytest.fixture
def olga(register: Any, web: Any) -> User:
    """Olga, whose SNILS the pension fund's check verified (an unverified SNILS signs nobody in)."""
    user: User = verify_through_pension_fund(register())
    web.post("/signout/")
    mail.outbox.clear()
    sms.outbox.clear()
    return user


def reset(client: Any, login: str, code: str, password: str = NEW_PASSWORD) -> Any:
    client.post("/reset/", {"login": login})
    return client.post("/reset/code/", {"code": code, "new_password": password, "new_password_again": password})


def page_without_tokens(response: Any) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def can_sign_in(login: str, password: str) -> bool:
    return Client().post("/signin/", {"login": login, "password": password}).status_code == 302


def test_reset_by_email(olga: User, make_client: Any) -> None:
    client = make_client()
    assert client.post("/reset/", {"login": "olga@example.ru"})["Location"] == "/reset/code/"
    code = last_email_code("olga@example.ru")
    response = client.post(
        "/reset/code/", {"code": code, "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD}
    )
    assert response["Location"] == "/signin/"
    assert can_sign_in("olga@example.ru", NEW_PASSWORD)
    assert not can_sign_in("olga@example.ru", PASSWORD)


def test_reset_by_phone_sends_an_sms(olga: User, make_client: Any) -> None:
    client = make_client()
    client.post("/reset/", {"login": "8 912 345-67-89"})
    assert mail.outbox == []
    response = client.post(
        "/reset/code/",
        {"code": last_sms_code("+79123456789"), "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD},
    )
    assert response["Location"] == "/signin/"
    assert can_sign_in("112-233-445 95", NEW_PASSWORD)


def test_an_unknown_login_gets_the_same_pages_and_nothing_is_sent(olga: User, make_client: Any) -> None:
    known, unknown = make_client(), make_client()
    known_answer = known.post("/reset/", {"login": "olga@example.ru"})
    unknown_answer = unknown.post("/reset/", {"login": "nobody@example.ru"})
    assert known_answer["Location"] == unknown_answer["Location"] == "/reset/code/"
    assert page_without_tokens(known.get("/reset/code/")) == page_without_tokens(unknown.get("/reset/code/"))
    assert len(mail.outbox) == 1
    response = unknown.post(
        "/reset/code/", {"code": "123456", "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD}
    )
    assert [e.code for e in response.context["form"].errors.as_data()["code"]] == ["code_wrong"]


def test_a_reset_ends_every_session(olga: User, make_client: Any) -> None:
    signed_in = make_client()
    signed_in.post("/signin/", {"login": "olga@example.ru", "password": PASSWORD})
    assert signed_in.get("/cabinet/").status_code == 200
    reset(make_client(), "olga@example.ru", "000000")
    reset(client := make_client(), "olga@example.ru", "")
    client.post(
        "/reset/code/",
        {"code": last_email_code("olga@example.ru"), "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD},
    )
    assert signed_in.get("/cabinet/").status_code == 302


def test_a_weak_new_password_does_not_spend_the_code(olga: User, make_client: Any) -> None:
    client = make_client()
    client.post("/reset/", {"login": "olga@example.ru"})
    code = last_email_code("olga@example.ru")
    weak = client.post("/reset/code/", {"code": code, "new_password": "12345678", "new_password_again": "12345678"})
    assert weak.status_code == 200
    done = client.post("/reset/code/", {"code": code, "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD})
    assert done["Location"] == "/signin/"


def test_a_reset_by_email_confirms_an_unconfirmed_email(register: Any, web: Any, make_client: Any) -> None:
    user = register(confirm=False)
    web.post("/signout/")
    client = make_client()
    client.post("/reset/", {"login": "olga@example.ru"})
    client.post(
        "/reset/code/",
        {"code": last_email_code("olga@example.ru"), "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD},
    )
    user.refresh_from_db()
    assert user.email_confirmed


def test_the_code_page_without_a_request_goes_back_to_the_start(make_client: Any) -> None:
    assert make_client().get("/reset/code/")["Location"] == "/reset/"
