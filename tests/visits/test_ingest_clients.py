"""Registering a school's system (the operator's command) and keeping cards (admin, back office)."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from oauth2_provider.models import Application

from audit.models import AuditEvent
from portal.models import User
from registry.models import Pupil, StaffMember
from tests.diary.conftest import DiarySchool, make_account
from tests.visits.conftest import fetch_client_token
from visits.models import Card, IngestClient


def test_the_command_registers_a_client_and_prints_its_secret_once(diary_school: DiarySchool) -> None:
    out = StringIO()
    call_command("register_ingest_client", "--school", "d1", "--name", "Столовая", stdout=out)
    printed = out.getvalue()
    client_id = re.search(r"client_id: (\S+)", printed)
    secret = re.search(r"client_secret \(shown once\): (\S+)", printed)
    assert client_id, printed
    assert secret, printed
    application = Application.objects.get(client_id=client_id.group(1))
    assert application.authorization_grant_type == Application.GRANT_CLIENT_CREDENTIALS
    assert application.client_type == Application.CLIENT_CONFIDENTIAL
    assert application.client_secret != secret.group(1)  # kept hashed
    assert IngestClient.objects.get(application=application).school == diary_school.school
    assert AuditEvent.objects.filter(action="visits.register_ingest_client").count() == 1
    token = fetch_client_token(client_id.group(1), secret.group(1))
    assert token.status_code == 200
    assert token.json()["scope"] == "ingest"
    assert "refresh_token" not in token.json()


def test_the_command_refuses_an_unknown_school(db: None) -> None:
    with pytest.raises(CommandError):
        call_command("register_ingest_client", "--school", "nope", "--name", "Турникеты", stdout=StringIO())
    assert not Application.objects.exists()


@pytest.fixture
def registrar(diary_school: DiarySchool) -> User:
    account = make_account("registrar@example.ru", "+79000000199")
    StaffMember.objects.create(school=diary_school.school, account=account, role=StaffMember.Role.REGISTRAR)
    return account


def test_a_registrar_maps_cards_to_pupils_of_their_school(
    registrar: User, diary_school: DiarySchool, other_pupil: Pupil
) -> None:
    browser = Client()
    browser.force_login(registrar)
    anna = diary_school.pupils[0]
    add = "/backoffice/visits/card/add/"
    assert browser.get(add).status_code == 200
    response = browser.post(add, {"school": other_pupil.school.pk, "number": "X-1", "pupil": other_pupil.pk})
    assert response.status_code == 200  # the form again: neither that school nor its pupil is theirs
    response = browser.post(add, {"school": diary_school.school.pk, "number": "A-1", "pupil": anna.pk})
    assert response.status_code == 302, response.content.decode()[:2000]
    card = Card.objects.get(number="A-1")
    assert (card.school, card.pupil) == (diary_school.school, anna)
    assert AuditEvent.objects.filter(action="visits.add_card", actor=registrar).exists()
    theirs = Card.objects.create(school=other_pupil.school, number="B-1", pupil=other_pupil)
    listing = browser.get("/backoffice/visits/card/").content.decode()
    assert "A-1" in listing
    assert "B-1" not in listing
    assert browser.get(f"/backoffice/visits/card/{theirs.pk}/change/").status_code == 404
    assert browser.post(f"/backoffice/visits/card/{card.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not Card.objects.filter(pk=card.pk).exists()
    assert AuditEvent.objects.filter(action="visits.delete_card").exists()


def test_cards_are_not_in_the_back_office_of_a_parent(diary_school: DiarySchool) -> None:
    browser = Client()
    browser.force_login(diary_school.parent)
    assert browser.get("/backoffice/visits/card/").status_code == 404


def test_the_operator_sees_ingest_clients_and_keeps_cards_consistent(
    diary_school: DiarySchool, other_pupil: Pupil
) -> None:
    call_command("register_ingest_client", "--school", "d1", "--name", "Турникеты", stdout=StringIO())
    operator = make_account("operator@example.ru", "+79000000198", is_staff=True, is_superuser=True)
    browser = Client()
    browser.force_login(operator)
    assert "Турникеты" in browser.get("/admin/visits/ingestclient/").content.decode()
    assert browser.get("/admin/visits/ingestclient/add/").status_code == 403
    response = browser.post(
        "/admin/visits/card/add/", {"school": diary_school.school.pk, "number": "Z-1", "pupil": other_pupil.pk}
    )
    assert response.status_code == 200
    assert [error.code for error in response.context["adminform"].form.errors.as_data()["pupil"]] == [
        "card_pupil_school"
    ]
    assert not Card.objects.exists()
