"""The export: a guardian's of the child, a person's own; who may ask (404 for the others); single use; expiry."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from diary.models import Attendance
from portal.models import User
from privacy.models import DataExport
from registry.models import Pupil
from tests.conftest import CommittingClient
from tests.diary.conftest import DiarySchool, diary_school, make_account  # noqa: F401
from tests.diary.test_family_api import lesson, mark
from tests.grants import make_grant

Clients = Callable[[User], CommittingClient]


def _client(make_client: Callable[[], CommittingClient], user: User) -> CommittingClient:
    client = make_client()
    client.force_login(user)
    return client


def _ask(client: CommittingClient, pupil: Pupil | None = None) -> Any:
    return client.post(f"/cabinet/data/children/{pupil.public_id}/export/" if pupil else "/cabinet/data/export/")


def _year_of_data(ds: DiarySchool, anna: Pupil) -> None:
    start = date(2026, 9, 1)
    for day in range(0, 365, 2):
        on = lesson(ds, start + timedelta(days=day))
        mark(ds, anna, on, "5")
        Attendance.objects.create(pupil=anna, lesson=on, status=Attendance.Status.LATE, recorded_by=on.teacher)


def test_a_guardian_downloads_the_childs_data_once(
    diary_school: DiarySchool,  # noqa: F811
    make_client: Callable[[], CommittingClient],
) -> None:
    ds = diary_school
    anna = ds.pupils[0]
    _year_of_data(ds, anna)
    client = _client(make_client, ds.parent)
    started = timezone.now()
    assert _ask(client, anna).status_code == 302
    export = DataExport.objects.get(account=ds.parent)
    assert (export.pupil, export.state, export.progress) == (anna, "ready", 100)
    assert timezone.now() - started < timedelta(seconds=10)  # a year of data in seconds
    status = client.get(f"/cabinet/data/export/{export.pk}/").json()
    assert status == {"state": "ready", "progress": 100}
    page = client.get("/cabinet/data/").content.decode()
    assert f"/cabinet/data/export/{export.pk}/download/" in page

    response = client.get(f"/cabinet/data/export/{export.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = set(archive.namelist())
    assert {"summary.txt", "registry.Pupil.json", "diary.Mark.json", "diary.Attendance.json"} <= names
    marks = json.loads(archive.read("diary.Mark.json"))
    assert len(marks) == 183
    assert {row["fields"]["pupil"] for row in marks} == {anna.pk}
    summary = archive.read("summary.txt").decode()
    assert "Все данные" in summary
    assert "diary.Mark.json — 183" in summary
    # Another pupil's data is not in it.
    pupils = json.loads(archive.read("registry.Pupil.json"))
    assert [row["pk"] for row in pupils] == [anna.pk]

    # Single use: the second download is a 404, and the file is gone from storage.
    assert client.get(f"/cabinet/data/export/{export.pk}/download/").status_code == 404
    export.refresh_from_db()
    assert export.state == "downloaded"
    assert not export.file


def test_the_link_expires_after_a_day(
    diary_school: DiarySchool,  # noqa: F811
    make_client: Callable[[], CommittingClient],
    time_machine: Any,
) -> None:
    client = _client(make_client, diary_school.parent)
    _ask(client)
    export = DataExport.objects.get()
    time_machine.move_to(timezone.now() + timedelta(hours=24, seconds=1))
    client = _client(make_client, diary_school.parent)  # the old session is over by now
    assert client.get(f"/cabinet/data/export/{export.pk}/download/").status_code == 404


def test_an_own_export_has_the_profile_without_the_password(
    diary_school: DiarySchool,  # noqa: F811
    make_client: Callable[[], CommittingClient],
) -> None:
    vera = diary_school.pupil_account
    client = _client(make_client, vera)
    _ask(client)
    export = DataExport.objects.get()
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/cabinet/data/export/{export.pk}/download/").content))
    [profile] = json.loads(archive.read("portal.User.json"))
    assert profile["pk"] == vera.pk
    assert "password" not in profile["fields"]
    [record] = json.loads(archive.read("registry.Pupil.json"))
    assert record["pk"] == diary_school.pupils[2].pk  # her own registry record


def test_trusted_person_teacher_and_stranger_get_404(
    diary_school: DiarySchool,  # noqa: F811
    make_client: Callable[[], CommittingClient],
) -> None:
    ds = diary_school
    anna = ds.pupils[0]
    grandmother = make_account("granny@example.ru", "+79000000201", "Кузнецова", "Галина")
    make_grant(anna, grandmother, "diary")
    for viewer in (grandmother, ds.math_teacher, ds.form_tutor, ds.other_parent):
        assert _ask(_client(make_client, viewer), anna).status_code == 404, viewer
    assert not DataExport.objects.filter(pupil=anna).exists()
    # Nobody but the requester sees the state or downloads.
    _ask(_client(make_client, ds.parent), anna)
    export = DataExport.objects.get(pupil=anna)
    other = _client(make_client, ds.other_parent)
    assert other.get(f"/cabinet/data/export/{export.pk}/").status_code == 404
    assert other.get(f"/cabinet/data/export/{export.pk}/download/").status_code == 404
    assert _ask(_client(make_client, ds.parent), ds.pupils[1]).status_code == 404  # not her child
