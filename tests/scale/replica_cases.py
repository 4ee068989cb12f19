"""The replica router on a real streaming replica — run by ``test_replica.py``, which starts a scratch
primary and a ``pg_basebackup -R`` hot standby of it and runs this module with the production profile's
own variables (``DATABASE_URL`` the primary, ``DATABASE_REPLICA_URLS`` the standby). Not collected by
itself (its name is not ``test_*``): it needs those two servers.

The test database pytest-django creates on the primary reaches the standby by streaming, like every
change; ``replica_1`` is a ``TEST.MIRROR`` of ``default``, so it reads that database on the standby's port.
Pausing the standby's replay makes "which server answered" visible: a mark written on the primary is
missing from an answer the replica gave, and present in one the primary gave.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from diary.lessons import generate_lessons
from diary.models import Lesson
from tests.diary.conftest import TERM_START, build_diary_school, client_for
from tests.pgcluster import wait_for

if "replica_1" not in settings.DATABASES:
    pytest.skip("needs DATABASE_REPLICA_URLS (run through tests/scale/test_replica.py)", allow_module_level=True)

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica_1"])

WEEK = f"from={TERM_START.isoformat()}&to={(TERM_START + timedelta(days=6)).isoformat()}"


def scalar(alias: str, sql: str, *params: Any) -> Any:
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def caught_up() -> bool:
    """The standby has replayed everything the primary has written so far."""
    lsn = scalar("default", "SELECT pg_current_wal_lsn()::text")
    return bool(scalar("replica_1", "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", lsn))


@contextmanager
def replay_paused() -> Iterator[None]:
    wait_for(caught_up)
    scalar("replica_1", "SELECT pg_wal_replay_pause()::text")
    wait_for(lambda: scalar("replica_1", "SELECT pg_get_wal_replay_pause_state()") == "paused")
    try:
        yield
    finally:
        scalar("replica_1", "SELECT pg_wal_replay_resume()::text")


def week_marks(client: Any, pupil: Any) -> list[str]:
    url = reverse("api:student_diary", kwargs={"student_id": pupil.public_id}) + f"?{WEEK}"
    response = client.get(url)
    assert response.status_code == 200, response.content
    return [mark["value"] for day in response.json()["days"] for lesson in day["lessons"] for mark in lesson["marks"]]


def put_mark(client: Any, lesson: Lesson, pupil: Any, value: str, version: int | None = None) -> None:
    url = reverse("api:teacher_lesson_marks", kwargs={"lesson_id": lesson.pk})
    mark = {"pupil_id": pupil.pk, "value": value} | ({"version": version} if version else {})
    body = json.dumps({"marks": [mark]})
    response = client.put(url, body, content_type="application/json")
    assert response.status_code == 200, response.content


@pytest.fixture
def school() -> Any:
    school = build_diary_school()
    generate_lessons(term=school.term)
    wait_for(caught_up)
    return school


def test_a_familys_read_is_served_by_the_replica(school: Any) -> None:
    assert scalar("replica_1", "SELECT pg_is_in_recovery()") is True
    assert scalar("default", "SELECT pg_is_in_recovery()") is False
    parent = client_for(school.parent)
    with (
        CaptureQueriesContext(connections["default"]) as on_primary,
        CaptureQueriesContext(connections["replica_1"]) as on_replica,
    ):
        assert week_marks(parent, school.pupils[0]) == []
    assert any("diary_lesson" in query["sql"] for query in on_replica.captured_queries)
    # The primary answered only for the session (the database session backend is read there, always).
    assert not any("diary_" in query["sql"] for query in on_primary.captured_queries), on_primary.captured_queries


def test_the_writer_reads_the_primary_and_everyone_else_the_replica_until_it_replays(school: Any) -> None:
    anna = school.pupils[0]
    monday_algebra = Lesson.objects.get(school_class=school.class_7a, subject=school.algebra, date=TERM_START)
    teacher, parent = client_for(school.math_teacher), client_for(school.parent)
    with replay_paused():
        put_mark(teacher, monday_algebra, anna, "5")
        # The teacher's next read, another request of the same session, goes to the primary: the mark is there.
        assert week_marks(teacher, anna) == ["5"]
        # The parent wrote nothing: the replica answers, and it has not replayed the mark yet.
        assert week_marks(parent, anna) == []
    wait_for(caught_up)
    assert week_marks(parent, anna) == ["5"]


def test_after_the_window_the_writer_reads_the_replica_again(school: Any, settings: Any) -> None:
    settings.DATABASE_PRIMARY_AFTER_WRITE_SECONDS = 1
    anna = school.pupils[0]
    monday_algebra = Lesson.objects.get(school_class=school.class_7a, subject=school.algebra, date=TERM_START)
    teacher = client_for(school.math_teacher)
    put_mark(teacher, monday_algebra, anna, "4")
    wait_for(caught_up)
    with replay_paused():
        put_mark(teacher, monday_algebra, anna, "3", version=1)
        assert week_marks(teacher, anna) == ["3"]
        wait_for(lambda: week_marks(teacher, anna) == ["4"], timeout=10)  # the window is over: the replica's state
