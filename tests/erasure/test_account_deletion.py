"""A person deletes their portal account: closed at once (sessions, tokens, grants, invitations), anonymised
after the grace period with a moved clock, the school's records kept; a staff account is refused; a registrar
erases a record of a pupil who left."""

from __future__ import annotations

import secrets
from datetime import timedelta
from io import StringIO
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application, RefreshToken

from audit.models import AuditEvent
from diary.answers import hand_in_answer
from diary.homework import set_homework
from diary.models import Mark, SubmissionFile
from erasure.models import AccountDeletion, DestructionRecord
from portal.models import User
from registry.models import Guardian, Pupil, StaffMember
from tests.conftest import PASSWORD
from tests.diary.conftest import TERM_START, DiarySchool, client_for, make_account
from tests.diary.test_family_api import lesson, mark
from tests.grants import make_grant
from trust.models import Grant


def _token(user: User) -> tuple[str, str]:
    application = Application.objects.create(
        name="Мобильный дневник",
        client_type=Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="https://app.example/cb",
        algorithm=Application.RS256_ALGORITHM,
    )
    raw, refresh = secrets.token_urlsafe(30), secrets.token_urlsafe(30)
    access = AccessToken.objects.create(
        user=user,
        application=application,
        token=raw,
        scope="openid profile diary.read",
        expires=timezone.now() + timedelta(minutes=30),
    )
    RefreshToken.objects.create(user=user, application=application, token=refresh, access_token=access)
    return raw, refresh


def _signed_in(user: User) -> Client:
    client = Client()
    response = client.post("/signin/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_the_account_closes_at_once_and_is_anonymised_after_the_grace_period(
    diary_school: DiarySchool, time_machine: Any
) -> None:
    mother = diary_school.parent
    anna = diary_school.pupils[0]
    mark(diary_school, anna, lesson(diary_school, TERM_START), "5")
    granny = make_account("granny@example.ru", "+79000000401", "Бабушкина", "Галина")
    given = make_grant(anna, granny, "diary")
    pending = make_grant(anna, granny, "visits_meals", state=Grant.State.PENDING)
    bearer, _refresh = _token(mother)
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {bearer}").status_code == 200
    browser, other_browser = _signed_in(mother), _signed_in(mother)

    assert 'href="/cabinet/delete/"' in browser.get("/cabinet/").content.decode()
    page = browser.get("/cabinet/delete/")
    assert page.status_code == 200
    wrong = browser.post("/cabinet/delete/", {"password": "not-it"})
    assert wrong.status_code == 200
    assert 'data-field="password"' in wrong.content.decode()
    assert User.objects.get(pk=mother.pk).is_active

    done = browser.post("/cabinet/delete/", {"password": PASSWORD})
    assert done.status_code == 302
    assert done["Location"] == "/account-deleted/"
    # Dead at once: the bearer token, the refresh token, both sessions, the sign-in, the grants.
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {bearer}").status_code == 401
    assert not RefreshToken.objects.filter(user=mother, revoked__isnull=True).exists()
    for client in (browser, other_browser):
        assert client.get("/cabinet/").status_code == 302
    assert Client().post("/signin/", {"login": mother.email, "password": PASSWORD}).status_code != 302
    given.refresh_from_db()
    pending.refresh_from_db()
    assert (given.state, pending.state) == (Grant.State.REVOKED, Grant.State.REVOKED)
    assert AuditEvent.objects.filter(action="erasure.account_closed").exists()

    # 29 days on: still the person's data (support may restore it); 31 days on: anonymised.
    time_machine.move_to(timezone.now() + timedelta(days=29))
    call_command("run_sweeps", stdout=StringIO())
    assert User.objects.get(pk=mother.pk).surname == mother.surname
    time_machine.move_to(timezone.now() + timedelta(days=2))
    call_command("run_sweeps", stdout=StringIO())
    anonymised = User.objects.get(pk=mother.pk)
    assert (anonymised.surname, anonymised.phone, anonymised.snils) == ("—", "", None)
    assert mother.email not in anonymised.email
    assert AccountDeletion.objects.get(account=mother).anonymised_at is not None
    record = DestructionRecord.objects.get(category=DestructionRecord.Category.ACCOUNT)
    assert record.rule == DestructionRecord.Rule.ACCOUNT_DELETION
    assert record.count == 1
    # The school keeps its records, no longer linked to the account.
    assert Pupil.objects.filter(pk=anna.pk).exists()
    assert Mark.objects.filter(pupil=anna).count() == 1
    guardian = Guardian.objects.get(pupil=anna, surname=mother.surname)
    assert guardian.account_id is None
    # A second sweep anonymises nothing again.
    call_command("run_sweeps", stdout=StringIO())
    assert DestructionRecord.objects.filter(category=DestructionRecord.Category.ACCOUNT).count() == 1


def test_a_staff_account_is_refused_with_a_stable_code(diary_school: DiarySchool) -> None:
    teacher = diary_school.math_teacher
    answer = client_for(teacher).post("/cabinet/delete/", {"password": PASSWORD})
    assert answer.status_code == 200
    assert answer.context["form"].has_error("password", "staff_account_not_deletable")
    assert User.objects.get(pk=teacher.pk).is_active


def test_a_registrar_erases_the_record_of_a_pupil_who_left(diary_school: DiarySchool) -> None:
    registrar = make_account("registrar@example.ru", "+79000000402", "Петров", "Сергей")
    StaffMember.objects.create(school=diary_school.school, account=registrar, role=StaffMember.Role.REGISTRAR)
    boris = diary_school.pupils[1]
    mark(diary_school, boris, lesson(diary_school, TERM_START), "3")
    url = f"/backoffice/erasure/pupil/{boris.public_id}/"
    web = client_for(registrar)
    # The pupil's page of the back office links to the erasure.
    card = web.get(f"/backoffice/registry/pupil/{boris.pk}/change/").content.decode()
    assert f'href="{url}" data-testid="pupil-action"' in card
    studying = web.post(url, {"reason": "Заявление законного представителя вх. № 7 от 01.12.2026"})
    assert studying.context["form"].has_error("__all__", "pupil_still_studying")
    Pupil.objects.filter(pk=boris.pk).update(status=Pupil.Status.LEFT)
    blank = web.post(url, {"reason": "  "})
    assert blank.status_code == 200
    assert Pupil.objects.filter(pk=boris.pk).exists()
    assert blank.context["form"].has_error("reason")
    done = web.post(url, {"reason": "Заявление законного представителя вх. № 7 от 01.12.2026"})
    assert done.status_code == 302
    assert not Pupil.objects.filter(pk=boris.pk).exists()
    assert not Mark.objects.filter(pupil_id=boris.pk).exists()
    record = DestructionRecord.objects.get()
    assert (record.category, record.rule, record.actor, record.school) == (
        DestructionRecord.Category.PUPIL,
        DestructionRecord.Rule.REGISTRAR,
        registrar,
        diary_school.school,
    )
    assert "вх. № 7" in record.reason
    assert AuditEvent.objects.filter(action="erasure.pupil_erased").exists()
    # Another school's registrar, a teacher, a parent: 404.
    other = diary_school.stranger_pupil
    Pupil.objects.filter(pk=other.pk).update(status=Pupil.Status.LEFT)
    assert client_for(diary_school.parent).get(f"/backoffice/erasure/pupil/{other.public_id}/").status_code == 404
    assert client_for(diary_school.math_teacher).get(f"/backoffice/erasure/pupil/{other.public_id}/").status_code == 404


def test_an_erased_pupils_answer_files_leave_the_storage(
    diary_school: DiarySchool, settings: Any, tmp_path: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """The record goes with its rows (marks, answers) and the answer's files with them, once the erasure
    commits: a stored file must not outlive the personal data it belongs to."""
    settings.MEDIA_ROOT = tmp_path
    registrar = make_account("registrar@example.ru", "+79000000402", "Петров", "Сергей")
    StaffMember.objects.create(school=diary_school.school, account=registrar, role=StaffMember.Role.REGISTRAR)
    own = lesson(diary_school, TERM_START)
    homework = set_homework(teacher=own.teacher, lesson_id=own.pk, text="Сочинение", hand_in=True, files_allowed=True)
    pupil = Pupil.objects.get(account=diary_school.pupil_account)
    upload = SimpleUploadedFile("answer.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    with django_capture_on_commit_callbacks(execute=True):
        hand_in_answer(account=diary_school.pupil_account, homework_id=homework.pk, text="Ответ", files=[upload])
    stored = SubmissionFile.objects.get(submission__pupil=pupil).file.name
    assert (tmp_path / stored).exists()
    Pupil.objects.filter(pk=pupil.pk).update(status=Pupil.Status.LEFT)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client_for(registrar).post(
            f"/backoffice/erasure/pupil/{pupil.public_id}/", {"reason": "Заявление вх. № 9"}
        )
    assert answer.status_code == 302
    assert not SubmissionFile.objects.exists()
    assert not (tmp_path / stored).exists()
