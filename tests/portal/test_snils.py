"""Issue 11.1: a SNILS typed into a profile is a claim. It signs in, is unique and names its owner only
once a trusted source has verified it; until then it blocks nobody."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.test import Client

from audit.models import AuditEvent
from notify.models import Kind, Notification
from portal.models import User
from tests.conftest import PASSWORD, CommittingClient
from tests.snils import enrol, verify_through_pension_fund

OLGA_SNILS = "11223344595"  # of tests.conftest.registration_data


def sign_in(login: str, password: str = PASSWORD) -> Any:
    return Client().post("/signin/", {"login": login, "password": password})


def test_an_unverified_snils_does_not_sign_in_and_fails_like_a_wrong_login(register: Any, web: Any) -> None:
    olga = register()
    web.post("/signout/")
    by_snils = sign_in("112-233-445 95")
    wrong_login = sign_in("no-such-person@example.ru")
    assert by_snils.status_code == wrong_login.status_code == 200
    assert [e.code for e in by_snils.context["form"].errors.as_data()["login"]] == ["invalid_credentials"]
    assert by_snils.context["form"].errors == wrong_login.context["form"].errors
    assert sign_in("olga@example.ru").status_code == 302  # the password was right all along

    verify_through_pension_fund(olga)
    assert sign_in("112-233-445 95").status_code == 302


def test_the_embedded_default_verifies_nothing(settings: Any, register: Any) -> None:
    settings.SNILS_VERIFIER = "portal.snils.NoVerifier"
    enrol(OLGA_SNILS, "Смирнова", "Ольга")  # the test double would confirm; the default is not asked it
    olga = register()
    assert (olga.snils, olga.snils_verified, olga.snils_verified_at) == (OLGA_SNILS, False, None)


def test_the_configured_verifier_verifies_at_registration_and_after_a_change(register: Any, web: Any) -> None:
    enrol(OLGA_SNILS, "Смирнова", "Ольга")
    olga = register()
    assert (olga.snils_verified, olga.snils_verified_by) == (True, "verifier")
    event = AuditEvent.objects.get(action="portal.snils_verified")
    assert (event.actor, event.target, event.data["source"]) == (None, f"portal.user:{olga.pk}", "verifier")
    assert Notification.objects.filter(user=olga, kind=Kind.SNILS).count() == 1

    profile = {"surname": "Смирнова", "given_name": "Ольга", "patronymic": "Игоревна", "birth_date": "1986-03-14"}
    web.post("/cabinet/profile/", {**profile, "snils": "112-233-445 95", "given_name": "Оля"})
    olga.refresh_from_db()
    assert olga.snils_verified  # the same number keeps its state whatever else changes

    web.post("/cabinet/profile/", {**profile, "snils": "123-456-789 64"})
    olga.refresh_from_db()
    assert (olga.snils, olga.snils_verified, olga.snils_verified_by) == ("12345678964", False, "")
    enrol("12345678964", "Смирнова", "Ольга")
    web.post("/cabinet/profile/", {**profile, "snils": "123-456-789 64", "given_name": "Ольга"})
    olga.refresh_from_db()
    assert not olga.snils_verified  # asked only when the number changes
    web.post("/cabinet/profile/", {**profile, "snils": ""})
    web.post("/cabinet/profile/", {**profile, "snils": "123-456-789 64"})
    olga.refresh_from_db()
    assert (olga.snils_verified, olga.snils_verified_by) == (True, "verifier")


def test_the_verifier_refuses_a_claim_that_does_not_match_the_person(register: Any) -> None:
    enrol(OLGA_SNILS, "Смирнова", "Ольга")
    stranger = register(surname="Чужая", given_name="Ирина")
    assert not stranger.snils_verified


def test_two_claimants_stay_unverified_until_a_trusted_source_decides(
    register: Any, make_client: Callable[[], CommittingClient]
) -> None:
    first_client, second_client = make_client(), make_client()
    stranger = register(client=first_client, surname="Чужая", given_name="Ирина", email="stranger@example.ru")
    olga = register(client=second_client, email="olga@example.ru", phone="+79120000001")
    assert User.objects.filter(snils=OLGA_SNILS).count() == 2
    assert (stranger.snils_verified, olga.snils_verified) == (False, False)
    assert sign_in("112-233-445 95").status_code == 200  # names neither

    verify_through_pension_fund(olga)

    stranger.refresh_from_db()
    assert stranger.snils is None
    assert olga.snils == OLGA_SNILS
    told = Notification.objects.get(user=stranger, kind=Kind.SNILS)
    text = f"{told.subject} {told.body}"
    assert "СНИЛС" in text
    for detail in ("Ольга", "Смирнова", "olga@example.ru", "112-233-445 95", "9120000001"):
        assert detail not in text
    assert AuditEvent.objects.filter(action="portal.snils_claim_dropped", target=f"portal.user:{stranger.pk}").exists()
    page = first_client.get("/cabinet/").content.decode()
    assert "112-233-445 95" not in page
    assert sign_in("112-233-445 95").status_code == 302  # Olga's now

    # Now verified, the SNILS is Olga's alone: claiming it again gets the usual answer.
    again = first_client.post(
        "/cabinet/profile/",
        {"surname": "Чужая", "given_name": "Ирина", "patronymic": "", "birth_date": "", "snils": "112-233-445 95"},
    )
    assert [e.code for e in again.context["form"].errors.as_data()["snils"]] == ["snils_taken"]
    assert "Ольга" not in again.content.decode()


def test_the_cabinet_and_the_api_show_the_state_of_the_snils(register: Any, web: Any) -> None:
    olga = register()
    page = web.get("/cabinet/").content.decode()
    assert "СНИЛС не подтверждён" in page
    assert "регистратор школы" in page
    assert web.get("/api/v1/me").json()["snils_verified"] is False

    verify_through_pension_fund(olga)
    page = web.get("/cabinet/").content.decode()
    assert "СНИЛС не подтверждён" not in page
    assert "подтверждён" in page
    assert web.get("/api/v1/me").json()["snils_verified"] is True
