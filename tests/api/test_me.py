"""GET /api/v1/me and the error shape of the API."""

from __future__ import annotations

from typing import Any

from django.test import Client

from tests.conftest import PASSWORD


def test_anonymous_gets_401_with_a_stable_code_in_russian_by_default(db: None) -> None:
    response = Client().get("/api/v1/me")
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "not_authenticated"
    assert body["message"]
    assert body["message"] == Client().get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="ru").json()["message"]


def test_english_on_request(db: None) -> None:
    body = Client().get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="en").json()
    assert body == {"code": "not_authenticated", "message": "Sign in to use this method."}


def test_me_describes_the_caller(register: Any, web: Any) -> None:
    user = register()
    body = web.get("/api/v1/me").json()
    assert body == {
        "id": str(user.public_id),
        "surname": "Смирнова",
        "given_name": "Ольга",
        "patronymic": "Игоревна",
        "full_name": "Смирнова Ольга Игоревна",
        "email": "olga@example.ru",
        "email_confirmed": True,
        "phone": "+79123456789",
        "phone_confirmed": True,
        "snils": "112-233-445 95",
        "snils_verified": False,  # typed at registration; nobody has verified it
        "birth_date": "1986-03-14",
        "is_minor": False,
        "roles": [],
        "children": [],
    }
    assert str(user.pk) != body["id"]


def test_the_session_of_another_person_shows_only_their_own_account(register: Any, web: Any) -> None:
    register()
    web.post("/signout/")
    register(email="second@example.ru", phone="+79120000000", snils="", given_name="Мария")
    other = Client()
    other.post("/signin/", {"login": "olga@example.ru", "password": PASSWORD})
    assert web.get("/api/v1/me").json()["email"] == "second@example.ru"
    assert other.get("/api/v1/me").json()["email"] == "olga@example.ru"


def test_openapi_schema_is_served(db: None) -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    assert "/api/v1/me" in schema["paths"]
    assert schema["info"]["title"] == "Dnevnik API"


def test_a_wrong_method_is_not_a_500(register: Any, web: Any) -> None:
    register()
    assert web.post("/api/v1/me").status_code in (403, 405)
