"""The bench's hand-written-SQL baseline answers the same week JSON as the product, so the two figures of
``make bench`` compare the same work: its WSGI app (``bench.baseline.app``) on the test database against
``GET /api/v1/students/{id}/diary`` for every family of the tiny dataset, with every kind and scale of mark,
a homework with an attachment, a due date and a tick, an absence, a cancelled lesson and a trusted person."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from oauth2_provider.models import Application

from bench.baseline.app import make_app
from bench.dataset import Family, Manifest, mint_tokens
from diary.models import Attendance, Homework, HomeworkAttachment, HomeworkDone, Lesson, Mark
from portal.models import User
from registry.models import Pupil
from tests.diary.conftest import make_account
from tests.grants import make_grant


def baseline(path: str, token: str | None) -> tuple[str, Any]:
    """One request through the baseline's WSGI app, on the test database's connection."""
    app = make_app(lambda: connection, sqlite=connection.vendor == "sqlite")
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": ""}
    if token is not None:
        environ["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    answer: dict[str, str] = {}
    body = b"".join(app(environ, lambda status, headers: answer.setdefault("status", status)))
    return answer["status"], json.loads(body)


def product(path: str, token: str) -> Any:
    answer = Client().get(path, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert answer.status_code == 200, answer.content
    return answer.json()


def this_weeks_lesson(pupil: Pupil, manifest: Manifest, number: int) -> Lesson:
    lessons = Lesson.objects.filter(
        school_class=pupil.school_class, date__range=(date.fromisoformat(manifest.week_start), manifest.week_end)
    ).order_by("date", "slot__number")
    return lessons[number]


@pytest.fixture
def varied(manifest: Manifest, settings: Any, tmp_path: Any) -> Manifest:
    """The first family's week with everything the week can show."""
    settings.MEDIA_ROOT = tmp_path
    pupil = Pupil.objects.get(public_id=manifest.families[0].pupil)
    first, second, third = (this_weeks_lesson(pupil, manifest, n) for n in range(3))
    teacher = first.teacher
    for kind, scale, value in [("test", "ten", "7"), ("control", "hundred", "87"), ("exam", "pass_fail", "pass")]:
        Mark.objects.create(
            pupil=pupil, lesson=first, kind=kind, scale=scale, value=value, weight=2, comment="ок", created_by=teacher
        )
    homework = Homework.objects.create(lesson=second, due_lesson=third, text="Выучить стих", created_by=teacher)
    HomeworkAttachment.objects.create(
        homework=homework, file=ContentFile(b"%PDF", name="a.pdf"), name="a.pdf", size=4, content_type="text/plain"
    )
    HomeworkDone.objects.create(homework=homework, pupil=pupil)
    Attendance.objects.update_or_create(
        pupil=pupil,
        lesson=second,
        defaults={"status": "late", "late_minutes": 7, "comment": "автобус", "recorded_by": teacher},
    )
    Lesson.objects.filter(pk=third.pk).update(status=Lesson.Status.CANCELLED)
    # A trusted person with the diary grant reads the week too (the third relation of the baseline's check).
    grandmother = make_account("grandma@example.ru", "+79000000555", surname="Бабушкина")
    make_grant(pupil, grandmother, "diary")
    token = mint_tokens([grandmother.pk], Application.objects.get(), "openid diary.read")[grandmother.pk]
    manifest.families.append(Family(pupil=manifest.families[0].pupil, token=token, session=""))
    return manifest


def test_the_baseline_answers_the_products_week_for_every_family(varied: Manifest) -> None:
    for family in varied.families:
        path = f"/api/v1/students/{family.pupil}/diary"
        status, week = baseline(path, family.token)
        assert status == "200 OK"
        assert week == product(path, family.token)
    shown = json.dumps(product(f"/api/v1/students/{varied.families[0].pupil}/diary", varied.families[0].token))
    for seen in ('"five_point": "3.5"', '"five_point": "4.35"', '"due_date": "20', '"done": true', '"cancelled": true'):
        assert seen in shown


def test_the_baseline_refuses_what_the_product_refuses(varied: Manifest) -> None:
    first, second = varied.families[:2]
    assert baseline(f"/api/v1/students/{second.pupil}/diary", first.token)[0] == "404 Not Found"
    assert baseline(f"/api/v1/students/{first.pupil}/diary", None)[0] == "401 Unauthorized"
    assert baseline(f"/api/v1/students/{first.pupil}/diary", "not-a-token")[0] == "404 Not Found"
    stranger = User.objects.get(email=f"parent-{Pupil.objects.get(public_id=second.pupil).pk}@families.bench.test")
    no_scope = mint_tokens([stranger.pk], Application.objects.get(), "openid profile")[stranger.pk]
    assert baseline(f"/api/v1/students/{second.pupil}/diary", no_scope)[0] == "404 Not Found"
    assert (
        Client().get(f"/api/v1/students/{second.pupil}/diary", HTTP_AUTHORIZATION=f"Bearer {no_scope}").status_code
        == 403
    )
