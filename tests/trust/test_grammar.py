"""Russian grammar of the trusted-persons messages: names declined, the past tense agreeing with the person."""

from __future__ import annotations

from typing import Any

import pytest

from notify.models import Kind, Notification
from portal.names import decline_full_name, gender_of_full_name
from tests.diary.conftest import make_account
from tests.snils import verify_through_pension_fund
from tests.trust.conftest import GRANDMOTHER_PHONE, GRANDMOTHER_SNILS
from tests.trust.web_fixtures import grant_ids, invite

SUBSCRIPTIONS = "/cabinet/subscriptions/"


@pytest.mark.parametrize(
    ("full_name", "genitive", "gender"),
    [
        ("Королев Арсений Андреевич", "Королева Арсения Андреевича", "male"),
        ("Кузнецова Галина Петровна", "Кузнецовой Галины Петровны", "female"),
        ("Смирнова Вера Андреевна", "Смирновой Веры Андреевны", "female"),
        ("Алиева Лейла Рашид кызы", "Алиевой Лейлы Рашид кызы", "female"),
        ("Петров-Водкин Кузьма Сергеевич", "Петрова-Водкина Кузьмы Сергеевича", "male"),
        ("Smith John", "Smith John", "male"),
    ],
)
def test_names_are_declined_by_their_gender(full_name: str, genitive: str, gender: str) -> None:
    assert decline_full_name(full_name, "genitive") == genitive
    assert gender_of_full_name(full_name) == gender


def test_the_invitation_names_the_child_in_the_genitive_only_in_russian(
    guardian_client: Any, grandmother_client: Any, child: Any
) -> None:
    invite(guardian_client, child)
    russian = grandmother_client.get(SUBSCRIPTIONS, HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert (
        f'доверенным лицом ребёнка\n    <strong data-testid="child">{decline_full_name(child.full_name, "genitive")}'
        in russian
    )
    grandmother_client.post("/i18n/setlang/", {"language": "en"})
    english = grandmother_client.get(SUBSCRIPTIONS, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'<strong data-testid="child">{child.full_name}</strong>' in english


@pytest.mark.parametrize(
    ("surname", "given_name", "patronymic", "verb"),
    [("Кузнецова", "Галина", "Петровна", "приняла"), ("Кузнецов", "Геннадий", "Петрович", "принял")],
)
def test_the_guardian_is_told_who_accepted_in_the_right_gender(
    client_of: Any,
    guardian_client: Any,
    guardian: Any,
    child: Any,
    surname: str,
    given_name: str,
    patronymic: str,
    verb: str,
) -> None:
    person = make_account(
        "invitee@example.ru", GRANDMOTHER_PHONE, surname, given_name, patronymic=patronymic, snils=GRANDMOTHER_SNILS
    )
    verify_through_pension_fund(person, tell=False)  # an invitation by SNILS reaches only a verified one
    invite(guardian_client, child, surname=surname)
    invitee_client = client_of(person)
    [grant_id] = grant_ids(invitee_client.get(SUBSCRIPTIONS).content.decode())
    invitee_client.post(f"{SUBSCRIPTIONS}{grant_id}/accept/")
    told = Notification.objects.get(user=guardian, kind=Kind.INVITATION_ACCEPTED)
    assert f" {verb} приглашение" in told.body
    assert "принимает" not in told.body
