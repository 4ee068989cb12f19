"""«Подписки»: the invitee's side of the trusted-persons service, through HTTP."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from portal.models import User
from portal.names import decline_full_name
from registry.models import Pupil
from tests.conftest import CommittingClient
from tests.diary.conftest import DiarySchool
from tests.trust.web_fixtures import grant_ids, invite, states, trusted_url

SUBSCRIPTIONS = "/cabinet/subscriptions/"
ClientOf = Callable[[User], CommittingClient]


def only_grant(client: CommittingClient) -> int:
    [grant_id] = grant_ids(client.get(SUBSCRIPTIONS).content.decode())
    return grant_id


def test_the_addressed_person_sees_who_invites_for_which_child(
    guardian_client: CommittingClient,
    grandmother_client: CommittingClient,
    child: Pupil,
) -> None:
    invite(guardian_client, child)
    page = grandmother_client.get(SUBSCRIPTIONS).content.decode()
    assert page.count('data-testid="invitation"') == 1
    # «…доверенным лицом ребёнка Королева Арсения Андреевича»: the name in the genitive the sentence needs.
    assert decline_full_name(child.full_name, "genitive") in page
    assert decline_full_name(child.full_name, "genitive") != child.full_name
    assert "7А" in page
    assert "Андреева Ольга" in page
    assert child.birth_date.strftime("%d.%m.%Y") not in page
    assert str(child.birth_date.year) not in page
    assert 'data-testid="accept"' in page
    assert 'data-testid="decline"' in page


def test_nobody_else_sees_the_invitation(
    guardian_client: CommittingClient,
    client_of: ClientOf,
    trust_school: DiarySchool,
    minor: User,
    child: Pupil,
) -> None:
    invite(guardian_client, child)
    for account in (trust_school.other_parent, trust_school.parent, minor):
        assert 'data-testid="invitation"' not in client_of(account).get(SUBSCRIPTIONS).content.decode()


def test_accepted_shows_when_access_opens(
    guardian_client: CommittingClient,
    grandmother_client: CommittingClient,
    child: Pupil,
    settings: Any,
) -> None:
    settings.TRUST_ACTIVATION_DELAY = timedelta(hours=2)
    invite(guardian_client, child)
    response = grandmother_client.post(f"{SUBSCRIPTIONS}{only_grant(grandmother_client)}/accept/")
    assert response.status_code == 302
    assert response["Location"] == SUBSCRIPTIONS
    page = grandmother_client.get(SUBSCRIPTIONS).content.decode()
    assert states(page, "subscription") == ["accepted"]
    assert 'data-testid="opens-by"' in page
    assert 'data-testid="open"' not in page
    assert grandmother_client.get(f"/diary/{child.public_id}/").status_code == 404


def test_accepted_without_delay_is_active_and_links_to_the_diary(
    guardian_client: CommittingClient,
    grandmother_client: CommittingClient,
    child: Pupil,
    no_activation_delay: None,
) -> None:
    invite(guardian_client, child)
    grandmother_client.post(f"{SUBSCRIPTIONS}{only_grant(grandmother_client)}/accept/")
    page = grandmother_client.get(SUBSCRIPTIONS).content.decode()
    assert states(page, "subscription") == ["active"]
    assert f'href="/diary/{child.public_id}/" data-testid="open"' in page
    assert grandmother_client.get(f"/diary/{child.public_id}/").status_code == 200


def test_visits_and_meals_link_to_the_visits_page(
    guardian_client: CommittingClient,
    grandmother_client: CommittingClient,
    child: Pupil,
    no_activation_delay: None,
) -> None:
    invite(guardian_client, child, service=["visits_meals"])
    grandmother_client.post(f"{SUBSCRIPTIONS}{only_grant(grandmother_client)}/accept/")
    page = grandmother_client.get(SUBSCRIPTIONS).content.decode()
    assert f'href="/diary/{child.public_id}/visits/" data-testid="open"' in page


def test_decline(
    guardian_client: CommittingClient,
    grandmother_client: CommittingClient,
    child: Pupil,
) -> None:
    invite(guardian_client, child)
    grant_id = only_grant(grandmother_client)
    assert grandmother_client.post(f"{SUBSCRIPTIONS}{grant_id}/decline/").status_code == 302
    page = grandmother_client.get(SUBSCRIPTIONS).content.decode()
    assert 'data-testid="invitation"' not in page
    assert states(guardian_client.get(trusted_url(child)).content.decode()) == ["declined"]


def test_leave(
    guardian_client: CommittingClient,
    grandmother_client: CommittingClient,
    child: Pupil,
    no_activation_delay: None,
) -> None:
    invite(guardian_client, child)
    grant_id = only_grant(grandmother_client)
    grandmother_client.post(f"{SUBSCRIPTIONS}{grant_id}/accept/")
    assert grandmother_client.post(f"{SUBSCRIPTIONS}{grant_id}/leave/").status_code == 302
    page = grandmother_client.get(SUBSCRIPTIONS).content.decode()
    assert states(page, "subscription") == []
    assert states(page, "ended") == ["left"]
    assert grandmother_client.get(f"/diary/{child.public_id}/").status_code == 404
    assert states(guardian_client.get(trusted_url(child)).content.decode()) == ["left"]


def test_answering_twice_is_a_message_not_an_error(
    guardian_client: CommittingClient,
    grandmother_client: CommittingClient,
    child: Pupil,
    settings: Any,
) -> None:
    settings.TRUST_ACTIVATION_DELAY = timedelta(hours=2)
    invite(guardian_client, child)
    grant_id = only_grant(grandmother_client)
    grandmother_client.post(f"{SUBSCRIPTIONS}{grant_id}/accept/")
    again = grandmother_client.post(f"{SUBSCRIPTIONS}{grant_id}/decline/")
    assert again.status_code == 302
    assert again["Location"] == SUBSCRIPTIONS
    assert 'class="wrong_state error"' in grandmother_client.get(SUBSCRIPTIONS).content.decode()


@pytest.mark.parametrize("action", ["accept", "decline", "leave"])
def test_someone_elses_invitation_or_grant_is_404(
    action: str,
    guardian_client: CommittingClient,
    grandmother_client: CommittingClient,
    client_of: ClientOf,
    trust_school: DiarySchool,
    child: Pupil,
    no_activation_delay: None,
) -> None:
    invite(guardian_client, child)
    invite(guardian_client, child, surname="Иванова")  # addressed to nobody here
    to_grandmother = only_grant(grandmother_client)
    [pending] = set(grant_ids(guardian_client.get(trusted_url(child)).content.decode())) - {to_grandmother}
    if action == "leave":
        grandmother_client.post(f"{SUBSCRIPTIONS}{to_grandmother}/accept/")
    for account in (trust_school.other_parent, trust_school.parent):
        assert client_of(account).post(f"{SUBSCRIPTIONS}{to_grandmother}/{action}/").status_code == 404
    assert grandmother_client.post(f"{SUBSCRIPTIONS}{pending}/{action}/").status_code == 404
    assert grandmother_client.post(f"{SUBSCRIPTIONS}999999/{action}/").status_code == 404


def test_a_minor_cannot_accept(
    guardian_client: CommittingClient,
    client_of: ClientOf,
    minor: User,
    child: Pupil,
) -> None:
    invite(guardian_client, child, snils=minor.snils)
    [grant_id] = grant_ids(guardian_client.get(trusted_url(child)).content.decode())
    response = client_of(minor).post(f"{SUBSCRIPTIONS}{grant_id}/accept/")
    assert response.status_code in (302, 404)
    assert states(guardian_client.get(trusted_url(child)).content.decode()) == ["pending"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", SUBSCRIPTIONS),
        ("post", f"{SUBSCRIPTIONS}1/accept/"),
        ("post", f"{SUBSCRIPTIONS}1/decline/"),
        ("post", f"{SUBSCRIPTIONS}1/leave/"),
    ],
)
def test_anonymous_is_sent_to_sign_in(method: str, path: str, make_client: Callable[[], CommittingClient]) -> None:
    response = getattr(make_client(), method)(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/signin/")


def test_get_on_an_answer_is_not_allowed(grandmother_client: CommittingClient) -> None:
    assert grandmother_client.get(f"{SUBSCRIPTIONS}1/accept/").status_code == 405
