"""The registrar's back office: their own school only; anyone else gets 404, strangers sign in first."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from audit.models import AuditEvent
from portal.models import User
from registry.models import Guardian, Pupil, School, SchoolClass, StaffMember
from tests.conftest import PASSWORD


def account(email: str, phone: str, **extra: Any) -> User:
    now = timezone.now()
    return User.objects.create_user(
        email,
        PASSWORD,
        surname="Тестов",
        given_name="Тест",
        phone=phone,
        email_confirmed_at=now,
        phone_confirmed_at=now,
        **extra,
    )


def pupil(school: School, surname: str, **extra: Any) -> Pupil:
    school_class, _ = SchoolClass.objects.get_or_create(school=school, grade=7, letter="А")
    record = Pupil(
        school=school,
        school_class=school_class,
        surname=surname,
        given_name="Иван",
        patronymic="Петрович",
        birth_date=date(2012, 5, 1),
        **extra,
    )
    record.refresh_fio_key()
    record.save()
    return record


@pytest.fixture
def schools(db: None) -> dict[str, Any]:
    school_a = School.objects.create(code="a", name="Школа А")
    school_b = School.objects.create(code="b", name="Школа Б")
    registrar_a = account("registrar-a@example.ru", "+79000000011")
    StaffMember.objects.create(school=school_a, account=registrar_a, role=StaffMember.Role.REGISTRAR)
    return {
        "a": school_a,
        "b": school_b,
        "registrar_a": registrar_a,
        "pupil_a": pupil(school_a, "Алексеев"),
        "pupil_b": pupil(school_b, "Борисов"),
    }


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_registrar_sees_only_their_school(schools: dict[str, Any]) -> None:
    client = signed_in(schools["registrar_a"])
    page = client.get("/backoffice/registry/pupil/").content.decode()
    assert "Алексеев" in page
    assert "Борисов" not in page
    assert client.get(f"/backoffice/registry/pupil/{schools['pupil_a'].pk}/change/").status_code == 200
    assert client.get(f"/backoffice/registry/pupil/{schools['pupil_b'].pk}/change/").status_code == 404


def test_a_registrar_cannot_move_a_pupil_to_another_schools_class(schools: dict[str, Any]) -> None:
    class_b = SchoolClass.objects.create(school=schools["b"], grade=5, letter="Б")
    client = signed_in(schools["registrar_a"])
    record = schools["pupil_a"]
    response = client.post(
        f"/backoffice/registry/pupil/{record.pk}/change/",
        {
            "surname": "Алексеев",
            "given_name": "Иван",
            "patronymic": "Петрович",
            "birth_date": "2012-05-01",
            "snils": "",
            "school_class": class_b.pk,
            "status": "studying",
            "guardians-TOTAL_FORMS": "0",
            "guardians-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    record.refresh_from_db()
    assert record.school_class.school == schools["a"]


def test_editing_a_pupil_is_validated_rekeyed_and_audited(schools: dict[str, Any]) -> None:
    client = signed_in(schools["registrar_a"])
    record = schools["pupil_a"]
    form = {
        "surname": "Алексеев",
        "given_name": "Иван",
        "patronymic": "Петрович",
        "birth_date": "2012-05-01",
        "school_class": record.school_class_id,
        "status": "studying",
        "guardians-TOTAL_FORMS": "1",
        "guardians-INITIAL_FORMS": "0",
        "guardians-0-surname": "Алексеева",
        "guardians-0-given_name": "Мария",
        "guardians-0-patronymic": "",
        "guardians-0-relation": "mother",
        "guardians-0-phone": "8 916 123-45-67",
        "guardians-0-email": "",
        "guardians-0-snils": "",
    }
    bad = client.post(f"/backoffice/registry/pupil/{record.pk}/change/", {**form, "snils": "112-233-445 96"})
    assert bad.status_code == 200
    assert Guardian.objects.count() == 0
    good = client.post(
        f"/backoffice/registry/pupil/{record.pk}/change/", {**form, "snils": "112-233-445 95", "surname": "Алексеёв"}
    )
    assert good.status_code == 302
    record.refresh_from_db()
    assert (record.snils, record.surname, record.fio_key) == ("11223344595", "Алексеёв", "алексеев|иван|петрович")
    guardian = Guardian.objects.get()
    assert (guardian.phone, guardian.fio_key) == ("+79161234567", "алексеева|мария|")
    assert AuditEvent.objects.filter(action="registry.record_changed", target=f"registry.pupil:{record.pk}").exists()


@pytest.mark.parametrize("path", ["/backoffice/", "/backoffice/registry/pupil/", "/backoffice/registry/import/"])
def test_a_person_who_is_not_a_registrar_gets_404_and_a_stranger_signs_in(schools: dict[str, Any], path: str) -> None:
    person = account("person@example.ru", "+79000000012")
    assert signed_in(person).get(path).status_code == 404
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/signin/?next=")


def test_a_teacher_is_not_a_registrar(schools: dict[str, Any]) -> None:
    teacher = account("teacher@example.ru", "+79000000013")
    StaffMember.objects.create(school=schools["a"], account=teacher, role=StaffMember.Role.TEACHER)
    assert signed_in(teacher).get("/backoffice/").status_code == 404


def test_the_backoffice_sign_in_is_the_portals(schools: dict[str, Any]) -> None:
    response = Client().get("/backoffice/login/?next=/backoffice/registry/pupil/")
    assert response["Location"].startswith("/signin/?next=/backoffice/registry/pupil/")


def test_pupils_are_not_deleted_in_the_backoffice(schools: dict[str, Any]) -> None:
    client = signed_in(schools["registrar_a"])
    assert client.get(f"/backoffice/registry/pupil/{schools['pupil_a'].pk}/delete/").status_code == 403


HEADER = (
    "class;pupil_surname;pupil_name;pupil_patronymic;pupil_birth_date;pupil_snils;guardian_surname;"
    "guardian_name;guardian_patronymic;guardian_relation;guardian_phone;guardian_email;guardian_snils\n"
)


def upload(client: Client, school: School, text: str) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    file = SimpleUploadedFile("registry.csv", text.encode(), content_type="text/csv")
    return client.post("/backoffice/registry/import/", {"school": school.pk, "file": file})


def test_the_import_in_the_backoffice_reports_what_it_did(schools: dict[str, Any]) -> None:
    client = signed_in(schools["registrar_a"])
    response = upload(
        client, schools["a"], HEADER + "5Б;Волков;Пётр;Ильич;01.02.2014;;Волкова;Анна;;мать;+79165550000;;\n"
    )
    report = response.context["report"]
    assert (report.pupils_created, report.guardians_created) == (1, 1)
    assert Pupil.objects.filter(school=schools["a"], surname="Волков").exists()


def test_a_bad_file_lists_every_problem_and_imports_nothing(schools: dict[str, Any]) -> None:
    client = signed_in(schools["registrar_a"])
    response = upload(
        client,
        schools["a"],
        HEADER + "5Б;Волков;Пётр;;01.02.2099;;;;;;;;\n0Я;;Анна;;01.02.2014;112-233-445 96;;;;;;;\n",
    )
    problems = {(error.row, error.column, error.code) for error in response.context["errors"]}
    assert {(2, "pupil_birth_date"), (3, "class"), (3, "pupil_surname"), (3, "pupil_snils")} <= {
        (row, column) for row, column, _code in problems
    }
    assert 'id="import-errors"' in response.content.decode()
    assert not Pupil.objects.filter(surname="Волков").exists()


def test_a_registrar_cannot_import_into_another_school(schools: dict[str, Any]) -> None:
    client = signed_in(schools["registrar_a"])
    response = upload(client, schools["b"], HEADER + "5Б;Волков;Пётр;;01.02.2014;;;;;;;;\n")
    assert "school" in response.context["form"].errors
    assert not Pupil.objects.filter(surname="Волков").exists()


@pytest.fixture
def pending_request(schools: dict[str, Any]) -> Any:
    from registry.linking import request_link

    person = account("ivan@example.ru", "+79000000020", birth_date=date(2012, 5, 1))
    User.objects.filter(pk=person.pk).update(surname="Алексеев", given_name="Иван", patronymic="Павлович")
    person.refresh_from_db()
    link_request = request_link(user=person, kind="pupil", school_id=schools["a"].pk)
    assert link_request.state == "pending"
    assert link_request.differences == ["patronymic"]
    return link_request


def test_the_queue_shows_the_difference_and_approval_links(schools: dict[str, Any], pending_request: Any) -> None:
    client = signed_in(schools["registrar_a"])
    page = client.get(f"/backoffice/registry/linkrequest/{pending_request.pk}/change/").content.decode()
    assert 'data-field="patronymic"' in page
    assert "Петрович" in page
    assert "Павлович" in page
    response = client.post(
        f"/backoffice/registry/linkrequest/{pending_request.pk}/decide/",
        {"decision": "approve", "pupil": schools["pupil_a"].pk},
    )
    assert response.status_code == 302
    pending_request.refresh_from_db()
    assert pending_request.state == "linked"
    assert Pupil.objects.get(pk=schools["pupil_a"].pk).account == pending_request.account


def test_rejection_keeps_the_reason_for_the_person(schools: dict[str, Any], pending_request: Any) -> None:
    client = signed_in(schools["registrar_a"])
    client.post(
        f"/backoffice/registry/linkrequest/{pending_request.pk}/decide/",
        {"decision": "reject", "reason": "Принесите свидетельство о рождении"},
    )
    pending_request.refresh_from_db()
    assert (pending_request.state, pending_request.reason) == ("rejected", "Принесите свидетельство о рождении")
    assert Pupil.objects.get(pk=schools["pupil_a"].pk).account is None


def test_a_registrar_of_another_school_cannot_decide(schools: dict[str, Any], pending_request: Any) -> None:
    registrar_b = account("registrar-b@example.ru", "+79000000021")
    StaffMember.objects.create(school=schools["b"], account=registrar_b, role=StaffMember.Role.REGISTRAR)
    client = signed_in(registrar_b)
    assert client.get(f"/backoffice/registry/linkrequest/{pending_request.pk}/change/").status_code == 404
    response = client.post(f"/backoffice/registry/linkrequest/{pending_request.pk}/decide/", {"decision": "approve"})
    assert response.status_code == 404
    pending_request.refresh_from_db()
    assert pending_request.state == "pending"


def test_removing_a_guardian_row_ends_the_grants_that_guardian_made(schools: dict[str, Any]) -> None:
    from tests.diary.conftest import make_guardian
    from tests.grants import make_grant
    from trust.models import Grant

    record = schools["pupil_a"]
    mother = account("mother@example.ru", "+79000000013", birth_date=date(1985, 1, 1))
    mother.given_name = "Мария"
    mother.save()
    father = account("father@example.ru", "+79000000014", birth_date=date(1985, 1, 1))
    granny = account("granny@example.ru", "+79000000015")
    removed, kept = make_guardian(record, mother), make_guardian(record, father)
    made_by_mother = make_grant(record, granny, "diary", guardian=removed, inviter=mother)
    made_by_father = make_grant(record, granny, "visits_meals", guardian=kept, inviter=father)

    def row(index: int, guardian: Guardian, delete: bool) -> dict[str, str]:
        prefix = f"guardians-{index}-"
        fields = {
            "id": str(guardian.pk),
            "pupil": str(record.pk),
            "surname": guardian.surname,
            "given_name": guardian.given_name,
            "patronymic": "",
            "relation": guardian.relation,
            "phone": "",
            "email": "",
            "snils": "",
        }
        if delete:
            fields["DELETE"] = "on"
        return {prefix + name: value for name, value in fields.items()}

    response = signed_in(schools["registrar_a"]).post(
        f"/backoffice/registry/pupil/{record.pk}/change/",
        {
            "surname": record.surname,
            "given_name": record.given_name,
            "patronymic": "",
            "birth_date": "2012-05-01",
            "snils": "",
            "school_class": record.school_class_id,
            "status": "studying",
            "guardians-TOTAL_FORMS": "2",
            "guardians-INITIAL_FORMS": "2",
            **row(0, removed, True),
            **row(1, kept, False),
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert not Guardian.objects.filter(pk=removed.pk).exists()
    made_by_mother.refresh_from_db()
    made_by_father.refresh_from_db()
    assert (made_by_mother.state, made_by_mother.end_reason) == (Grant.State.REVOKED, "guardian_link_ended")
    assert made_by_father.state == Grant.State.ACTIVE
    assert AuditEvent.objects.filter(
        action="registry.record_deleted", target=f"registry.guardian:{removed.pk}"
    ).exists()
