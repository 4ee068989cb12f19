"""The trusted-persons API: /api/v1/trusted-persons and /api/v1/subscriptions, every transition and refusal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import access
from audit.models import AuditEvent
from core import sms
from core.errors import NotFound
from notify.models import Kind, Notification
from portal.models import User
from registry.models import Pupil
from tests.conftest import CommittingClient
from tests.diary.conftest import DiarySchool
from tests.trust.conftest import GRANDMOTHER_PHONE, GRANDMOTHER_SNILS, inbox_ids, invite_by_api
from trust.models import Grant

pytestmark = pytest.mark.usefixtures("no_activation_delay")


def diary_of(client: Any, pupil: Pupil) -> int:
    return int(client.get(f"/api/v1/students/{pupil.public_id}/diary").status_code)


def kinds_of(user: User) -> list[str]:
    return list(Notification.objects.filter(user=user).order_by("pk").values_list("kind", flat=True))


def test_invitation_reaches_the_grandmother_who_accepts_and_reads_that_diary_only(
    trust_school: DiarySchool,
    child: Pupil,
    guardian_client: CommittingClient,
    grandmother: User,
    grandmother_client: CommittingClient,
) -> None:
    response = invite_by_api(guardian_client, child)
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["state"] == "pending"
    assert created["invitee"] == "Кузнецова, ***-***-*** 64"
    assert GRANDMOTHER_SNILS not in response.content.decode()
    assert diary_of(grandmother_client, child) == 404

    [grant_id] = inbox_ids(grandmother_client)
    assert grant_id == created["id"]
    [item] = grandmother_client.get("/api/v1/subscriptions").json()
    assert item["child_name"] == child.full_name
    assert item["class_name"] == "7А"
    assert item["student_id"] is None  # nothing opens yet
    assert kinds_of(grandmother) == [Kind.INVITATION_RECEIVED]
    assert [message.to for message in sms.outbox] == [GRANDMOTHER_PHONE]

    accepted = grandmother_client.post(f"/api/v1/subscriptions/{grant_id}/accept")
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["state"] == "accepted"  # the activation task runs after the commit
    # With no delay the immediate backend has opened it by the next request.
    [item] = grandmother_client.get("/api/v1/subscriptions").json()
    assert item["state"] == "active"
    assert item["student_id"] == str(child.public_id)
    assert diary_of(grandmother_client, child) == 200
    assert diary_of(grandmother_client, trust_school.stranger_pupil) == 404  # the guardian's other child
    assert diary_of(grandmother_client, trust_school.pupils[1]) == 404
    with pytest.raises(NotFound):
        access.get_student(grandmother, child.public_id, service=access.VISITS_MEALS)
    assert grandmother_client.get(f"/api/v1/students/{child.public_id}/visits").status_code == 404
    assert grandmother_client.get(f"/api/v1/students/{child.public_id}/meals").status_code == 404
    assert guardian_client.get(f"/api/v1/students/{child.public_id}/visits").status_code == 200

    me = grandmother_client.get("/api/v1/me").json()
    assert me["children"] == [
        {**me["children"][0], "student_id": str(child.public_id), "relation": "trusted", "services": ["diary"]}
    ]

    [row] = guardian_client.get(f"/api/v1/trusted-persons?student_id={child.public_id}").json()
    assert row["state"] == "active"
    assert row["invitee_name"] == grandmother.full_name
    guardian = trust_school.parent
    assert kinds_of(guardian) == [Kind.INVITATION_ACCEPTED, Kind.ACCESS_OPENED]
    assert kinds_of(grandmother) == [Kind.INVITATION_RECEIVED, Kind.ACCESS_OPENED]
    actions = set(AuditEvent.objects.filter(target=f"trust.grant:{grant_id}").values_list("action", flat=True))
    assert actions == {"trust.invite", "trust.accept", "trust.activate"}


def test_a_visits_and_meals_grant_opens_visits_and_meals_only(
    child: Pupil,
    guardian_client: CommittingClient,
    grandmother_client: CommittingClient,
) -> None:
    grant_id = invite_by_api(guardian_client, child, service="visits_meals").json()["id"]
    assert grandmother_client.get(f"/api/v1/students/{child.public_id}/visits").status_code == 404
    grandmother_client.post(f"/api/v1/subscriptions/{grant_id}/accept")
    assert grandmother_client.get(f"/api/v1/students/{child.public_id}/visits").status_code == 200
    assert grandmother_client.get(f"/api/v1/students/{child.public_id}/meals").status_code == 200
    assert diary_of(grandmother_client, child) == 404
    [child_row] = grandmother_client.get("/api/v1/me").json()["children"]
    assert (child_row["relation"], child_row["services"]) == ("trusted", ["visits_meals"])
    views = guardian_client.get(f"/api/v1/trusted-persons/{grant_id}/views").json()
    assert {view["section"] for view in views} == {"visits_meals"}


def test_revoke_closes_access_on_the_very_next_request(
    child: Pupil,
    guardian_client: CommittingClient,
    grandmother: User,
    grandmother_client: CommittingClient,
) -> None:
    grant_id = invite_by_api(guardian_client, child).json()["id"]
    grandmother_client.post(f"/api/v1/subscriptions/{grant_id}/accept")
    assert diary_of(grandmother_client, child) == 200

    response = guardian_client.delete(f"/api/v1/trusted-persons/{grant_id}")
    assert response.status_code == 200
    assert response.json()["state"] == "revoked"
    assert diary_of(grandmother_client, child) == 404
    assert grandmother_client.get("/api/v1/me").json()["children"] == []
    assert kinds_of(grandmother)[-1] == Kind.ACCESS_REVOKED
    assert AuditEvent.objects.filter(target=f"trust.grant:{grant_id}", action="trust.revoke").exists()
    again = guardian_client.delete(f"/api/v1/trusted-persons/{grant_id}")
    assert again.status_code == 409
    assert again.json()["code"] == "wrong_state"


def test_the_trusted_person_leaves(
    trust_school: DiarySchool,
    child: Pupil,
    guardian_client: CommittingClient,
    grandmother_client: CommittingClient,
) -> None:
    grant_id = invite_by_api(guardian_client, child).json()["id"]
    grandmother_client.post(f"/api/v1/subscriptions/{grant_id}/accept")
    left = grandmother_client.post(f"/api/v1/subscriptions/{grant_id}/leave")
    assert left.status_code == 200
    assert left.json()["state"] == "left"
    assert diary_of(grandmother_client, child) == 404
    assert kinds_of(trust_school.parent)[-1] == Kind.ACCESS_REVOKED
    assert grandmother_client.post(f"/api/v1/subscriptions/{grant_id}/leave").status_code == 409
    # The guardian cannot "leave" a grant they do not hold.
    assert guardian_client.post(f"/api/v1/subscriptions/{grant_id}/leave").status_code == 404


def test_decline_and_answering_twice(
    child: Pupil,
    guardian_client: CommittingClient,
    grandmother_client: CommittingClient,
) -> None:
    grant_id = invite_by_api(guardian_client, child).json()["id"]
    declined = grandmother_client.post(f"/api/v1/subscriptions/{grant_id}/decline")
    assert declined.status_code == 200
    assert declined.json()["state"] == "declined"
    again = grandmother_client.post(f"/api/v1/subscriptions/{grant_id}/accept")
    assert again.status_code == 409
    assert again.json()["code"] == "wrong_state"
    [row] = guardian_client.get(f"/api/v1/trusted-persons?student_id={child.public_id}").json()
    assert row["state"] == "declined"
    assert diary_of(grandmother_client, child) == 404


@pytest.mark.parametrize(
    ("overrides", "delivered"),
    [
        ({"surname": "Кузнецов"}, False),  # right SNILS, wrong surname
        ({"surname": "кузнецова"}, True),
        ({"surname": "КУЗНЕЦОВА"}, True),
        ({"snils": "", "phone": "8 900 000-02-01"}, True),
        ({"snils": "", "phone": "+79000000299"}, False),
    ],
)
def test_matching_needs_the_surname_and_the_snils_or_phone(
    child: Pupil,
    guardian_client: CommittingClient,
    grandmother: User,
    grandmother_client: CommittingClient,
    overrides: dict[str, str],
    delivered: bool,
) -> None:
    response = invite_by_api(guardian_client, child, **overrides)
    assert response.status_code == 201, response.content  # the inviter learns nothing either way
    grant_id = response.json()["id"]
    assert bool(inbox_ids(grandmother_client)) is delivered
    assert bool(kinds_of(grandmother)) is delivered
    answer = grandmother_client.post(f"/api/v1/subscriptions/{grant_id}/accept")
    assert answer.status_code == (200 if delivered else 404)


def test_yo_and_ye_are_the_same_letter(
    child: Pupil,
    guardian_client: CommittingClient,
    make_client: Callable[[], CommittingClient],
    client_of: Callable[[User], CommittingClient],
) -> None:
    from tests.diary.conftest import make_account
    from tests.snils import verify_through_pension_fund
    from tests.trust.conftest import valid_snils

    snils = valid_snils("323456789")
    fyodorova = verify_through_pension_fund(
        make_account("f@example.ru", "+79000000301", "Фёдорова", "Анна", snils=snils)
    )
    invite_by_api(guardian_client, child, surname="ФЕДОРОВА", snils=snils)
    assert len(inbox_ids(client_of(fyodorova))) == 1


def test_an_unconfirmed_phone_receives_nothing(
    child: Pupil,
    guardian_client: CommittingClient,
    grandmother: User,
    grandmother_client: CommittingClient,
) -> None:
    grandmother.phone_confirmed_at = None
    grandmother.save()
    grant_id = invite_by_api(guardian_client, child, snils="", phone=GRANDMOTHER_PHONE).json()["id"]
    assert inbox_ids(grandmother_client) == []
    assert kinds_of(grandmother) == []
    assert sms.outbox == []
    assert grandmother_client.post(f"/api/v1/subscriptions/{grant_id}/accept").status_code == 404


def test_someone_elses_child_and_someone_elses_invitation_are_404(
    trust_school: DiarySchool,
    child: Pupil,
    guardian_client: CommittingClient,
    other_parent_client: CommittingClient,
    grandmother_client: CommittingClient,
) -> None:
    boris = trust_school.pupils[1]
    response = invite_by_api(guardian_client, boris)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert invite_by_api(guardian_client, child, student_id="not-a-uuid").status_code == 404
    assert guardian_client.get(f"/api/v1/trusted-persons?student_id={boris.public_id}").status_code == 404

    grant_id = invite_by_api(guardian_client, child).json()["id"]
    assert other_parent_client.post(f"/api/v1/subscriptions/{grant_id}/accept").status_code == 404
    assert other_parent_client.post(f"/api/v1/subscriptions/{grant_id}/decline").status_code == 404
    assert other_parent_client.delete(f"/api/v1/trusted-persons/{grant_id}").status_code == 404
    assert other_parent_client.get(f"/api/v1/trusted-persons/{grant_id}/views").status_code == 404
    assert grandmother_client.delete(f"/api/v1/trusted-persons/{grant_id}").status_code == 404
    assert other_parent_client.get("/api/v1/trusted-persons").json() == []
    assert guardian_client.post("/api/v1/subscriptions/999999/accept").status_code == 404


def test_a_minor_can_neither_invite_nor_accept(
    trust_school: DiarySchool,
    child: Pupil,
    guardian_client: CommittingClient,
    minor: User,
    client_of: Callable[[User], CommittingClient],
) -> None:
    vera = trust_school.pupils[2]
    from tests.diary.conftest import make_guardian

    make_guardian(vera, minor)  # a registry mistake: the policy still refuses a minor
    response = invite_by_api(client_of(minor), vera, snils="", phone="+79000000299")
    assert response.status_code == 400
    assert response.json()["code"] == "minor_cannot_invite"

    from tests.trust.conftest import MINOR_SNILS

    grant_id = invite_by_api(guardian_client, child, snils=MINOR_SNILS).json()["id"]
    teen = client_of(minor)
    assert teen.get("/api/v1/subscriptions").json() == []
    assert Notification.objects.filter(user=minor).count() == 0
    refused = teen.post(f"/api/v1/subscriptions/{grant_id}/accept")
    assert refused.status_code == 400
    assert refused.json()["code"] == "minor_cannot_be_trusted"
    assert Grant.objects.get(pk=grant_id).state == Grant.State.PENDING


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"surname": ""}, "name_required", "surname"),
        ({"surname": "Kuzнецова"}, "name_mixed_scripts", "surname"),
        ({"snils": ""}, "contact_required", "snils"),
        ({"snils": "123-456-789 00"}, "snils_checksum", "snils"),
        ({"snils": "", "phone": "12345"}, "phone_format", "phone"),
        ({"service": "marks"}, "invalid_service", "service"),
        ({"ends_on": "2020-01-01"}, "invalid_end", "ends_on"),
        ({"ends_on": "yesterday"}, "invalid", "ends_on"),
    ],
)
def test_bad_input_names_the_field(
    child: Pupil,
    guardian_client: CommittingClient,
    overrides: dict[str, str],
    code: str,
    field: str,
) -> None:
    response = invite_by_api(guardian_client, child, **overrides)
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert response.json()["field"] == field
    assert not Grant.objects.exists()


def test_missing_field_is_400(child: Pupil, guardian_client: CommittingClient) -> None:
    response = guardian_client.post(
        "/api/v1/trusted-persons", {"student_id": str(child.public_id)}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["field"] in {"service", "surname"}


def test_inviting_oneself_or_the_child_is_refused(
    trust_school: DiarySchool,
    child: Pupil,
    guardian_client: CommittingClient,
) -> None:
    parent = trust_school.parent
    response = invite_by_api(guardian_client, child, surname=parent.surname, snils="", phone=parent.phone)
    assert response.status_code == 400
    assert response.json()["code"] == "cannot_invite_family"


def test_already_invited_and_the_cap(
    settings: Any,
    trust_school: DiarySchool,
    child: Pupil,
    guardian_client: CommittingClient,
) -> None:
    assert invite_by_api(guardian_client, child).status_code == 201
    again = invite_by_api(guardian_client, child, surname="КУЗНЕЦОВА")
    assert again.status_code == 400
    assert (again.json()["code"], again.json()["field"]) == ("already_invited", "service")
    assert invite_by_api(guardian_client, child, service="visits_meals").status_code == 201

    settings.TRUST_MAX_LIVE_GRANTS = 3
    for number in (1, 2):
        assert (
            invite_by_api(guardian_client, child, surname="Петрова", snils="", phone=f"+7900000040{number}").status_code
            == 201
        )
    full = invite_by_api(guardian_client, child, surname="Петрова", snils="", phone="+79000000403")
    assert full.status_code == 400
    assert full.json()["code"] == "too_many_grants"
    # A revoked one no longer counts.
    first = Grant.objects.filter(pupil=child, service="diary").order_by("pk").first()
    assert first is not None
    guardian_client.delete(f"/api/v1/trusted-persons/{first.pk}")
    assert invite_by_api(guardian_client, child, surname="Петрова", snils="", phone="+79000000403").status_code == 201


def test_ten_live_grants_by_default(child: Pupil, guardian_client: CommittingClient) -> None:
    for number in range(10):
        assert (
            invite_by_api(
                guardian_client, child, surname="Петрова", snils="", phone=f"+790000005{number:02d}"
            ).status_code
            == 201
        )
    eleventh = invite_by_api(guardian_client, child, surname="Петрова", snils="", phone="+79000000599")
    assert eleventh.json()["code"] == "too_many_grants"


def test_inviting_too_fast_is_429_with_retry_after(
    settings: Any,
    child: Pupil,
    guardian_client: CommittingClient,
) -> None:
    settings.TRUST_INVITES_PER_HOUR = 2
    for number in (1, 2):
        assert (
            invite_by_api(guardian_client, child, surname="Петрова", snils="", phone=f"+7900000060{number}").status_code
            == 201
        )
    response = invite_by_api(guardian_client, child, surname="Петрова", snils="", phone="+79000000603")
    assert response.status_code == 429
    assert response.json()["code"] == "too_many_invitations"
    assert 3500 <= int(response["Retry-After"]) <= 3601


def test_both_guardians_see_and_revoke_the_same_list(
    trust_school: DiarySchool,
    child: Pupil,
    guardian_client: CommittingClient,
    grandmother_client: CommittingClient,
    client_of: Callable[[User], CommittingClient],
) -> None:
    from tests.diary.conftest import make_account, make_guardian

    father = make_account("father@example.ru", "+79000000701", "Андреев", "Пётр")
    make_guardian(child, father).__class__.objects.filter(pupil=child, account=father).update(relation="father")
    father_client = client_of(father)
    grant_id = invite_by_api(guardian_client, child).json()["id"]
    listed = father_client.get(f"/api/v1/trusted-persons?student_id={child.public_id}").json()
    assert [row["id"] for row in listed] == [grant_id]
    assert [row["id"] for row in father_client.get("/api/v1/trusted-persons").json()] == [grant_id]
    grandmother_client.post(f"/api/v1/subscriptions/{grant_id}/accept")
    assert father_client.delete(f"/api/v1/trusted-persons/{grant_id}").status_code == 200
    assert diary_of(grandmother_client, child) == 404


def test_the_view_log_records_the_trusted_person_and_not_the_guardian(
    child: Pupil,
    guardian_client: CommittingClient,
    grandmother_client: CommittingClient,
) -> None:
    grant_id = invite_by_api(guardian_client, child).json()["id"]
    grandmother_client.post(f"/api/v1/subscriptions/{grant_id}/accept")
    assert diary_of(guardian_client, child) == 200
    assert guardian_client.get(f"/api/v1/trusted-persons/{grant_id}/views").json() == []
    assert diary_of(grandmother_client, child) == 200
    views = guardian_client.get(f"/api/v1/trusted-persons/{grant_id}/views").json()
    assert [(view["grant_id"], view["section"]) for view in views] == [(grant_id, "diary")]
    log = guardian_client.get(f"/api/v1/students/{child.public_id}/trusted-views").json()
    assert [view["invitee"] for view in log] == ["Кузнецова, ***-***-*** 64"]
    [row] = guardian_client.get(f"/api/v1/trusted-persons?student_id={child.public_id}").json()
    assert row["last_viewed_at"] == views[0]["viewed_at"]
    assert grandmother_client.get(f"/api/v1/students/{child.public_id}/trusted-views").status_code == 404


def test_delayed_activation_shows_opens_by_and_opens_nothing(
    settings: Any,
    child: Pupil,
    guardian_client: CommittingClient,
    grandmother_client: CommittingClient,
) -> None:
    from datetime import timedelta

    settings.TRUST_ACTIVATION_DELAY = timedelta(days=1)  # the immediate backend cannot wait: the task never runs
    grant_id = invite_by_api(guardian_client, child).json()["id"]
    accepted = grandmother_client.post(f"/api/v1/subscriptions/{grant_id}/accept").json()
    assert accepted["state"] == "accepted"
    assert accepted["opens_by"] is not None
    assert diary_of(grandmother_client, child) == 404
    [row] = guardian_client.get(f"/api/v1/trusted-persons?student_id={child.public_id}").json()
    assert (row["state"], row["opens_by"]) == ("accepted", accepted["opens_by"])


def test_an_end_date_limits_the_grant(
    child: Pupil,
    guardian_client: CommittingClient,
    grandmother_client: CommittingClient,
) -> None:
    from datetime import datetime, time, timedelta

    from django.utils import timezone

    today = timezone.localdate()
    created = invite_by_api(guardian_client, child, ends_on=today.isoformat()).json()
    assert created["ends_on"] == today.isoformat()
    assert created["ends_at"].endswith("+03:00")  # Moscow time, like every time in the API
    ends_at = timezone.make_aware(datetime.combine(today + timedelta(days=1), time.min))
    assert Grant.objects.get(pk=created["id"]).ends_at == ends_at  # through the whole of that day
    grandmother_client.post(f"/api/v1/subscriptions/{created['id']}/accept")
    assert diary_of(grandmother_client, child) == 200
    # The day passes (moving the clock a day would also end the test sessions).
    Grant.objects.filter(pk=created["id"]).update(ends_at=timezone.now() - timedelta(minutes=1))
    assert diary_of(grandmother_client, child) == 404
    [row] = guardian_client.get(f"/api/v1/trusted-persons?student_id={child.public_id}").json()
    assert row["state"] == "ended"


def test_anonymous_gets_401(db: None, make_client: Callable[[], CommittingClient]) -> None:
    client = make_client()
    assert client.get("/api/v1/trusted-persons").status_code == 401
    assert client.get("/api/v1/subscriptions").status_code == 401
    assert client.post("/api/v1/subscriptions/1/accept").status_code == 401


def test_unknown_ids_are_404_and_an_empty_body_is_400(
    child: Pupil,
    guardian_client: CommittingClient,
    grandmother_client: CommittingClient,
) -> None:
    for client in (guardian_client, grandmother_client):
        assert client.post("/api/v1/trusted-persons", content_type="application/json").status_code == 400
        assert client.delete("/api/v1/trusted-persons/999999").status_code == 404
        assert client.get("/api/v1/trusted-persons/999999/views").status_code == 404
        for action in ("accept", "decline", "leave"):
            assert client.post(f"/api/v1/subscriptions/999999/{action}").status_code == 404
    assert grandmother_client.get("/api/v1/trusted-persons").json() == []
    assert grandmother_client.get(f"/api/v1/trusted-persons?student_id={child.public_id}").status_code == 404


def test_a_bearer_token_posts_without_csrf_and_a_session_needs_it(
    child: Pupil,
    guardian: User,
    grandmother: User,
    make_client: Callable[[], CommittingClient],
) -> None:
    from datetime import timedelta

    from django.test import Client
    from django.utils import timezone
    from oauth2_provider.models import AccessToken, Application

    application = Application.objects.create(
        name="Мобильный дневник",
        client_type=Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="https://app.example/cb",
        algorithm=Application.RS256_ALGORITHM,
    )
    token = AccessToken.objects.create(
        user=guardian,
        application=application,
        token="t" * 40,
        scope="openid trust",
        expires=timezone.now() + timedelta(minutes=30),
    )
    strict = Client(enforce_csrf_checks=True)
    body = {"student_id": str(child.public_id), "service": "diary", "surname": "Кузнецова", "phone": grandmother.phone}
    response = strict.post(
        "/api/v1/trusted-persons", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token.token}"
    )
    assert response.status_code == 201, response.content
    listed = strict.get("/api/v1/trusted-persons", HTTP_AUTHORIZATION=f"Bearer {token.token}").json()
    assert [row["id"] for row in listed] == [response.json()["id"]]

    session = Client(enforce_csrf_checks=True)
    session.force_login(guardian)
    refused = session.post(
        "/api/v1/trusted-persons", {**body, "phone": "+79000000999"}, content_type="application/json"
    )
    assert refused.status_code == 403
    assert Grant.objects.count() == 1


def test_reads_close_together_are_one_visit_in_the_view_log(
    child: Pupil,
    guardian_client: CommittingClient,
    grandmother_client: CommittingClient,
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from trust.models import View

    grant_id = invite_by_api(guardian_client, child).json()["id"]
    grandmother_client.post(f"/api/v1/subscriptions/{grant_id}/accept")
    assert diary_of(grandmother_client, child) == 200
    assert diary_of(grandmother_client, child) == 200
    [first] = guardian_client.get(f"/api/v1/trusted-persons/{grant_id}/views").json()
    View.objects.filter(grant_id=grant_id).update(viewed_at=timezone.now() - timedelta(minutes=6))

    assert diary_of(grandmother_client, child) == 200

    views = guardian_client.get(f"/api/v1/trusted-persons/{grant_id}/views").json()
    assert len(views) == 2
    assert views[0]["viewed_at"] > first["viewed_at"]


def test_a_pupil_cannot_become_an_adult_by_clearing_the_birth_date(
    child: Pupil,
    guardian_client: CommittingClient,
    minor: User,
    client_of: Callable[[User], CommittingClient],
    trust_school: Any,
) -> None:
    from tests.trust.conftest import MINOR_SNILS

    record = trust_school.stranger_pupil  # the teen is a pupil of the school, linked to her own record
    record.account = minor
    record.save()
    minor.birth_date = None
    minor.save()
    grant_id = invite_by_api(guardian_client, child, snils=MINOR_SNILS).json()["id"]
    teen = client_of(minor)

    assert teen.get("/api/v1/me").json()["is_minor"] is True
    refused = teen.post(f"/api/v1/subscriptions/{grant_id}/accept")
    assert (refused.status_code, refused.json()["code"]) == (400, "minor_cannot_be_trusted")
