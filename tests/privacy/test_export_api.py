"""The export through the JSON API: the same services and access as the pages, a one-time download, a failed
build that can be retried; and the processing terms read and accepted through the API («how: api»)."""

from __future__ import annotations

import io
import secrets
import zipfile
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application

from portal.models import TermsAcceptance, TermsVersion, User
from privacy.models import DataExport
from tests.conftest import CommittingClient
from tests.diary.conftest import DiarySchool, diary_school, make_account  # noqa: F401
from tests.grants import make_grant


def bearer(user: User, *scopes: str) -> dict[str, Any]:
    application, _created = Application.objects.get_or_create(
        name="Мобильный дневник",
        defaults={
            "client_type": Application.CLIENT_PUBLIC,
            "authorization_grant_type": Application.GRANT_AUTHORIZATION_CODE,
            "redirect_uris": "https://app.example/cb",
            "algorithm": Application.RS256_ALGORITHM,
        },
    )
    raw = secrets.token_urlsafe(30)
    AccessToken.objects.create(
        user=user,
        application=application,
        token=raw,
        scope=" ".join(scopes),
        expires=timezone.now() + timedelta(minutes=30),
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.fixture
def app(make_client: Callable[[], CommittingClient]) -> CommittingClient:
    """The mobile app: no session, a bearer token per request; on-commit work (the build) runs."""
    return make_client()


def test_a_guardian_exports_the_childs_data_through_the_api_once(
    diary_school: DiarySchool,  # noqa: F811
    app: CommittingClient,
) -> None:
    ds = diary_school
    anna = ds.pupils[0]
    token = bearer(ds.parent, "export")
    asked = app.post(f"/api/v1/students/{anna.public_id}/exports", **token)
    assert asked.status_code == 202, asked.content
    body = asked.json()
    assert (body["state"], body["student_id"], body["download_url"]) == ("queued", str(anna.public_id), None)
    status = app.get(f"/api/v1/exports/{body['id']}", **token).json()
    assert (status["state"], status["progress"], status["state_label"]) == ("ready", 100, "готов")
    assert status["download_url"] == f"/api/v1/exports/{body['id']}/download"
    archive = app.get(status["download_url"], **token)
    assert archive.status_code == 200
    assert archive["Content-Type"] == "application/zip"
    assert "summary.txt" in zipfile.ZipFile(io.BytesIO(archive.content)).namelist()
    # Once: the link is gone, the second download is a 404.
    assert app.get(status["download_url"], **token).status_code == 404
    after = app.get(f"/api/v1/exports/{body['id']}", **token).json()
    assert (after["state"], after["download_url"]) == ("downloaded", None)


def test_an_own_export_through_the_api(
    diary_school: DiarySchool,  # noqa: F811
    app: CommittingClient,
) -> None:
    vera = diary_school.pupil_account
    token = bearer(vera, "export")
    body = app.post("/api/v1/me/exports", **token).json()
    assert body["student_id"] is None
    export = DataExport.objects.get(pk=body["id"])
    assert (export.account, export.pupil, export.state) == (vera, None, "ready")


def test_nobody_else_asks_reads_or_downloads(
    diary_school: DiarySchool,  # noqa: F811
    app: CommittingClient,
) -> None:
    ds = diary_school
    anna = ds.pupils[0]
    grandmother = make_account("granny@example.ru", "+79000000201", "Кузнецова", "Галина")
    make_grant(anna, grandmother, "diary")
    for viewer in (grandmother, ds.math_teacher, ds.form_tutor, ds.other_parent):
        answer = app.post(f"/api/v1/students/{anna.public_id}/exports", **bearer(viewer, "export"))
        assert answer.status_code == 404, viewer
        assert answer.json()["code"] == "not_found"
    assert not DataExport.objects.filter(pupil=anna).exists()
    own = app.post(f"/api/v1/students/{anna.public_id}/exports", **bearer(ds.parent, "export")).json()
    other = bearer(ds.other_parent, "export")
    for path in (f"/api/v1/exports/{own['id']}", f"/api/v1/exports/{own['id']}/download"):
        assert app.get(path, **other).status_code == 404
    assert app.post(f"/api/v1/exports/{own['id']}/retry", **other).status_code == 404
    assert app.get("/api/v1/exports/not-a-uuid", **other).status_code == 404


def test_the_link_expires_after_a_day(
    diary_school: DiarySchool,  # noqa: F811
    app: CommittingClient,
    time_machine: Any,
) -> None:
    user = diary_school.parent
    body = app.post("/api/v1/me/exports", **bearer(user, "export")).json()
    time_machine.move_to(timezone.now() + timedelta(hours=24, seconds=1))
    token = bearer(user, "export")
    assert app.get(f"/api/v1/exports/{body['id']}", **token).json()["download_url"] is None
    assert app.get(f"/api/v1/exports/{body['id']}/download", **token).status_code == 404


def test_reading_an_export_is_a_fixed_number_of_queries(
    diary_school: DiarySchool,  # noqa: F811
    app: CommittingClient,
    django_assert_num_queries: Any,
) -> None:
    ds = diary_school
    token = bearer(ds.parent, "export")
    own = app.post("/api/v1/me/exports", **token).json()
    child = app.post(f"/api/v1/students/{ds.pupils[0].public_id}/exports", **token).json()
    for body in (own, child):
        with django_assert_num_queries(2):  # the token with its account, the export with its child
            assert app.get(f"/api/v1/exports/{body['id']}", **token).status_code == 200


def test_the_export_scope_is_needed(
    diary_school: DiarySchool,  # noqa: F811
    app: CommittingClient,
) -> None:
    refused = app.post("/api/v1/me/exports", **bearer(diary_school.parent, "openid", "diary.read", "messages"))
    assert refused.status_code == 403
    assert refused.json()["code"] == "insufficient_scope"
    assert not DataExport.objects.exists()


# --- The processing terms ---


def test_the_terms_read_and_accepted_through_the_api(db: None, app: CommittingClient) -> None:
    user = make_account("olga@example.ru", "+79000000301", "Смирнова", "Ольга")
    token = bearer(user, "consent")
    terms = app.get("/api/v1/terms", **token).json()
    assert (terms["version"], terms["accepted"], terms["accepted_at"]) == ("1", False, None)
    assert "персональных данных" in terms["text"]
    accepted = app.post("/api/v1/terms/accept", {"version": "1"}, content_type="application/json", **token)
    assert accepted.status_code == 200, accepted.content
    assert accepted.json() | {"at": None} == {
        "version": "1",
        "for_child": False,
        "student_id": None,
        "at": None,
        "via": "api",
    }
    acceptance = TermsAcceptance.objects.get(account=user)
    assert (acceptance.version.version, acceptance.via, acceptance.for_child) == ("1", "api", False)
    assert app.get("/api/v1/terms", **token).json()["accepted"] is True
    # Again: nothing new is recorded (a retry of a lost answer).
    app.post("/api/v1/terms/accept", {"version": "1"}, content_type="application/json", **token)
    assert TermsAcceptance.objects.filter(account=user).count() == 1


def test_an_outdated_version_is_refused_naming_the_current_one(db: None, app: CommittingClient) -> None:
    user = make_account("olga@example.ru", "+79000000301", "Смирнова", "Ольга")
    TermsVersion.objects.create(version="2", text="Новые условия", published_at=timezone.now())
    token = bearer(user, "consent")
    refused = app.post("/api/v1/terms/accept", {"version": "1"}, content_type="application/json", **token)
    assert refused.status_code == 409
    assert refused.json() == {
        "code": "terms_version_outdated",
        "message": "Опубликована новая версия условий: прочитайте её и примите.",
        "field": "version",
        "current_version": "2",
    }
    missing = app.post("/api/v1/terms/accept", {}, content_type="application/json", **token)
    assert (missing.status_code, missing.json()["field"]) == (400, "version")
    assert not TermsAcceptance.objects.filter(account=user).exists()


def test_a_guardian_consents_for_a_child_through_the_api(
    diary_school: DiarySchool,  # noqa: F811
    app: CommittingClient,
) -> None:
    ds = diary_school
    anna = ds.pupils[0]
    token = bearer(ds.parent, "consent")
    due = app.get("/api/v1/terms", **token).json()["children_without_consent"]
    assert {child["student_id"] for child in due} == {str(anna.public_id), str(ds.stranger_pupil.public_id)}
    payload = {"version": "1", "student_id": str(anna.public_id)}
    answer = app.post("/api/v1/terms/accept", payload, content_type="application/json", **token)
    assert answer.status_code == 200, answer.content
    assert (answer.json()["for_child"], answer.json()["student_id"]) == (True, str(anna.public_id))
    consent = TermsAcceptance.objects.get(account=ds.parent, for_child=True)
    assert (consent.pupil, consent.via) == (anna, "api")
    due = app.get("/api/v1/terms", **token).json()["children_without_consent"]
    assert [child["student_id"] for child in due] == [str(ds.stranger_pupil.public_id)]
    # Not her child, or not a guardian at all: 404, nothing recorded.
    other = app.post(
        "/api/v1/terms/accept", payload, content_type="application/json", **bearer(ds.other_parent, "consent")
    )
    assert other.status_code == 404
    assert not TermsAcceptance.objects.filter(account=ds.other_parent).exists()


def test_reading_the_terms_is_a_fixed_number_of_queries(
    diary_school: DiarySchool,  # noqa: F811
    django_assert_num_queries: Any,
) -> None:
    token = bearer(diary_school.parent, "consent")
    with django_assert_num_queries(5):  # the token with its account, the version, own, children, their consents
        assert Client().get("/api/v1/terms", **token).status_code == 200
