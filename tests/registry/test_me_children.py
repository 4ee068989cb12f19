"""GET /api/v1/me lists the students the caller may see as ``children``, with relation and services."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from registry.models import School
from registry.tasks import link_known_guardians
from tests.conftest import CommittingClient
from tests.registry.test_linking import (
    ARTYOM_SNILS,
    LINK_URL,
    OLGA_PHONE,
    child_form,
    make_guardian,
    make_pupil,
    make_school,
    register_artyom,
)

SERVICES = ["diary", "visits_meals"]


def test_a_guardian_with_two_children_sees_both(register: Any, web: CommittingClient, db: None) -> None:
    school = make_school()
    other_school = make_school("5678", "Гимназия № 5678")
    older = make_pupil(school, snils=ARTYOM_SNILS)
    younger = make_pupil(
        other_school, given_name="Мария", patronymic="Андреевна", birth_date=date(2016, 9, 1), grade=3, letter="Б"
    )
    make_guardian(older, phone=OLGA_PHONE)
    make_guardian(younger, phone=OLGA_PHONE)
    register()
    web.post(LINK_URL, child_form(school))
    web.post(
        LINK_URL,
        child_form(other_school, child_given_name="Мария", child_patronymic="Андреевна", child_birth_date="2016-09-01"),
    )

    children = web.get("/api/v1/me").json()["children"]

    assert children == [
        {
            "student_id": str(older.public_id),
            "full_name": "Смирнов Артём Андреевич",
            "school": "Школа № 1234",
            "class_name": "7А",
            "relation": "guardian",
            "services": SERVICES,
        },
        {
            "student_id": str(younger.public_id),
            "full_name": "Смирнов Мария Андреевна",
            "school": "Гимназия № 5678",
            "class_name": "3Б",
            "relation": "guardian",
            "services": SERVICES,
        },
    ]


def test_a_pupil_sees_their_own_record(register: Any, web: CommittingClient, db: None) -> None:
    school = make_school()
    record = make_pupil(school, snils=ARTYOM_SNILS)
    register_artyom(register, web)
    web.post(LINK_URL, {"kind": "pupil", "school": school.pk})

    body = web.get("/api/v1/me").json()

    assert body["is_minor"] is True
    assert body["children"] == [
        {
            "student_id": str(record.public_id),
            "full_name": "Смирнов Артём Андреевич",
            "school": "Школа № 1234",
            "class_name": "7А",
            "relation": "self",
            "services": SERVICES,
        }
    ]


def test_pending_requests_and_strangers_show_no_children(
    register: Any, web: CommittingClient, make_client: Callable[[], CommittingClient], db: None
) -> None:
    school: School = make_school()
    make_guardian(make_pupil(school))  # no contacts in the registry: the request waits for the registrar
    register()
    web.post(LINK_URL, child_form(school))
    assert web.get("/api/v1/me").json()["children"] == []
    stranger = make_client()
    register_artyom(register, stranger, snils="")
    assert stranger.get("/api/v1/me").json()["children"] == []


def test_me_reads_children_in_a_fixed_number_of_queries(register: Any, web: CommittingClient, db: None) -> None:
    school = make_school()
    first = make_pupil(school)
    make_guardian(first, phone=OLGA_PHONE)
    register()

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert web.get("/api/v1/me").status_code == 200
        return len(queries)

    one = count()
    for day in (2, 3, 4):
        make_guardian(make_pupil(school, given_name="Иван", birth_date=date(2013, 1, day)), phone=OLGA_PHONE)
    link_known_guardians.enqueue(school_id=school.pk)
    assert len(web.get("/api/v1/me").json()["children"]) == 4
    assert count() == one
