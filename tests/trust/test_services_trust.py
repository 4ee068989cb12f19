"""The trusted-persons services beyond the API's happy paths: invitations that wait for a person who registers
or changes their profile later, both services at once, the ending of a guardian link, audit and messages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from audit.models import AuditEvent
from core import sms
from notify.models import Kind, Notification
from portal.models import User
from registry import linking
from registry.models import Guardian, Pupil
from tests.conftest import CommittingClient, last_sms_code
from tests.diary.conftest import DiarySchool, make_account, make_guardian
from tests.snils import enrol, verify_through_pension_fund
from tests.trust.conftest import GRANDMOTHER_SNILS, inbox_ids, invite_by_api, valid_snils
from trust import services
from trust.models import Grant

pytestmark = pytest.mark.usefixtures("no_activation_delay")

SMIRNOVA_SNILS = "11223344595"  # the SNILS of tests.conftest.registration_data


def invitations_received(user: User) -> int:
    return Notification.objects.filter(user=user, kind=Kind.INVITATION_RECEIVED).count()


def test_an_invitation_waits_for_a_person_who_registers_later(
    child: Pupil,
    guardian_client: CommittingClient,
    register: Callable[..., Any],
    web: CommittingClient,
) -> None:
    grant_id = invite_by_api(guardian_client, child, surname="СМИРНОВА", snils="112-233-445 95").json()["id"]
    enrol(SMIRNOVA_SNILS, "Смирнова", "Ольга")  # the pension fund's check will verify her SNILS
    olga = register(confirm=False)
    assert olga.snils_verified
    assert inbox_ids(web) == [grant_id]
    assert invitations_received(olga) == 1  # told at registration: the verified SNILS and the surname match
    web.post("/confirm/", {"action": "confirm_phone", "phone-code": last_sms_code(olga.phone)})
    assert invitations_received(olga) == 1  # told once, though the phone confirmation ran the hook again
    assert web.post(f"/api/v1/subscriptions/{grant_id}/accept").status_code == 200
    assert web.get(f"/api/v1/students/{child.public_id}/diary").status_code == 200


def test_an_invitation_by_phone_reaches_a_person_once_the_phone_is_confirmed(
    child: Pupil,
    guardian: User,
    guardian_client: CommittingClient,
    register: Callable[..., Any],
    web: CommittingClient,
) -> None:
    invite_by_api(guardian_client, child, surname="Смирнова", snils="", phone="+79123456789")
    olga = register(confirm=False, snils="")
    assert inbox_ids(web) == []
    assert invitations_received(olga) == 0
    web.post("/confirm/", {"action": "confirm_phone", "phone-code": last_sms_code(olga.phone)})
    assert len(inbox_ids(web)) == 1
    assert invitations_received(olga) == 1
    # The SMS channel is on by default for invitations: the confirmed phone gets one.
    assert any(message.to == olga.phone and guardian.full_name in message.text for message in sms.outbox)


def test_a_profile_change_can_make_an_invitation_match(
    child: Pupil,
    guardian_client: CommittingClient,
    grandmother: User,
    grandmother_client: CommittingClient,
) -> None:
    invite_by_api(guardian_client, child, surname="Кузнецова-Иванова")
    assert inbox_ids(grandmother_client) == []
    response = grandmother_client.post(
        "/cabinet/profile/",
        {
            "surname": "Кузнецова-Иванова",
            "given_name": "Галина",
            "patronymic": "Петровна",
            "birth_date": "1955-05-05",
            "snils": GRANDMOTHER_SNILS,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert len(inbox_ids(grandmother_client)) == 1
    assert invitations_received(grandmother) == 1
    # Saving the profile again changes nothing and tells nothing twice.
    grandmother_client.post(
        "/cabinet/profile/",
        {
            "surname": "Кузнецова-Иванова",
            "given_name": "Галя",
            "patronymic": "Петровна",
            "birth_date": "1955-05-05",
            "snils": GRANDMOTHER_SNILS,
        },
    )
    assert services.deliver_waiting_invitations(account_id=grandmother.pk) == 0
    assert invitations_received(grandmother) == 1


def test_both_services_at_once_make_two_grants_and_one_message(
    child: Pupil,
    guardian: User,
    grandmother: User,
    grandmother_client: CommittingClient,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        grants = services.invite_trusted_person(
            inviter=guardian,
            student_id=child.public_id,
            services=["diary", "visits_meals"],
            surname="Кузнецова",
            phone="+7 900 000-02-01",
        )
    assert sorted(grant.service for grant in grants) == ["diary", "visits_meals"]
    assert len(inbox_ids(grandmother_client)) == 2
    assert invitations_received(grandmother) == 1
    [message] = Notification.objects.filter(user=grandmother)
    assert "Андреева Анна" in message.body
    assert len(sms.outbox) == 1


def test_both_services_are_all_or_nothing(child: Pupil, guardian: User) -> None:
    services.invite_trusted_person(
        inviter=guardian,
        student_id=child.public_id,
        services=["visits_meals"],
        surname="Кузнецова",
        snils=GRANDMOTHER_SNILS,
    )
    with pytest.raises(services.DomainError) as refused:
        services.invite_trusted_person(
            inviter=guardian,
            student_id=child.public_id,
            services=["diary", "visits_meals"],
            surname="Кузнецова",
            snils=GRANDMOTHER_SNILS,
        )
    assert refused.value.code == "already_invited"
    assert Grant.objects.filter(service="diary").count() == 0


def test_the_inviter_is_never_told(
    child: Pupil, guardian: User, guardian_client: CommittingClient, grandmother: User
) -> None:
    invite_by_api(guardian_client, child)
    assert Notification.objects.filter(user=guardian).count() == 0


def test_ending_a_guardian_link_ends_its_grants_and_not_the_other_guardians(
    trust_school: DiarySchool,
    child: Pupil,
    guardian: User,
    guardian_client: CommittingClient,
    grandmother: User,
    grandmother_client: CommittingClient,
    client_of: Callable[[User], CommittingClient],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    father = make_account("father@example.ru", "+79000000701", "Андреев", "Пётр", birth_date=date(1980, 1, 1))
    make_guardian(child, father)
    father_client = client_of(father)
    mothers = invite_by_api(guardian_client, child).json()["id"]
    fathers = invite_by_api(father_client, child, service="visits_meals").json()["id"]
    pending = invite_by_api(guardian_client, child, surname="Петрова", snils="", phone="+79000000801").json()["id"]
    grandmother_client.post(f"/api/v1/subscriptions/{mothers}/accept")
    grandmother_client.post(f"/api/v1/subscriptions/{fathers}/accept")

    row = Guardian.objects.get(pupil=child, account=guardian)
    with django_capture_on_commit_callbacks(execute=True):
        linking.end_link(actor=guardian, kind="guardian", record_id=row.pk)

    states = dict(Grant.objects.values_list("pk", "state"))
    assert states == {mothers: "revoked", fathers: "active", pending: "revoked"}
    assert set(Grant.objects.filter(pk__in=[mothers, pending]).values_list("end_reason", flat=True)) == {
        "guardian_link_ended"
    }
    assert grandmother_client.get(f"/api/v1/students/{child.public_id}/diary").status_code == 404
    assert Notification.objects.filter(user=grandmother, kind=Kind.ACCESS_REVOKED).count() == 1
    # The father still sees and manages the list; the mother no longer does.
    assert father_client.get(f"/api/v1/trusted-persons?student_id={child.public_id}").status_code == 200
    assert guardian_client.get(f"/api/v1/trusted-persons?student_id={child.public_id}").status_code == 404
    assert AuditEvent.objects.filter(
        action="trust.revoke", target=f"trust.grant:{mothers}", data__reason="guardian_link_ended"
    ).exists()


def test_a_pupil_link_ending_leaves_grants_alone(
    trust_school: DiarySchool,
    grandmother: User,
) -> None:
    vera = trust_school.pupils[2]
    parent = make_account("vera-mum@example.ru", "+79000000901", "Васильева", "Ольга", birth_date=date(1980, 1, 1))
    make_guardian(vera, parent)
    [grant] = services.invite_trusted_person(
        inviter=parent, student_id=vera.public_id, services=["diary"], surname="Кузнецова", snils=GRANDMOTHER_SNILS
    )
    linking.end_link(actor=trust_school.pupil_account, kind="pupil", record_id=vera.pk)
    grant.refresh_from_db()
    assert grant.state == Grant.State.PENDING


def test_accepting_needs_an_outsider(
    trust_school: DiarySchool,
    child: Pupil,
    guardian: User,
    client_of: Callable[[User], CommittingClient],
) -> None:
    """A second guardian named by an invitation already reads the child: accepting is refused."""
    snils = valid_snils("423456789")
    father = verify_through_pension_fund(
        make_account("father@example.ru", "+79000000701", "Андреев", "Пётр", snils=snils, birth_date=date(1980, 1, 1))
    )
    make_guardian(child, father)
    [grant] = services.invite_trusted_person(
        inviter=guardian, student_id=child.public_id, services=["diary"], surname="Андреев", snils=snils
    )
    response = client_of(father).post(f"/api/v1/subscriptions/{grant.pk}/accept")
    assert response.status_code == 400
    assert response.json()["code"] == "already_family"


def test_the_childs_own_snils_is_refused_without_asking_the_accounts(
    trust_school: DiarySchool,
    child: Pupil,
    guardian: User,
) -> None:
    child.snils = valid_snils("523456789")
    child.save()
    with pytest.raises(services.DomainError) as refused:
        services.invite_trusted_person(
            inviter=guardian, student_id=child.public_id, services=["diary"], surname=child.surname, snils=child.snils
        )
    assert refused.value.code == "cannot_invite_family"


def test_one_person_cannot_hold_two_grants_for_the_same_child_and_service(
    trust_school: DiarySchool,
    child: Pupil,
    guardian: User,
    grandmother: User,
) -> None:
    [by_snils] = services.invite_trusted_person(
        inviter=guardian, student_id=child.public_id, services=["diary"], surname="Кузнецова", snils=GRANDMOTHER_SNILS
    )
    [by_phone] = services.invite_trusted_person(
        inviter=guardian, student_id=child.public_id, services=["diary"], surname="Кузнецова", phone=grandmother.phone
    )
    services.accept_invitation(user=grandmother, grant_id=by_snils.pk)
    with pytest.raises(services.DomainError) as refused:
        services.accept_invitation(user=grandmother, grant_id=by_phone.pk)
    assert refused.value.code == "already_trusted"


def test_activation_is_idempotent_and_audited_once(
    child: Pupil,
    guardian: User,
    grandmother: User,
    settings: Any,
) -> None:
    from datetime import timedelta

    settings.TRUST_ACTIVATION_DELAY = timedelta(days=1)
    [grant] = services.invite_trusted_person(
        inviter=guardian, student_id=child.public_id, services=["diary"], surname="Кузнецова", snils=GRANDMOTHER_SNILS
    )
    services.accept_invitation(user=grandmother, grant_id=grant.pk)
    assert services.activate_grant(grant_id=grant.pk) is not None
    assert services.activate_grant(grant_id=grant.pk) is None
    assert AuditEvent.objects.filter(action="trust.activate", target=f"trust.grant:{grant.pk}").count() == 1
    services.revoke_grant(user=guardian, grant_id=grant.pk)
    assert services.activate_grant(grant_id=grant.pk) is None
    grant.refresh_from_db()
    assert grant.state == Grant.State.REVOKED


def test_notification_texts_in_russian(
    child: Pupil,
    guardian_client: CommittingClient,
    grandmother: User,
    grandmother_client: CommittingClient,
    trust_school: DiarySchool,
) -> None:
    grant_id = invite_by_api(guardian_client, child).json()["id"]
    grandmother_client.post(f"/api/v1/subscriptions/{grant_id}/accept")
    guardian_client.delete(f"/api/v1/trusted-persons/{grant_id}")
    received = Notification.objects.filter(user=grandmother).order_by("pk")
    assert [item.kind for item in received] == [Kind.INVITATION_RECEIVED, Kind.ACCESS_OPENED, Kind.ACCESS_REVOKED]
    assert trust_school.parent.full_name in received[0].subject
    assert received[0].link == "/cabinet/subscriptions/"
    told = Notification.objects.filter(user=trust_school.parent, kind=Kind.INVITATION_ACCEPTED).get()
    assert told.link == f"/diary/{child.public_id}/trusted/"
    assert grandmother.full_name in told.body  # so a guardian can tell a stranger who took the invitation
    opened = Notification.objects.filter(user=trust_school.parent, kind=Kind.ACCESS_OPENED).get()
    assert (opened.link, grandmother.full_name in opened.body) == (f"/diary/{child.public_id}/trusted/", True)
    assert received[1].link == "/cabinet/subscriptions/"
