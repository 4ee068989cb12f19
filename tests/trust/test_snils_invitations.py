"""Issue 11.1: an invitation by surname + SNILS reaches only a *verified* SNILS.

The story the probe found: a guardian invites «Сидорова» by a SNILS; a stranger registers with that surname
and SNILS, confirms nothing more, and would find the invitation in «Подписки», accept it and read the
child's marks. Now a typed SNILS names nobody, blocks nobody, and the invitation waits until a trusted
source verifies the SNILS of the real owner.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from notify.models import Kind, Notification
from portal.models import User
from registry.models import Pupil
from tests.conftest import CommittingClient
from tests.snils import verify_through_pension_fund
from tests.trust.conftest import inbox_ids, invite_by_api, valid_snils

pytestmark = pytest.mark.usefixtures("no_activation_delay")

SIDOROVA_SNILS = valid_snils("623456789")


def invitations_received(user: User) -> int:
    return Notification.objects.filter(user=user, kind=Kind.INVITATION_RECEIVED).count()


def register_sidorova(register: Callable[..., Any], client: CommittingClient, given_name: str, n: int) -> User:
    user: User = register(
        client=client,
        surname="Сидорова",
        given_name=given_name,
        patronymic="",
        email=f"sidorova{n}@example.ru",
        phone=f"+7900000090{n}",
        snils=SIDOROVA_SNILS,
    )
    return user


def test_a_stranger_who_types_the_invitees_surname_and_snils_gets_nothing(
    child: Pupil,
    guardian: User,
    guardian_client: CommittingClient,
    register: Callable[..., Any],
    make_client: Callable[[], CommittingClient],
) -> None:
    grant_id = invite_by_api(guardian_client, child, surname="Сидорова", snils=SIDOROVA_SNILS).json()["id"]
    stranger_client = make_client()
    stranger = register_sidorova(register, stranger_client, "Ирина", 1)  # both contacts confirmed

    assert not stranger.snils_verified
    assert inbox_ids(stranger_client) == []
    page = stranger_client.get("/cabinet/subscriptions/")
    assert page.status_code == 200
    assert guardian.full_name not in page.content.decode()
    assert invitations_received(stranger) == 0
    assert stranger_client.post(f"/api/v1/subscriptions/{grant_id}/accept").status_code == 404
    assert stranger_client.post(f"/cabinet/subscriptions/{grant_id}/accept/").status_code == 404
    assert stranger_client.get(f"/api/v1/students/{child.public_id}/marks").status_code == 404
    assert stranger_client.get(f"/diary/{child.public_id}/marks/").status_code == 404
    assert guardian_client.get(f"/api/v1/students/{child.public_id}/marks").status_code == 200


def test_the_real_owner_registers_with_the_same_snils_and_the_invitation_reaches_her_once_verified(
    child: Pupil,
    guardian_client: CommittingClient,
    register: Callable[..., Any],
    make_client: Callable[[], CommittingClient],
) -> None:
    grant_id = invite_by_api(guardian_client, child, surname="Сидорова", snils=SIDOROVA_SNILS).json()["id"]
    stranger_client, owner_client = make_client(), make_client()
    stranger = register_sidorova(register, stranger_client, "Ирина", 1)

    owner = register_sidorova(register, owner_client, "Мария", 2)  # the stranger's claim blocks nobody
    assert User.objects.filter(snils=SIDOROVA_SNILS).count() == 2
    assert inbox_ids(owner_client) == []  # her SNILS is not verified yet either
    assert invitations_received(owner) == 0

    verify_through_pension_fund(owner)

    assert inbox_ids(owner_client) == [grant_id]  # the waiting invitation reaches her now
    assert invitations_received(owner) == 1
    stranger.refresh_from_db()
    assert stranger.snils is None  # the stranger's claim ended; the inbox stays empty
    assert inbox_ids(stranger_client) == []
    assert owner_client.post(f"/api/v1/subscriptions/{grant_id}/accept").status_code == 200
    assert owner_client.get(f"/api/v1/students/{child.public_id}/marks").status_code == 200
    assert stranger_client.get(f"/api/v1/students/{child.public_id}/marks").status_code == 404


def test_an_invitation_made_after_verification_reaches_the_verified_person_at_once(
    child: Pupil, guardian_client: CommittingClient, register: Callable[..., Any], web: CommittingClient
) -> None:
    owner = verify_through_pension_fund(register_sidorova(register, web, "Мария", 2))
    grant_id = invite_by_api(guardian_client, child, surname="Сидорова", snils=SIDOROVA_SNILS).json()["id"]
    assert inbox_ids(web) == [grant_id]
    assert invitations_received(owner) == 1


def test_the_inviter_learns_nothing_about_whether_the_snils_is_verified(
    child: Pupil,
    guardian_client: CommittingClient,
    register: Callable[..., Any],
    make_client: Callable[[], CommittingClient],
) -> None:
    nobody = invite_by_api(guardian_client, child, surname="Сидорова", snils=SIDOROVA_SNILS)
    register_sidorova(register, make_client(), "Ирина", 1)
    verified = verify_through_pension_fund(register_sidorova(register, make_client(), "Мария", 2))
    again = invite_by_api(guardian_client, child, service="visits_meals", surname="Сидорова", snils=SIDOROVA_SNILS)
    assert verified.snils_verified
    assert (nobody.status_code, again.status_code) == (201, 201)
    strip = {"id", "service", "service_label", "created_at", "expires_at", "state_at"}
    assert {k: v for k, v in nobody.json().items() if k not in strip} == {
        k: v for k, v in again.json().items() if k not in strip
    }
