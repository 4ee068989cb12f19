"""Processing terms by version: registration and a guardian's link record acceptances; a new version asks again."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.test import Client
from django.utils import timezone

from portal.models import TermsAcceptance, TermsVersion, User
from tests.conftest import PASSWORD, CommittingClient
from tests.registry.test_linking import make_guardian, make_pupil, make_school


def test_the_seed_version_is_current_and_in_russian(db: None) -> None:
    version = TermsVersion.objects.get(version="1")
    assert "персональных данных" in version.text


def test_registration_records_who_which_version_when_and_how(register: Callable[..., User]) -> None:
    user = register(confirm=False)
    acceptance = TermsAcceptance.objects.get(account=user)
    assert (acceptance.version.version, acceptance.for_child, acceptance.pupil, acceptance.via) == (
        "1",
        False,
        None,
        "web",
    )
    assert timezone.now() - acceptance.at < timedelta(minutes=1)


def test_registration_without_the_box_is_refused_by_field(web: CommittingClient, db: None) -> None:
    from tests.conftest import registration_data

    data = registration_data()
    del data["consent"]
    response = web.post("/register/", data)
    assert response.status_code == 200
    assert "consent" in response.context["form"].errors
    assert not User.objects.exists()


def _sign_in(client: Client, user: User) -> Any:
    return client.post("/signin/", {"login": user.email, "password": PASSWORD})


def test_a_new_version_asks_again_at_the_next_sign_in(register: Callable[..., User], make_client: Any) -> None:
    user = register()
    TermsVersion.objects.create(version="2", text="Новые условия", published_at=timezone.now())
    client = make_client()
    assert _sign_in(client, user).status_code == 302
    page = client.get("/cabinet/")
    assert page.status_code == 302
    assert page["Location"].startswith("/terms/?next=")
    terms = client.get(page["Location"])
    assert "Новые условия" in terms.content.decode()
    assert terms.context["pending"]
    # Without the box: the same page, with the field named.
    refused = client.post("/terms/", {"next": "/cabinet/"})
    assert refused.status_code == 200
    assert "consent" in refused.context["form"].errors
    accepted = client.post("/terms/", {"consent": "on", "next": "/cabinet/"})
    assert accepted.status_code == 302
    assert accepted["Location"] == "/cabinet/"
    assert client.get("/cabinet/").status_code == 200
    assert list(TermsAcceptance.objects.filter(account=user).values_list("version__version", flat=True)) == ["2", "1"]
    # The next sign-in does not ask again.
    again = make_client()
    _sign_in(again, user)
    assert again.get("/cabinet/").status_code == 200


def test_the_api_is_not_stopped_by_new_terms(register: Callable[..., User], make_client: Any) -> None:
    """Decision: bearer tokens of the mobile app keep working; the browser sign-in shows the terms."""
    user = register()
    TermsVersion.objects.create(version="2", text="Новые условия")
    client = make_client()
    _sign_in(client, user)
    assert client.get("/api/v1/me").status_code == 200


def test_a_guardian_consents_for_the_child_at_linking_and_the_pupil_sees_it(
    register: Callable[..., User], web: CommittingClient, make_client: Any
) -> None:
    mother = register()
    school = make_school()
    pupil = make_pupil(school)
    make_guardian(pupil, phone="+79123456789", email="Olga@Example.ru")
    form = {
        "kind": "guardian",
        "school": school.pk,
        "child_surname": "Смирнов",
        "child_given_name": "Артём",
        "child_patronymic": "Андреевич",
        "child_birth_date": "2012-05-01",
    }
    refused = web.post("/cabinet/school/link/", form)
    assert refused.status_code == 200
    assert "child_consent" in refused.context["form"].errors
    assert web.post("/cabinet/school/link/", {**form, "child_consent": "on"}).status_code == 302
    consent = TermsAcceptance.objects.get(account=mother, for_child=True)
    assert (consent.pupil, consent.version.version, consent.via) == (pupil, "1", "web")
    # The pupil's own account of the minor shows that a guardian consented, and which one.
    artyom = User.objects.create_user("artyom@example.ru", PASSWORD, surname="Смирнов", given_name="Артём")
    pupil.account = artyom
    pupil.save(update_fields=["account"])
    client = make_client()
    client.force_login(artyom)
    page = client.get("/cabinet/data/").content.decode()
    assert "Смирнова Ольга" in page
    assert "согласие" in page.lower()
