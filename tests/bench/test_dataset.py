"""The bench's dataset generator at a tiny scale: the product's generator plus families, and credentials the
load generator can really use — each family's bearer token and session open the pupil's week, each mark
entry's teacher token writes its lesson's 30 marks."""

from __future__ import annotations

import json

from django.test import Client

from bench.dataset import MARKS_PER_ENTRY, Manifest, mark_entry_body
from diary.models import Homework, Lesson, Mark
from registry.models import Guardian, Pupil
from tests.bench.conftest import TINY


def test_the_dataset_has_the_scale_asked_for(manifest: Manifest) -> None:
    assert Pupil.objects.count() == TINY.schools * TINY.classes * TINY.pupils == manifest.counts["pupils"]
    assert Guardian.objects.filter(account__isnull=False).count() == manifest.counts["pupils"]
    assert Lesson.objects.count() == manifest.counts["lessons"] > 0
    assert Mark.objects.exists()
    assert Homework.objects.exists()
    assert len(manifest.families) == TINY.families
    assert len({family.pupil for family in manifest.families}) == TINY.families
    assert json.loads(manifest.to_json())["scale"]["pupils"] == TINY.pupils


def test_every_family_reads_its_week_by_token_and_by_session(manifest: Manifest) -> None:
    for family in manifest.families:
        api = Client().get(f"/api/v1/students/{family.pupil}/diary", HTTP_AUTHORIZATION=f"Bearer {family.token}")
        assert api.status_code == 200
        assert api.json()["start"] == manifest.week_start
        assert sum(len(day["lessons"]) for day in api.json()["days"]) > 0
        browser = Client()
        browser.cookies[manifest.session_cookie] = family.session
        for path in (f"/diary/{family.pupil}/", f"/diary/{family.pupil}/marks/"):
            page = browser.get(path)
            assert page.status_code == 200, path
            assert page.context["user"].email.startswith("parent-")


def test_a_family_token_reads_only_its_own_pupil(manifest: Manifest) -> None:
    first, second = manifest.families[:2]
    answer = Client().get(f"/api/v1/students/{second.pupil}/diary", HTTP_AUTHORIZATION=f"Bearer {first.token}")
    assert answer.status_code == 404


def test_the_mark_entry_lessons_are_empty_and_take_thirty_marks(manifest: Manifest) -> None:
    assert manifest.mark_entries
    lessons = [entry.lesson_id for entry in manifest.mark_entries]
    assert not Mark.objects.filter(lesson_id__in=lessons).exists()
    entry = manifest.mark_entries[0]
    answer = Client().put(
        f"/api/v1/lessons/{entry.lesson_id}/marks",
        json.dumps(mark_entry_body(entry)),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {entry.token}",
    )
    assert answer.status_code == 200, answer.content
    assert Mark.objects.filter(lesson_id=entry.lesson_id).count() == MARKS_PER_ENTRY
