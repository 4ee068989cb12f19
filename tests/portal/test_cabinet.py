"""The personal cabinet: profile, the service catalogue with «Получить услугу», and «Подписки»."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from portal.models import User
from tests.conftest import PASSWORD
from tests.snils import verify_through_pension_fund


def test_the_cabinet_shows_the_account_and_its_confirmation_state(register: Any, web: Any) -> None:
    register(confirm=False)
    page = web.get("/cabinet/").content.decode()
    assert "Смирнова Ольга Игоревна" in page
    assert "112-233-445 95" in page
    assert "+7 912 345-67-89" in page
    assert 'href="/confirm/"' in page


def test_profile_edit_saves_parsed_values(register: Any, web: Any) -> None:
    user = register()
    response = web.post(
        "/cabinet/profile/",
        {
            "surname": " Семёнова ",
            "given_name": "Ольга",
            "patronymic": "",
            "birth_date": "1986-03-14",
            "snils": "112 233 445 95",
        },
    )
    assert response["Location"] == "/cabinet/"
    user.refresh_from_db()
    assert (user.surname, user.patronymic, user.snils) == ("Семёнова", "", "11223344595")


def test_profile_edit_refuses_someone_elses_snils_and_keeps_the_data(register: Any, web: Any) -> None:
    verify_through_pension_fund(register())
    web.post("/signout/")
    second = register(email="second@example.ru", phone="+79120000000", snils="")
    response = web.post(
        "/cabinet/profile/",
        {"surname": "Петрова", "given_name": "Мария", "patronymic": "", "birth_date": "", "snils": "11223344595"},
    )
    assert [e.code for e in response.context["form"].errors.as_data()["snils"]] == ["snils_taken"]
    second.refresh_from_db()
    assert (second.surname, second.snils) == ("Смирнова", None)


def test_profile_edit_names_each_bad_field(register: Any, web: Any) -> None:
    register()
    response = web.post(
        "/cabinet/profile/",
        {"surname": "", "given_name": "Ol9a", "patronymic": "", "birth_date": "2999-01-01", "snils": "1"},
    )
    errors = {field: [e.code for e in errs] for field, errs in response.context["form"].errors.as_data().items()}
    assert errors == {
        "surname": ["required"],
        "given_name": ["name_characters"],
        "birth_date": ["birth_date_future"],
        "snils": ["snils_format"],
    }
    assert User.objects.get().surname == "Смирнова"


def test_the_catalogue_offers_the_diary_and_get_the_service_opens_it(register: Any, web: Any) -> None:
    register()
    catalogue = web.get("/cabinet/services/").content.decode()
    assert 'href="/cabinet/services/diary/"' in catalogue
    assert "Получить услугу" in catalogue
    assert web.get("/cabinet/services/diary/").status_code == 200


def test_the_diary_page_tells_an_unconfirmed_person_what_to_do(register: Any, web: Any) -> None:
    register(confirm=False)
    assert 'href="/confirm/"' in web.get("/cabinet/services/diary/").content.decode()


def test_subscriptions_are_empty_for_now(register: Any, web: Any) -> None:
    register()
    page = web.get("/cabinet/subscriptions/").content.decode()
    assert "Подписки" in page


def test_a_teacher_finds_the_gradebook_in_the_cabinet(register: Any, web: Any) -> None:
    from registry.models import School, StaffMember

    user = register()
    assert 'data-testid="gradebook"' not in web.get("/cabinet/").content.decode()
    StaffMember.objects.create(
        school=School.objects.create(code="s", name="S"), account=user, role=StaffMember.Role.TEACHER
    )
    assert 'href="/teacher/"' in web.get("/cabinet/").content.decode()


def test_a_newcomer_finds_the_way_to_the_school_and_sees_the_phone_formatted(web: Any) -> None:
    """The cabinet of a fresh account offers «Передайте свои данные в школу»; the confirm page shows the
    number as people write it."""
    now = timezone.now()
    user = User.objects.create_user(
        "newcomer@example.ru",
        PASSWORD,
        surname="Новикова",
        given_name="Анна",
        phone="+79154780154",
        email_confirmed_at=now,
    )
    web.force_login(user)
    cabinet = web.get("/cabinet/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert 'data-testid="hand-data"' in cabinet
    assert "Передайте свои данные в школу" in cabinet
    assert 'href="/cabinet/school/"' in cabinet
    web.post("/confirm/", {"action": "resend_phone"})
    confirm = web.get("/confirm/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "+7 915 478-01-54" in confirm
    assert "+79154780154" not in confirm
