"""«Передайте свои данные в школу»: matching, linking, the registrar's decisions and the reverse auto-link.

People act through the cabinet pages (the committing test client); registrars through the services
the back office calls. Registry rows are fixtures made with the ORM. Assertions are on codes and
structure (``data-code``, ``data-state``), never on Russian text.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEvent
from core.errors import DomainError, NotFound
from portal import selectors as portal_selectors
from portal.identity import snils_checksum
from portal.models import User
from registry import linking, matching, selectors
from registry.models import Guardian, LinkRequest, Pupil, School, SchoolClass, StaffMember
from registry.tasks import link_known_guardians
from tests.conftest import CommittingClient, last_email_code, last_sms_code
from tests.snils import enrol

LINK_URL = "/cabinet/school/link/"
SCHOOL_URL = "/cabinet/school/"

# The parent of tests.conftest.registration_data: Смирнова Ольга Игоревна, 14.03.1986.
OLGA_PHONE = "+79123456789"
OLGA_EMAIL = "olga@example.ru"
OLGA_SNILS = "11223344595"


def snils(number: int) -> str:
    """A valid SNILS (11 digits, right checksum) for a number above 001-001-998."""
    digits = f"{number:09d}"
    return f"{digits}{snils_checksum(digits):02d}"


def formatted(digits: str) -> str:
    return f"{digits[0:3]}-{digits[3:6]}-{digits[6:9]} {digits[9:11]}"


ARTYOM_SNILS = snils(200_300_400)


def make_school(code: str = "1234", name: str = "Школа № 1234") -> School:
    return School.objects.create(code=code, name=name)


def make_pupil(
    school: School,
    *,
    surname: str = "Смирнов",
    given_name: str = "Артём",
    patronymic: str = "Андреевич",
    birth_date: date = date(2012, 5, 1),
    grade: int = 7,
    letter: str = "А",
    **extra: Any,
) -> Pupil:
    school_class, _ = SchoolClass.objects.get_or_create(school=school, grade=grade, letter=letter)
    record = Pupil(
        school=school,
        school_class=school_class,
        surname=surname,
        given_name=given_name,
        patronymic=patronymic,
        birth_date=birth_date,
        **extra,
    )
    record.refresh_fio_key()
    record.save()
    return record


def make_guardian(
    pupil: Pupil,
    *,
    surname: str = "Смирнова",
    given_name: str = "Ольга",
    patronymic: str = "Игоревна",
    relation: str = Guardian.Relation.MOTHER,
    **extra: Any,
) -> Guardian:
    record = Guardian(
        pupil=pupil, surname=surname, given_name=given_name, patronymic=patronymic, relation=relation, **extra
    )
    record.refresh_fio_key()
    record.save()
    return record


def make_registrar(register: Callable[..., User], school: School, client: Client) -> User:
    user = register(
        client=client,
        surname="Петров",
        given_name="Сергей",
        patronymic="Иванович",
        email="registrar@example.ru",
        phone="+79160000006",
        snils="",
        birth_date="1975-01-01",
    )
    StaffMember.objects.create(school=school, account=user, role=StaffMember.Role.REGISTRAR)
    return user


def child_form(school: School, **overrides: Any) -> dict[str, Any]:
    data = {
        "kind": "guardian",
        "school": school.pk,
        "child_surname": "Смирнов",
        "child_given_name": "Артём",
        "child_patronymic": "Андреевич",
        "child_birth_date": "2012-05-01",
        "child_consent": "on",
    }
    data.update(overrides)
    return data


def register_artyom(register: Callable[..., User], client: Client, **overrides: Any) -> User:
    """The pupil's own account (a minor), in a browser of their own."""
    data = {
        "surname": "Смирнов",
        "given_name": "Артём",
        "patronymic": "Андреевич",
        "email": "artyom@example.ru",
        "phone": "+79160000003",
        "snils": formatted(ARTYOM_SNILS),
        "birth_date": "2012-05-01",
    }
    data.update(overrides)
    return register(client=client, **data)


def form_error_codes(response: Any) -> set[str]:
    assert response.status_code == 200, response.status_code
    form = response.context["form"]
    return {error.code for errors in form.errors.as_data().values() for error in errors}


def requests_on_page(client: Client) -> list[dict[str, Any]]:
    """The person's requests as the cabinet shows them: state and the codes of what differs."""
    response = client.get(SCHOOL_URL)
    assert response.status_code == 200
    return [
        {"state": row.state, "kind": row.kind, "codes": [problem.code for problem in row.problems]}
        for row in response.context["links"].requests
    ]


@pytest.fixture
def school(db: None) -> School:
    return make_school()


# --- Exact matches link at once ----------------------------------------------------------------------------


def test_a_pupil_whose_profile_matches_is_linked_at_once(register: Any, web: CommittingClient, school: School) -> None:
    record = make_pupil(school, snils=ARTYOM_SNILS)
    artyom = register_artyom(register, web)

    response = web.post(LINK_URL, {"kind": "pupil", "school": school.pk})

    assert response.status_code == 302
    assert response["Location"] == SCHOOL_URL
    record.refresh_from_db()
    assert record.account == artyom
    request = LinkRequest.objects.get(account=artyom)
    assert (request.state, request.kind, request.differences, request.pupil) == ("linked", "pupil", [], record)
    assert AuditEvent.objects.filter(
        action="registry.link", target=f"registry.pupil:{record.pk}", actor=artyom
    ).exists()
    assert AuditEvent.objects.filter(action="registry.link_request", target=f"registry.linkrequest:{request.pk}")
    page = web.get(SCHOOL_URL)
    assert [(s.student_id, s.relation) for s in page.context["links"].students] == [(str(record.public_id), "self")]
    assert 'data-relation="self"' in page.content.decode()


def test_a_guardian_whose_data_matches_is_linked_at_once_names_compared_loosely(
    register: Any, web: CommittingClient, school: School
) -> None:
    olga = register()
    record = make_pupil(school, given_name="Артем")  # the registry writes е for ё
    row = make_guardian(record, phone=OLGA_PHONE, email="Olga@Example.ru", snils=OLGA_SNILS)

    response = web.post(LINK_URL, child_form(school, child_surname="  смирнов ", child_given_name="АРТЁМ"))

    assert response.status_code == 302
    row.refresh_from_db()
    assert row.account == olga
    request = LinkRequest.objects.get(account=olga)
    assert (request.state, request.differences, request.guardian) == ("linked", [], row)
    assert AuditEvent.objects.filter(action="registry.link", target=f"registry.guardian:{row.pk}").exists()
    assert requests_on_page(web) == [{"state": "linked", "kind": "guardian", "codes": []}]


# --- Mismatches queue for the registrar and say which field ------------------------------------------------


PUPIL_MISMATCHES = [
    # (registry overrides, profile overrides, expected codes, a registry value that must not be shown)
    ({"surname": "Смирнофф", "snils": ARTYOM_SNILS}, {}, ["surname"], "Смирнофф"),
    ({"given_name": "Артемий", "snils": ARTYOM_SNILS}, {}, ["given_name"], "Артемий"),
    ({"patronymic": "Игоревич", "snils": ARTYOM_SNILS}, {}, ["patronymic"], "Игоревич"),
    ({"birth_date": date(2012, 6, 2), "snils": ARTYOM_SNILS}, {}, ["birth_date"], "02.06.2012"),
    ({"snils": snils(300_400_500)}, {}, ["snils"], formatted(snils(300_400_500))),
    ({"snils": ARTYOM_SNILS}, {"snils": ""}, ["snils"], formatted(ARTYOM_SNILS)),
]


@pytest.mark.parametrize(
    ("registry", "profile", "codes", "secret"),
    PUPIL_MISMATCHES,
    ids=[case[2][0] + ("_missing" if case[1] else "") for case in PUPIL_MISMATCHES],
)
def test_a_pupil_mismatch_is_queued_with_its_field_and_no_link(
    register: Any,
    web: CommittingClient,
    school: School,
    registry: dict[str, Any],
    profile: dict[str, Any],
    codes: list[str],
    secret: str,
) -> None:
    record = make_pupil(school, **registry)
    artyom = register_artyom(register, web, **profile)

    response = web.post(LINK_URL, {"kind": "pupil", "school": school.pk})

    assert response.status_code == 302
    record.refresh_from_db()
    assert record.account is None
    request = LinkRequest.objects.get(account=artyom)
    assert (request.state, request.differences, request.pupil) == ("pending", codes, record)
    page = web.get(SCHOOL_URL).content.decode()
    assert f'data-code="{codes[0]}"' in page
    assert secret not in page
    assert not AuditEvent.objects.filter(action="registry.link").exists()


GUARDIAN_MISMATCHES = [
    ({"phone": "+79169999999"}, ["phone"], "916 999"),
    ({"email": "mother@example.ru"}, ["email"], "mother@example.ru"),
    ({"snils": snils(400_500_600)}, ["snils"], formatted(snils(400_500_600))),
    ({"phone": OLGA_PHONE, "patronymic": "Ивановна"}, ["patronymic"], "Ивановна"),
    ({"phone": OLGA_PHONE, "surname": "Смирнова-Белова"}, ["surname"], "Смирнова-Белова"),
    ({"email": OLGA_EMAIL, "given_name": "Оля", "phone": "+79169999999"}, ["given_name", "phone"], "Оля"),
]


@pytest.mark.parametrize(
    ("registry", "codes", "secret"), GUARDIAN_MISMATCHES, ids=["-".join(case[1]) for case in GUARDIAN_MISMATCHES]
)
def test_a_guardian_mismatch_is_queued_with_its_fields_and_no_link(
    register: Any, web: CommittingClient, school: School, registry: dict[str, Any], codes: list[str], secret: str
) -> None:
    olga = register()
    row = make_guardian(make_pupil(school), **registry)

    web.post(LINK_URL, child_form(school))

    row.refresh_from_db()
    assert row.account is None
    request = LinkRequest.objects.get(account=olga)
    assert (request.state, request.differences, request.guardian) == ("pending", codes, row)
    assert requests_on_page(web) == [{"state": "pending", "kind": "guardian", "codes": codes}]
    page = web.get(SCHOOL_URL).content.decode()
    assert secret not in page


def test_a_guardian_the_school_has_no_contacts_of_is_checked_by_hand(
    register: Any, web: CommittingClient, school: School
) -> None:
    olga = register()
    row = make_guardian(make_pupil(school))
    web.post(LINK_URL, child_form(school))
    row.refresh_from_db()
    assert row.account is None
    assert LinkRequest.objects.get(account=olga).differences == ["nothing_to_compare"]


def test_asking_again_refreshes_the_same_pending_request_and_links_once_fixed(
    register: Any, web: CommittingClient, school: School
) -> None:
    record = make_pupil(school, patronymic="Игоревич", snils=ARTYOM_SNILS)
    artyom = register_artyom(register, web)
    web.post(LINK_URL, {"kind": "pupil", "school": school.pk})
    web.post(LINK_URL, {"kind": "pupil", "school": school.pk})
    assert LinkRequest.objects.filter(account=artyom).count() == 1

    web.post(
        "/cabinet/profile/",
        {
            "surname": "Смирнов",
            "given_name": "Артём",
            "patronymic": "Игоревич",
            "birth_date": "2012-05-01",
            "snils": formatted(ARTYOM_SNILS),
        },
    )
    web.post(LINK_URL, {"kind": "pupil", "school": school.pk})

    request = LinkRequest.objects.get(account=artyom)
    assert (request.state, request.differences) == ("linked", [])
    record.refresh_from_db()
    assert record.account == artyom


def test_no_record_is_not_found_for_a_pupil_and_for_a_guardian(
    register: Any, web: CommittingClient, school: School
) -> None:
    olga = register()
    make_pupil(school)
    web.post(LINK_URL, {"kind": "pupil", "school": school.pk})
    web.post(LINK_URL, child_form(school, child_birth_date="2013-05-01"))
    assert sorted(LinkRequest.objects.filter(account=olga).values_list("kind", "state", "differences")) == [
        ("guardian", "pending", ["not_found"]),
        ("pupil", "pending", ["not_found"]),
    ]
    assert [row["codes"] for row in requests_on_page(web)] == [["not_found"], ["not_found"]]


def test_a_child_without_a_guardian_row_for_the_person_is_not_found(
    register: Any, web: CommittingClient, school: School
) -> None:
    olga = register()
    make_guardian(make_pupil(school), surname="Смирнов", given_name="Андрей", phone="+79160000002")
    web.post(LINK_URL, child_form(school))
    assert LinkRequest.objects.get(account=olga).differences == ["not_found"]


def test_a_pupil_record_linked_to_another_account_cannot_be_taken(
    register: Any, make_client: Callable[[], CommittingClient], school: School
) -> None:
    record = make_pupil(school)
    first = register_artyom(register, make_client(), snils="")
    second_client = make_client()
    second = register_artyom(register, second_client, snils="", email="artyom2@example.ru", phone="+79160000013")
    first_client = make_client()
    first_client.force_login(first)
    first_client.post(LINK_URL, {"kind": "pupil", "school": school.pk})

    second_client.post(LINK_URL, {"kind": "pupil", "school": school.pk})

    record.refresh_from_db()
    assert record.account == first
    assert LinkRequest.objects.get(account=second).differences == ["already_linked"]


# --- Who may ask -------------------------------------------------------------------------------------------


def test_unconfirmed_contacts_are_refused(register: Any, web: CommittingClient, school: School) -> None:
    make_guardian(make_pupil(school), phone=OLGA_PHONE)
    olga = register(confirm=False)
    page = web.get(LINK_URL)
    assert b'data-testid="contacts-unconfirmed"' in page.content

    response = web.post(LINK_URL, child_form(school))

    assert form_error_codes(response) == {"contacts_unconfirmed"}
    assert not LinkRequest.objects.exists()
    with pytest.raises(DomainError) as refused:
        linking.request_link(user=olga, kind="pupil", school_id=school.pk)
    assert refused.value.code == "contacts_unconfirmed"


def test_a_guardian_needs_a_birth_date_in_the_profile(register: Any, web: CommittingClient, school: School) -> None:
    register(birth_date="")
    make_guardian(make_pupil(school), phone=OLGA_PHONE)
    assert form_error_codes(web.post(LINK_URL, child_form(school))) == {"birth_date_required"}
    assert not Guardian.objects.filter(account__isnull=False).exists()


def test_a_minor_cannot_be_a_guardian(register: Any, web: CommittingClient, school: School) -> None:
    minor = register(birth_date="2010-01-01")
    make_guardian(make_pupil(school, birth_date=date(2019, 2, 2)), phone=OLGA_PHONE)
    response = web.post(LINK_URL, child_form(school, child_birth_date="2019-02-02"))
    assert form_error_codes(response) == {"minor_guardian"}
    assert not Guardian.objects.filter(account=minor).exists()
    assert not LinkRequest.objects.exists()


def test_the_guardian_form_needs_the_child(register: Any, web: CommittingClient, school: School) -> None:
    register()
    response = web.post(LINK_URL, {"kind": "guardian", "school": school.pk})
    assert form_error_codes(response) == {"required"}
    assert set(response.context["form"].errors) == {
        "child_surname",
        "child_given_name",
        "child_birth_date",
        "child_consent",
    }


def test_an_unknown_school_is_a_field_error(register: Any, web: CommittingClient, school: School) -> None:
    register()
    response = web.post(LINK_URL, {"kind": "pupil", "school": 999999})
    assert "school" in response.context["form"].errors


# --- Separate accounts for a parent and a child ------------------------------------------------------------


def test_the_pupil_cannot_also_be_a_guardian_of_themself(register: Any, web: CommittingClient, school: School) -> None:
    # An adult pupil (an evening school), so that only the separate-accounts rule stands in the way; the
    # registry lists them, by mistake, as their own guardian too.
    record = make_pupil(school, snils=ARTYOM_SNILS, birth_date=date(2000, 5, 1))
    make_guardian(record, surname="Смирнов", given_name="Артём", patronymic="Андреевич", phone="+79160000003")
    artyom = register_artyom(register, web, birth_date="2000-05-01")
    assert not Guardian.objects.filter(account=artyom).exists()  # the reverse task did not link them
    web.post(LINK_URL, {"kind": "pupil", "school": school.pk})
    record.refresh_from_db()
    assert record.account == artyom

    response = web.post(LINK_URL, child_form(school, child_birth_date="2000-05-01"))

    assert form_error_codes(response) == {"separate_accounts"}
    assert not Guardian.objects.filter(account=artyom).exists()
    link_known_guardians.enqueue(school_id=school.pk)
    assert not Guardian.objects.filter(account=artyom).exists()


def test_a_guardian_of_a_pupil_cannot_link_as_that_pupil(register: Any, web: CommittingClient, school: School) -> None:
    # The school typed the mother's SNILS into the child's record: asking as a pupil finds that child.
    record = make_pupil(school, snils=OLGA_SNILS)
    row = make_guardian(record, phone=OLGA_PHONE)
    olga = register()
    row.refresh_from_db()
    assert row.account == olga  # linked by the reverse task on confirmation

    response = web.post(LINK_URL, {"kind": "pupil", "school": school.pk})

    assert form_error_codes(response) == {"separate_accounts"}
    record.refresh_from_db()
    assert record.account is None


# --- The registrar's decisions -----------------------------------------------------------------------------


@pytest.fixture
def pending_pupil(register: Any, web: CommittingClient, school: School) -> dict[str, Any]:
    record = make_pupil(school, patronymic="Игоревич", snils=ARTYOM_SNILS)
    artyom = register_artyom(register, web)
    web.post(LINK_URL, {"kind": "pupil", "school": school.pk})
    return {"record": record, "artyom": artyom, "request": LinkRequest.objects.get(account=artyom)}


def test_registrar_sees_both_values_corrects_the_record_and_approves(
    pending_pupil: dict[str, Any],
    register: Any,
    make_client: Callable[[], CommittingClient],
    school: School,
    web: CommittingClient,
) -> None:
    registrar = make_registrar(register, school, make_client())
    found = selectors.link_request_for_registrar(registrar=registrar, request_id=pending_pupil["request"].pk)
    assert [row.pk for row in selectors.link_queue(registrar=registrar)] == [found.pk]
    assert matching.pending_differences(found) == [("patronymic", "Игоревич", "Андреевич")]

    record = pending_pupil["record"]
    record.patronymic = "Андреевич"
    record.refresh_fio_key()
    record.save()
    found = selectors.link_request_for_registrar(registrar=registrar, request_id=found.pk)
    assert matching.pending_differences(found) == []

    request = linking.approve_link_request(registrar=registrar, request_id=found.pk)

    assert (request.state, request.decided_by) == ("linked", registrar)
    record.refresh_from_db()
    assert record.account == pending_pupil["artyom"]
    assert AuditEvent.objects.filter(action="registry.link_request_approved", actor=registrar).exists()
    assert AuditEvent.objects.filter(
        action="registry.link", actor=registrar, target=f"registry.pupil:{record.pk}"
    ).exists()
    assert requests_on_page(web) == [{"state": "linked", "kind": "pupil", "codes": []}]
    with pytest.raises(DomainError) as twice:
        linking.approve_link_request(registrar=registrar, request_id=found.pk)
    assert twice.value.code == "link_request_decided"


def test_registrar_rejects_with_a_reason_the_person_reads(
    pending_pupil: dict[str, Any],
    register: Any,
    make_client: Callable[[], CommittingClient],
    school: School,
    web: CommittingClient,
) -> None:
    registrar = make_registrar(register, school, make_client())
    request_id = pending_pupil["request"].pk
    with pytest.raises(DomainError) as empty:
        linking.reject_link_request(registrar=registrar, request_id=request_id, reason="  ")
    assert empty.value.code == "reason_required"

    request = linking.reject_link_request(registrar=registrar, request_id=request_id, reason="Reason 42")

    assert (request.state, request.reason, request.decided_by) == ("rejected", "Reason 42", registrar)
    assert AuditEvent.objects.filter(action="registry.link_request_rejected").exists()
    page = web.get(SCHOOL_URL).content.decode()
    assert 'data-state="rejected"' in page
    assert "Reason 42" in page
    pending_pupil["record"].refresh_from_db()
    assert pending_pupil["record"].account is None


def test_registrar_links_a_not_found_request_to_the_record_they_choose(
    register: Any, web: CommittingClient, make_client: Callable[[], CommittingClient], school: School
) -> None:
    olga = register()
    record = make_pupil(school, surname="Смирнов-Петров")
    web.post(LINK_URL, child_form(school))
    request = LinkRequest.objects.get(account=olga)
    assert request.differences == ["not_found"]
    registrar = make_registrar(register, school, make_client())
    assert matching.pending_differences(request) == [("not_found", "", "")]
    with pytest.raises(DomainError) as no_pupil:
        linking.approve_link_request(registrar=registrar, request_id=request.pk)
    assert no_pupil.value.code == "pupil_required"
    with pytest.raises(DomainError) as no_row:
        linking.approve_link_request(registrar=registrar, request_id=request.pk, pupil_id=record.pk)
    assert no_row.value.code == "guardian_record_missing"

    row = make_guardian(record)  # the registrar adds the mother to the child's guardians, then approves
    linking.approve_link_request(registrar=registrar, request_id=request.pk, pupil_id=record.pk)

    row.refresh_from_db()
    assert row.account == olga
    assert [s.relation for s in portal_selectors.linked_students(viewer=olga)] == ["guardian"]


def test_approval_checks_the_separate_accounts_rule_again(
    register: Any, web: CommittingClient, make_client: Callable[[], CommittingClient], school: School
) -> None:
    olga = register()
    child = make_pupil(school)
    make_guardian(child, phone=OLGA_PHONE)
    web.post(LINK_URL, child_form(school))  # Olga is the child's guardian now
    web.post(LINK_URL, {"kind": "pupil", "school": school.pk})  # and asks, by mistake, to be a pupil
    request = LinkRequest.objects.get(account=olga, kind="pupil")
    registrar = make_registrar(register, school, make_client())
    with pytest.raises(DomainError) as refused:
        linking.approve_link_request(registrar=registrar, request_id=request.pk, pupil_id=child.pk)
    assert refused.value.code == "separate_accounts"
    child.refresh_from_db()
    assert child.account is None


def test_a_registrar_of_another_school_gets_not_found(
    pending_pupil: dict[str, Any], register: Any, make_client: Callable[[], CommittingClient]
) -> None:
    other_school = make_school("9999", "Школа № 9999")
    stranger = make_registrar(register, other_school, make_client())
    request_id = pending_pupil["request"].pk
    with pytest.raises(NotFound):
        linking.approve_link_request(registrar=stranger, request_id=request_id)
    with pytest.raises(NotFound):
        linking.reject_link_request(registrar=stranger, request_id=request_id, reason="no")
    with pytest.raises(NotFound):
        selectors.link_request_for_registrar(registrar=stranger, request_id=request_id)
    assert list(selectors.link_queue(registrar=stranger)) == []
    with pytest.raises(NotFound):
        linking.approve_link_request(registrar=stranger, request_id=999999)
    assert LinkRequest.objects.get(pk=request_id).state == "pending"


def test_a_registrar_cannot_link_a_pupil_of_another_school(
    pending_pupil: dict[str, Any], register: Any, make_client: Callable[[], CommittingClient], school: School
) -> None:
    elsewhere = make_pupil(make_school("9999", "Школа № 9999"), surname="Другой")
    registrar = make_registrar(register, school, make_client())
    with pytest.raises(NotFound):
        linking.approve_link_request(registrar=registrar, request_id=pending_pupil["request"].pk, pupil_id=elsewhere.pk)


# --- Ending a link -----------------------------------------------------------------------------------------


def test_ending_a_link_is_audited_and_only_for_the_person_or_the_registrar(
    register: Any, web: CommittingClient, make_client: Callable[[], CommittingClient], school: School
) -> None:
    olga = register()
    row = make_guardian(make_pupil(school), phone=OLGA_PHONE)
    web.post(LINK_URL, child_form(school))
    row.refresh_from_db()
    assert row.account == olga
    stranger = register_artyom(register, make_client(), snils="")
    with pytest.raises(NotFound):
        linking.end_link(actor=stranger, kind="guardian", record_id=row.pk)

    linking.end_link(actor=olga, kind="guardian", record_id=row.pk, reason="by mistake")

    row.refresh_from_db()
    assert row.account is None
    event = AuditEvent.objects.get(action="registry.unlink")
    assert (event.actor, event.target, event.data["account"]) == (olga, f"registry.guardian:{row.pk}", olga.pk)
    assert portal_selectors.linked_students(viewer=olga) == []
    with pytest.raises(NotFound):
        linking.end_link(actor=olga, kind="guardian", record_id=row.pk)

    registrar = make_registrar(register, school, make_client())
    web.post(LINK_URL, child_form(school))
    linking.end_link(actor=registrar, kind="guardian", record_id=row.pk)
    assert AuditEvent.objects.filter(action="registry.unlink", actor=registrar).exists()


# --- The other direction: registry guardians find their accounts -------------------------------------------


@pytest.mark.parametrize(
    "identifier",
    [{"phone": OLGA_PHONE}, {"email": "OLGA@example.ru"}, {"snils": OLGA_SNILS}],
    ids=["phone", "email", "snils"],
)
def test_confirming_contacts_links_a_known_guardian(register: Any, school: School, identifier: dict[str, str]) -> None:
    row = make_guardian(make_pupil(school), **identifier)
    enrol(OLGA_SNILS, "Смирнова", "Ольга")  # a SNILS counts once verified (here by the pension fund's check)
    olga = register()
    row.refresh_from_db()
    assert row.account == olga
    event = AuditEvent.objects.get(action="registry.link")
    assert (event.actor, event.data["via"]) == (None, "auto")


def test_the_fio_alone_never_links(register: Any, school: School) -> None:
    row = make_guardian(make_pupil(school), phone="+79169999999", email="someone@example.ru")
    register()
    assert link_known_guardians.enqueue(school_id=school.pk).return_value == 0
    row.refresh_from_db()
    assert row.account is None


def test_an_unconfirmed_phone_does_not_link(register: Any, web: CommittingClient, school: School) -> None:
    row = make_guardian(make_pupil(school), phone=OLGA_PHONE)
    olga = register(confirm=False)
    web.post("/confirm/", {"action": "confirm_email", "email-code": last_email_code(olga.email)})
    link_known_guardians.enqueue(school_id=school.pk)
    link_known_guardians.enqueue(account_id=olga.pk)
    row.refresh_from_db()
    assert row.account is None

    web.post("/confirm/", {"action": "confirm_phone", "phone-code": last_sms_code(olga.phone)})
    row.refresh_from_db()
    assert row.account == olga


def test_the_reverse_task_skips_minors_and_other_schools(register: Any, web: CommittingClient, school: School) -> None:
    row = make_guardian(make_pupil(school, birth_date=date(2024, 1, 1)), phone=OLGA_PHONE)
    olga = register(birth_date="2009-01-01")  # a minor with the mother's name and phone
    row.refresh_from_db()
    assert row.account is None

    web.post(
        "/cabinet/profile/",
        {
            "surname": "Смирнова",
            "given_name": "Ольга",
            "patronymic": "Игоревна",
            "birth_date": "1986-03-14",
            "snils": formatted(OLGA_SNILS),
        },
    )
    elsewhere = make_guardian(make_pupil(make_school("9999", "Школа № 9999"), surname="Иванов"), phone=OLGA_PHONE)
    assert link_known_guardians.enqueue(school_id=school.pk).return_value == 1

    row.refresh_from_db()
    elsewhere.refresh_from_db()
    assert (row.account, elsewhere.account) == (olga, None)


def test_an_auto_link_settles_the_persons_pending_request(register: Any, web: CommittingClient, school: School) -> None:
    olga = register()
    row = make_guardian(make_pupil(school))
    web.post(LINK_URL, child_form(school))
    assert LinkRequest.objects.get(account=olga).state == "pending"
    row.phone = OLGA_PHONE  # the school adds the phone, e.g. by an import
    row.save()
    link_known_guardians.enqueue(school_id=school.pk)
    assert LinkRequest.objects.get(account=olga).state == "linked"


# --- The pages ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [SCHOOL_URL, LINK_URL])
def test_anonymous_is_sent_to_sign_in(db: None, path: str) -> None:
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/signin/?next={path}"
    assert Client().post(path, {"kind": "pupil"})["Location"].startswith("/signin/")


def test_a_stranger_sees_only_their_own_requests_and_links(
    register: Any, web: CommittingClient, make_client: Callable[[], CommittingClient], school: School
) -> None:
    make_guardian(make_pupil(school), phone=OLGA_PHONE)
    register()
    web.post(LINK_URL, child_form(school))
    web.post(LINK_URL, {"kind": "pupil", "school": school.pk})
    stranger_client = make_client()
    register_artyom(register, stranger_client, snils="", surname="Чужой")

    page = stranger_client.get(SCHOOL_URL)

    assert page.status_code == 200
    assert page.context["links"].students == []
    assert page.context["links"].requests == []
    assert "Смирнов Артём" not in page.content.decode()
    assert stranger_client.get(LINK_URL).status_code == 200


def test_the_diary_service_page_shows_the_children_and_the_way_to_link(
    register: Any, web: CommittingClient, school: School
) -> None:
    olga = register()
    empty = web.get("/cabinet/services/diary/").content.decode()
    assert f'href="{LINK_URL}"' in empty
    first = make_pupil(school)
    second = make_pupil(school, given_name="Мария", birth_date=date(2015, 9, 9), grade=3, letter="Б")
    make_guardian(first, phone=OLGA_PHONE)
    make_guardian(second, phone=OLGA_PHONE)
    link_known_guardians.enqueue(account_id=olga.pk)

    page = web.get("/cabinet/services/diary/")

    html = page.content.decode()
    assert [s.student_id for s in page.context["students"]] == [str(first.public_id), str(second.public_id)]
    assert html.count('data-relation="guardian"') == 2
    assert "7А" in html
    assert "3Б" in html
    assert f'href="{SCHOOL_URL}"' in html


def test_the_cabinet_page_reads_in_a_fixed_number_of_queries(
    register: Any, web: CommittingClient, school: School
) -> None:
    olga = register()
    web.post(LINK_URL, child_form(school))

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            selectors.school_links(viewer=olga)
        return len(queries)

    one = count()
    for birth in ("2013-01-01", "2014-01-01", "2015-01-01"):
        web.post(LINK_URL, child_form(school, child_birth_date=birth))
    assert LinkRequest.objects.filter(account=olga).count() == 4
    assert count() == one
