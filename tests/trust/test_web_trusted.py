"""The guardian's trusted-persons page and the catalogue service, through HTTP."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from portal.models import User
from registry.models import Pupil
from tests.conftest import CommittingClient
from tests.diary.conftest import DiarySchool
from tests.trust.conftest import GRANDMOTHER_PHONE, GRANDMOTHER_SNILS
from tests.trust.web_fixtures import field_errors, grant_ids, invite, second_guardian, states, trusted_url

__all__ = ["second_guardian"]

ClientOf = Callable[[User], CommittingClient]


def accept_all(client: CommittingClient) -> None:
    page = client.get("/cabinet/subscriptions/").content.decode()
    for grant_id in grant_ids(page):
        assert client.post(f"/cabinet/subscriptions/{grant_id}/accept/").status_code == 302


def test_guardian_invites_for_one_service(guardian_client: CommittingClient, child: Pupil) -> None:
    response = invite(guardian_client, child)
    assert response.status_code == 302
    assert response["Location"] == trusted_url(child)
    page = guardian_client.get(trusted_url(child)).content.decode()
    assert states(page) == ["pending"]
    assert "Кузнецова" in page
    assert "95" in page
    assert GRANDMOTHER_SNILS not in page


def test_both_services_make_two_invitations(guardian_client: CommittingClient, child: Pupil) -> None:
    response = invite(guardian_client, child, service=["diary", "visits_meals"], snils="", phone="8 900 000-02-01")
    assert response.status_code == 302
    assert states(guardian_client.get(trusted_url(child)).content.decode()) == ["pending", "pending"]


def test_the_answer_is_the_same_whether_or_not_the_person_has_an_account(
    guardian_client: CommittingClient,
    child: Pupil,
    grandmother: User,
) -> None:
    existing = invite(guardian_client, child)
    existing_page = guardian_client.get(existing["Location"]).content.decode()
    nobody = invite(guardian_client, child, surname="Несуществующая")
    nobody_page = guardian_client.get(nobody["Location"]).content.decode()

    def message(page: str) -> str:
        start = page.index('<ul class="messages">')
        return page[start : page.index("</ul>", start)]

    assert existing.status_code == nobody.status_code == 302
    assert message(existing_page) == message(nobody_page)


def test_states_revocation_and_view_log(
    guardian_client: CommittingClient,
    grandmother_client: CommittingClient,
    child: Pupil,
    no_activation_delay: None,
) -> None:
    invite(guardian_client, child)
    accept_all(grandmother_client)
    assert states(guardian_client.get(trusted_url(child)).content.decode()) == ["active"]
    assert grandmother_client.get(f"/diary/{child.public_id}/").status_code == 200

    page = guardian_client.get(trusted_url(child)).content.decode()
    assert page.count('data-testid="view"') == 1
    [grant_id] = grant_ids(page)
    response = guardian_client.post(f"/diary/trusted/{grant_id}/revoke/", {"student_id": str(child.public_id)})
    assert response.status_code == 302
    assert response["Location"] == trusted_url(child)

    assert grandmother_client.get(f"/diary/{child.public_id}/").status_code == 404
    page = guardian_client.get(trusted_url(child)).content.decode()
    assert states(page) == ["revoked"]
    assert 'data-testid="revoke"' not in page  # nothing left to revoke


def test_accepted_shows_opens_by_to_the_guardian(
    guardian_client: CommittingClient,
    grandmother_client: CommittingClient,
    child: Pupil,
    settings: Any,
) -> None:
    settings.TRUST_ACTIVATION_DELAY = timedelta(hours=1)
    invite(guardian_client, child)
    accept_all(grandmother_client)
    page = guardian_client.get(trusted_url(child)).content.decode()
    assert states(page) == ["accepted"]
    assert 'data-testid="opens-by"' in page
    assert grandmother_client.get(f"/diary/{child.public_id}/").status_code == 404


def test_revoking_twice_is_a_message_not_an_error(guardian_client: CommittingClient, child: Pupil) -> None:
    invite(guardian_client, child)
    [grant_id] = grant_ids(guardian_client.get(trusted_url(child)).content.decode())
    guardian_client.post(f"/diary/trusted/{grant_id}/revoke/", {"student_id": str(child.public_id)})
    again = guardian_client.post(f"/diary/trusted/{grant_id}/revoke/", {"student_id": str(child.public_id)})
    assert again.status_code == 302
    assert again["Location"] == trusted_url(child)
    assert 'class="wrong_state error"' in guardian_client.get(trusted_url(child)).content.decode()


def test_a_second_guardian_sees_and_revokes(
    guardian_client: CommittingClient,
    client_of: ClientOf,
    second_guardian: User,
    child: Pupil,
) -> None:
    invite(guardian_client, child)
    other = client_of(second_guardian)
    page = other.get(trusted_url(child)).content.decode()
    [grant_id] = grant_ids(page)
    assert other.post(f"/diary/trusted/{grant_id}/revoke/").status_code == 302
    assert states(guardian_client.get(trusted_url(child)).content.decode()) == ["revoked"]


@pytest.mark.parametrize("who", ["other_parent", "pupil_account", "grandmother"])
def test_others_get_404_on_the_page_and_on_revoke(
    who: str,
    guardian_client: CommittingClient,
    grandmother_client: CommittingClient,
    client_of: ClientOf,
    trust_school: DiarySchool,
    grandmother: User,
    child: Pupil,
    no_activation_delay: None,
) -> None:
    invite(guardian_client, child)
    accept_all(grandmother_client)  # the grandmother is now a trusted person of the child
    [grant_id] = grant_ids(guardian_client.get(trusted_url(child)).content.decode())
    account = grandmother if who == "grandmother" else getattr(trust_school, who)
    client = client_of(account)
    assert client.get(trusted_url(child)).status_code == 404
    assert invite(client, child).status_code == 404
    assert client.post(f"/diary/trusted/{grant_id}/revoke/").status_code == 404
    assert states(guardian_client.get(trusted_url(child)).content.decode()) == ["active"]


def test_a_pupil_has_no_trusted_page_of_their_own(client_of: ClientOf, trust_school: DiarySchool) -> None:
    vera = trust_school.pupils[2]
    assert client_of(trust_school.pupil_account).get(trusted_url(vera)).status_code == 404


def test_a_missing_child_is_404(guardian_client: CommittingClient) -> None:
    assert guardian_client.get("/diary/00000000-0000-0000-0000-000000000000/trusted/").status_code == 404
    assert guardian_client.post("/diary/trusted/999999/revoke/").status_code == 404


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"snils": "123-456-789 00"}, "snils"),
        ({"snils": "12345"}, "snils"),
        ({"snils": "", "phone": ""}, "snils"),
        ({"snils": "", "phone": "+7 495 123-45-67"}, "phone"),
        ({"surname": ""}, "surname"),
        ({"surname": "Kuznetsova1"}, "surname"),
        ({"service": []}, "service"),
        ({"service": ["meals"]}, "service"),
        ({"ends_on": "2020-01-01"}, "ends_on"),
    ],
)
def test_form_errors_name_their_field(
    data: dict[str, Any],
    field: str,
    guardian_client: CommittingClient,
    child: Pupil,
) -> None:
    response = invite(guardian_client, child, **data)
    assert response.status_code == 200
    assert field_errors(response.content.decode()) == {field}
    assert states(response.content.decode()) == []


def test_the_same_invitation_twice_is_refused(guardian_client: CommittingClient, child: Pupil) -> None:
    invite(guardian_client, child)
    response = invite(guardian_client, child)
    assert response.status_code == 200
    assert field_errors(response.content.decode()) == {"service"}


def test_inviting_too_fast_says_when_to_try_again(
    guardian_client: CommittingClient,
    child: Pupil,
    settings: Any,
) -> None:
    settings.TRUST_INVITES_PER_HOUR = 1
    invite(guardian_client, child)
    response = invite(guardian_client, child, surname="Иванова", snils="", phone=GRANDMOTHER_PHONE)
    assert response.status_code == 200
    assert '<div class="errors" role="alert">' in response.content.decode()
    assert states(response.content.decode()) == ["pending"]


def test_an_end_date_is_kept(guardian_client: CommittingClient, child: Pupil) -> None:
    ends_on = timezone.localdate() + timedelta(days=10)
    invite(guardian_client, child, ends_on=ends_on.isoformat())
    assert ends_on.strftime("%d.%m.%Y") in guardian_client.get(trusted_url(child)).content.decode()


# The catalogue service


def test_the_catalogue_lists_the_service(guardian_client: CommittingClient) -> None:
    assert 'href="/cabinet/services/trusted/"' in guardian_client.get("/cabinet/services/").content.decode()


def test_the_catalogue_service_invites_for_a_chosen_child(
    guardian_client: CommittingClient,
    trust_school: DiarySchool,
    child: Pupil,
) -> None:
    page = guardian_client.get("/cabinet/services/trusted/").content.decode()
    assert str(child.public_id) in page
    assert str(trust_school.stranger_pupil.public_id) in page
    assert str(trust_school.pupils[1].public_id) not in page  # Борис is not their child
    response = guardian_client.post(
        "/cabinet/services/trusted/",
        {
            "student": str(child.public_id),
            "service": ["visits_meals"],
            "surname": "Кузнецова",
            "phone": GRANDMOTHER_PHONE,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == trusted_url(child)
    assert states(guardian_client.get(trusted_url(child)).content.decode()) == ["pending"]


def test_the_catalogue_service_refuses_someone_elses_child(
    guardian_client: CommittingClient,
    trust_school: DiarySchool,
) -> None:
    response = guardian_client.post(
        "/cabinet/services/trusted/",
        {
            "student": str(trust_school.pupils[1].public_id),
            "service": ["diary"],
            "surname": "Кузнецова",
            "snils": GRANDMOTHER_SNILS,
        },
    )
    assert response.status_code == 200
    assert field_errors(response.content.decode()) == {"student"}


@pytest.mark.parametrize("who", ["minor", "grandmother"])
def test_the_catalogue_service_explains_to_a_minor_or_a_person_without_children(
    who: str,
    client_of: ClientOf,
    request: pytest.FixtureRequest,
) -> None:
    response = client_of(request.getfixturevalue(who)).get("/cabinet/services/trusted/")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="not-available"' in page
    assert 'data-testid="invite-form"' not in page


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/cabinet/services/trusted/"),
        ("post", "/cabinet/services/trusted/"),
        ("post", "/diary/trusted/1/revoke/"),
    ],
)
def test_anonymous_is_sent_to_sign_in(method: str, path: str, make_client: Callable[[], CommittingClient]) -> None:
    response = getattr(make_client(), method)(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/signin/")


def test_anonymous_is_sent_to_sign_in_from_the_trusted_page(
    make_client: Callable[[], CommittingClient],
    child: Pupil,
) -> None:
    response = make_client().get(trusted_url(child))
    assert response.status_code == 302
    assert response["Location"].startswith("/signin/")


def test_the_trusted_tab_is_shown_only_to_those_who_may_open_it(
    child: Pupil,
    guardian_client: CommittingClient,
    minor: User,
    client_of: Callable[[User], CommittingClient],
) -> None:
    from tests.diary.conftest import make_guardian

    tab = f'href="{trusted_url(child)}"'
    assert tab in guardian_client.get(f"/diary/{child.public_id}/").content.decode()
    make_guardian(child, minor)  # a registry mistake: a minor as a guardian still may not manage grants
    teen = client_of(minor)
    assert tab not in teen.get(f"/diary/{child.public_id}/").content.decode()
    assert teen.get(trusted_url(child)).status_code == 404


def test_the_guardian_sees_the_newest_invitation_first(guardian_client: CommittingClient, child: Pupil) -> None:
    invite(guardian_client, child)
    invite(guardian_client, child, surname="Иванова", snils="", phone="+79000000999")
    ids = grant_ids(guardian_client.get(trusted_url(child)).content.decode())
    assert len(ids) == 2
    assert ids == sorted(ids, reverse=True)
