"""An export that fails to build is ``failed`` on the page and in the API, with a retry; an archive nobody
downloaded in its lifetime is deleted by the periodic sweep (``run_sweeps``); a build that died with its worker
is marked failed by it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from audit.models import AuditEvent
from privacy import services
from privacy.models import DataExport
from tests.conftest import CommittingClient
from tests.diary.conftest import DiarySchool, diary_school  # noqa: F401
from tests.privacy.test_export_api import bearer


def _client(make_client: Callable[[], CommittingClient], user: Any) -> CommittingClient:
    client = make_client()
    client.force_login(user)
    return client


def _broken_storage(monkeypatch: pytest.MonkeyPatch) -> None:
    def full(*args: Any, **kwargs: Any) -> str:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(default_storage, "save", full)


def test_a_failed_build_is_shown_and_retried_on_the_page(
    diary_school: DiarySchool,  # noqa: F811
    make_client: Callable[[], CommittingClient],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = _client(make_client, diary_school.parent)
    with monkeypatch.context() as patched:
        _broken_storage(patched)
        assert client.post(f"/cabinet/data/children/{diary_school.pupils[0].public_id}/export/").status_code == 302
    export = DataExport.objects.get()
    assert (export.state, bool(export.file)) == ("failed", False)
    assert client.get(f"/cabinet/data/export/{export.pk}/").json()["state"] == "failed"
    page = client.get("/cabinet/data/").content.decode()
    assert "Не удалось подготовить архив." in page
    assert f"/cabinet/data/export/{export.pk}/retry/" in page
    assert client.get(f"/cabinet/data/export/{export.pk}/download/").status_code == 404

    # The retry builds it (the storage works again).
    assert client.post(f"/cabinet/data/export/{export.pk}/retry/").status_code == 302
    export.refresh_from_db()
    assert (export.state, export.progress) == ("ready", 100)
    assert AuditEvent.objects.filter(action="privacy.export_retried", actor=diary_school.parent).count() == 1
    # A second click: not failed any more, said on the page, nothing rebuilt.
    again = client.post(f"/cabinet/data/export/{export.pk}/retry/", follow=True)
    assert "Повторно подготовить можно только архив" in again.content.decode()
    # Nobody else retries it.
    other = _client(make_client, diary_school.other_parent)
    assert other.post(f"/cabinet/data/export/{export.pk}/retry/").status_code == 404


def test_a_failed_build_is_failed_in_the_api_and_retried_there(
    diary_school: DiarySchool,  # noqa: F811
    make_client: Callable[[], CommittingClient],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = make_client()
    token = bearer(diary_school.parent, "export")
    with monkeypatch.context() as patched:
        _broken_storage(patched)
        body = app.post("/api/v1/me/exports", **token).json()
    status = app.get(f"/api/v1/exports/{body['id']}", **token).json()
    assert (status["state"], status["state_label"], status["download_url"]) == ("failed", "не удался", None)
    retried = app.post(f"/api/v1/exports/{body['id']}/retry", **token)
    assert retried.status_code == 202
    assert app.get(f"/api/v1/exports/{body['id']}", **token).json()["state"] == "ready"
    refused = app.post(f"/api/v1/exports/{body['id']}/retry", **token)
    assert refused.status_code == 409
    assert refused.json()["code"] == "export_not_failed"


def test_the_sweep_deletes_archives_that_expired_without_download(
    diary_school: DiarySchool,  # noqa: F811
    make_client: Callable[[], CommittingClient],
    time_machine: Any,
) -> None:
    client = _client(make_client, diary_school.parent)
    client.post("/cabinet/data/export/")
    client.post(f"/cabinet/data/children/{diary_school.pupils[0].public_id}/export/")
    taken, left = DataExport.objects.order_by("created_at")
    assert client.get(f"/cabinet/data/export/{taken.pk}/download/").status_code == 200
    left_name = left.file.name
    assert default_storage.exists(left_name)

    time_machine.move_to(timezone.now() + timedelta(hours=23))
    call_command("run_sweeps", stdout=StringIO())
    left.refresh_from_db()
    assert (left.state, default_storage.exists(left_name)) == ("ready", True), "not yet expired: kept"

    time_machine.move_to(timezone.now() + timedelta(hours=1, seconds=1))
    out = StringIO()
    call_command("run_sweeps", stdout=out)
    assert "expired exports deleted: 1" in out.getvalue()
    left.refresh_from_db()
    taken.refresh_from_db()
    assert (left.state, bool(left.file), default_storage.exists(left_name)) == ("expired", False, False)
    assert taken.state == "downloaded"
    # Idempotent: the next sweep finds nothing.
    assert services.sweep_exports() == {"expired": 0, "failed": 0}
    page = _client(make_client, diary_school.parent).get("/cabinet/data/").content.decode()
    assert "срок ссылки истёк" in page


def test_the_sweep_fails_a_build_that_died_with_its_worker(
    diary_school: DiarySchool,  # noqa: F811
    time_machine: Any,
) -> None:
    stuck = DataExport.objects.create(account=diary_school.parent, state=DataExport.State.RUNNING, progress=40)
    fresh = DataExport.objects.create(account=diary_school.parent, state=DataExport.State.QUEUED)
    time_machine.move_to(timezone.now() + timedelta(minutes=59))
    fresh.created_at = timezone.now()
    fresh.save(update_fields=["created_at"])
    time_machine.move_to(timezone.now() + timedelta(minutes=2))
    assert services.sweep_exports() == {"expired": 0, "failed": 1}
    stuck.refresh_from_db()
    fresh.refresh_from_db()
    assert (stuck.state, fresh.state) == ("failed", "queued")
