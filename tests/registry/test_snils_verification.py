"""Issue 11.1: the registry and its registrars are trusted sources of a SNILS.

An account linked to a registry record with the same SNILS has it verified; a registrar verifies the
SNILS of a person linked to a record of their own school from the document (anyone else gets 404); a link
never rests on a typed SNILS alone.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from audit.models import AuditEvent
from portal.models import User
from registry import linking
from registry.models import LinkRequest, School, StaffMember
from registry.tasks import link_known_guardians
from tests.conftest import PASSWORD, CommittingClient
from tests.registry.test_import import COLUMNS, csv_bytes
from tests.registry.test_linking import (
    ARTYOM_SNILS,
    LINK_URL,
    OLGA_SNILS,
    child_form,
    formatted,
    make_guardian,
    make_pupil,
    make_registrar,
    make_school,
    register_artyom,
)


def snils_page(account: User) -> str:
    return f"/backoffice/snils/{account.public_id}/"


def can_sign_in_by_snils(snils: str) -> bool:
    return Client().post("/signin/", {"login": formatted(snils), "password": PASSWORD}).status_code == 302


@pytest.fixture
def school(db: None) -> School:
    return make_school()


def test_a_link_to_a_record_with_the_same_snils_verifies_it(
    register: Any, make_client: Callable[[], CommittingClient], school: School
) -> None:
    make_pupil(school, snils=ARTYOM_SNILS)
    client = make_client()
    artyom = register_artyom(register, client)
    assert not can_sign_in_by_snils(ARTYOM_SNILS)

    client.post(LINK_URL, {"kind": "pupil", "school": school.pk})

    artyom.refresh_from_db()
    assert (artyom.snils_verified, artyom.snils_verified_by) == (True, "registry")
    event = AuditEvent.objects.get(action="portal.snils_verified")
    assert (event.target, event.data["source"]) == (f"portal.user:{artyom.pk}", "registry")
    assert can_sign_in_by_snils(ARTYOM_SNILS)


def test_a_link_to_a_record_without_that_snils_verifies_nothing(register: Any, web: Any, school: School) -> None:
    make_guardian(make_pupil(school), phone="+79123456789")  # the school keeps Olga's phone, not her SNILS
    olga = register()
    olga.refresh_from_db()
    assert olga.guardian_records.exists()
    assert not olga.snils_verified


def test_a_typed_snils_alone_never_links_a_guardian(
    register: Any, web: Any, make_client: Callable[[], CommittingClient], school: School
) -> None:
    row = make_guardian(make_pupil(school), snils=OLGA_SNILS)  # the school keeps only the mother's SNILS
    olga = register()  # anyone who knows her name and SNILS could have typed them
    assert link_known_guardians.enqueue(school_id=school.pk).return_value == 0
    row.refresh_from_db()
    assert row.account is None

    web.post(LINK_URL, child_form(school))
    request = LinkRequest.objects.get(account=olga)
    assert (request.state, request.differences) == ("pending", ["snils_unverified"])

    # The registrar checks by hand and approves: the link, made by a trusted person, verifies the SNILS.
    registrar = make_registrar(register, school, make_client())
    linking.approve_link_request(registrar=registrar, request_id=request.pk)
    olga.refresh_from_db()
    assert (olga.snils_verified, olga.snils_verified_by) == (True, "registry")


def test_an_import_that_adds_the_snils_to_a_linked_record_verifies_it(
    register: Any,
    make_client: Callable[[], CommittingClient],
    school: School,
    tmp_path: Any,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    record = make_pupil(school)
    client = make_client()
    artyom = register_artyom(register, client)
    client.post(LINK_URL, {"kind": "pupil", "school": school.pk})
    record.refresh_from_db()
    assert (record.account, artyom.snils_verified) == (artyom, False)

    file = tmp_path / "registry.csv"
    empty_guardian = {name: "" for name in COLUMNS if name.startswith("guardian_")}
    file.write_bytes(
        csv_bytes(
            [
                {
                    "class": "7А",
                    "pupil_surname": "Смирнов",
                    "pupil_name": "Артём",
                    "pupil_patronymic": "Андреевич",
                    "pupil_birth_date": "01.05.2012",
                    "pupil_snils": formatted(ARTYOM_SNILS),
                    **empty_guardian,
                }
            ]
        )
    )
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_registry", str(file), "--school", school.code, stdout=io.StringIO())
    artyom.refresh_from_db()
    assert (artyom.snils_verified, artyom.snils_verified_by) == (True, "registry")


# --- The registrar verifies from the document --------------------------------------------------------------


@pytest.fixture
def linked_olga(register: Any, web: Any, school: School) -> User:
    """Olga, linked as a guardian of a pupil of ``school`` by her confirmed phone; her SNILS unverified."""
    row = make_guardian(make_pupil(school), phone="+79123456789")
    olga: User = register()
    row.refresh_from_db()
    assert row.account == olga
    return olga


def test_a_registrar_verifies_the_snils_of_a_linked_person_from_the_document(
    register: Any, make_client: Callable[[], CommittingClient], school: School, linked_olga: User
) -> None:
    client = make_client()
    registrar = make_registrar(register, school, client)
    pupil_page = client.get(f"/backoffice/registry/pupil/{linked_olga.guardian_records.get().pupil_id}/change/")
    assert snils_page(linked_olga) in pupil_page.content.decode()
    page = client.get(snils_page(linked_olga))
    assert page.status_code == 200
    assert "112-233-445 95" in page.content.decode()

    wrong = client.post(snils_page(linked_olga), {"snils": "123-456-789 64"})
    assert wrong.status_code == 200
    assert [e.code for e in wrong.context["form"].errors.as_data()["snils"]] == ["snils_mismatch"]
    linked_olga.refresh_from_db()
    assert not linked_olga.snils_verified

    done = client.post(snils_page(linked_olga), {"snils": "112 233 445 95"})
    assert done.status_code == 302
    linked_olga.refresh_from_db()
    assert (linked_olga.snils_verified, linked_olga.snils_verified_by) == (True, "registrar")
    event = AuditEvent.objects.get(action="portal.snils_verified")
    assert (event.actor, event.data["source"]) == (registrar, "registrar")
    assert can_sign_in_by_snils(OLGA_SNILS)


def test_a_registrar_of_another_school_or_of_an_unlinked_person_gets_404(
    register: Any, make_client: Callable[[], CommittingClient], school: School, linked_olga: User
) -> None:
    elsewhere = make_client()
    make_registrar(register, make_school("9999", "Школа № 9999"), elsewhere)
    assert elsewhere.get(snils_page(linked_olga)).status_code == 404
    assert elsewhere.post(snils_page(linked_olga), {"snils": "112-233-445 95"}).status_code == 404
    linked_olga.refresh_from_db()
    assert not linked_olga.snils_verified

    # The school's own registrar, for a person linked to nothing of the school: 404 as well.
    stranger = register(client=make_client(), surname="Чужая", email="x@example.ru", phone="+79120000002")
    here = make_client()
    own = register(client=here, surname="Петров", email="own@example.ru", phone="+79120000003", snils="")
    StaffMember.objects.create(school=school, account=own, role=StaffMember.Role.REGISTRAR)
    assert here.get(snils_page(stranger)).status_code == 404
    assert here.post(snils_page(stranger), {"snils": "112-233-445 95"}).status_code == 404
    stranger.refresh_from_db()
    assert not stranger.snils_verified
    assert here.get(snils_page(linked_olga)).status_code == 200
