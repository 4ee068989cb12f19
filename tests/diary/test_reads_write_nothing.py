"""The evening read writes nothing: the exact SQL of a week GET (API and page) for the guardian, the pupil
and a trusted person, by session and by bearer token; the statements are few and as many for an empty week
as for a full one; and the trusted person's reads all reach the view log after the flush, even across a
failed flush."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application

from diary.models import Lesson, MarkChange
from dnevnik.db_router import PrimaryReplicaRouter
from portal.models import User
from tests.diary.conftest import TERM_START, DiarySchool, client_for, make_account
from tests.diary.test_family_api import heavy_week, lesson
from tests.grants import make_grant
from trust import services as trust_services
from trust import viewlog
from trust.models import Grant, View

WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE|BEGIN|COMMIT|SAVEPOINT|RELEASE|ROLLBACK)\b", re.IGNORECASE)
EMPTY_WEEK = (TERM_START + timedelta(days=21), TERM_START + timedelta(days=27))
FULL_WEEK = (TERM_START + timedelta(days=7), TERM_START + timedelta(days=13))
# Authentication (the session and its account, or the token with its account), the access check and the
# week's three data queries (the lessons bring the pupil's attendance, the marks their changes, issue 16).
MAX_STATEMENTS = 6
# The page asks for the family's children once, for its child switcher and its access check together, and adds
# the navigation's unread counts (with the sessions in Redis, as in production, the session row is not SQL: 6).
MAX_PAGE_STATEMENTS = 7


def bearer_token(user: User) -> str:
    application = Application.objects.create(
        name="Мобильный дневник",
        client_type=Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="https://app.example/cb",
        algorithm=Application.RS256_ALGORITHM,
    )
    raw = secrets.token_urlsafe(30)
    AccessToken.objects.create(
        user=user,
        application=application,
        token=raw,
        scope="openid diary.read",
        expires=timezone.now() + timedelta(minutes=30),
    )
    return raw


@pytest.fixture
def readers(diary_school: DiarySchool) -> dict[str, tuple[User, Any]]:
    ds = diary_school
    heavy_week(ds)
    lesson(ds, TERM_START, 0)
    granny = make_account("granny@example.ru", "+79000000197", "Бабушкина", "Бэла", birth_date=ds.parent.birth_date)
    make_grant(ds.pupils[0], granny, "diary")
    return {
        "guardian": (ds.parent, ds.pupils[0]),
        "pupil": (ds.pupil_account, ds.pupils[2]),
        "trusted": (granny, ds.pupils[0]),
    }


def statements(client: Client, path: str, **headers: Any) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, **headers)
    assert response.status_code == 200, response.content[:300]
    return [query["sql"] for query in queries.captured_queries]


def week_paths(pupil: Any, week: tuple[Any, Any]) -> tuple[str, str]:
    return (
        f"/api/v1/students/{pupil.public_id}/diary?from={week[0]}&to={week[1]}",
        f"/diary/{pupil.public_id}/?week={week[0]}",
    )


@pytest.mark.parametrize("who", ["guardian", "pupil", "trusted"])
def test_a_week_get_writes_nothing_in_few_statements_whatever_the_week_holds(
    readers: dict[str, tuple[User, Any]], who: str
) -> None:
    user, pupil = readers[who]
    session = client_for(user)
    token = bearer_token(user)
    session.get("/cabinet/")  # the first request after sign-in touches the session (the idle timer)
    counts: dict[str, set[int]] = {}
    for week in (EMPTY_WEEK, FULL_WEEK):
        api, page = week_paths(pupil, week)
        for name, sql in {
            "api by session": statements(session, api),
            "api by token": statements(Client(), api, HTTP_AUTHORIZATION=f"Bearer {token}"),
            "page": statements(session, page),
        }.items():
            assert [one for one in sql if WRITES.match(one)] == [], (who, name)
            counts.setdefault(name, set()).add(len(sql))
    assert len(counts["api by session"]) == len(counts["api by token"]) == len(counts["page"]) == 1, counts
    assert max(counts["api by session"] | counts["api by token"]) <= MAX_STATEMENTS, counts
    assert max(counts["page"]) <= MAX_PAGE_STATEMENTS, counts


def test_a_week_with_a_changed_mark_never_asks_the_router_for_the_primary(
    readers: dict[str, tuple[User, Any]],
) -> None:
    """The history under a changed mark is read as rows: building it must not ask for a *write* database,
    which the replica router takes as "this request wrote" and answers with the primary for the next
    seconds (the streaming-replica test, ``tests/scale``, caught this once)."""
    user, pupil = readers["guardian"]
    changed = Lesson.objects.filter(school_class=pupil.school_class, date=FULL_WEEK[0]).order_by("pk").first()
    assert changed is not None
    MarkChange.objects.create(
        pupil=pupil, lesson=changed, kind="classwork", old_value="4", new_value="3", changed_by=user, reason="пересдача"
    )
    api, page = week_paths(pupil, FULL_WEEK)
    session = client_for(user)
    session.get("/cabinet/")
    with mock.patch.object(
        PrimaryReplicaRouter, "db_for_write", autospec=True, side_effect=PrimaryReplicaRouter.db_for_write
    ) as asked:
        answer = session.get(api)
        assert session.get(page).status_code == 200
    assert any(
        "4 → 3" in text
        for day in answer.json()["days"]
        for one in day["lessons"]
        for mark in one["marks"]
        for text in mark["history"]
    )
    assert asked.call_count == 0, asked.call_args_list


def test_with_the_sessions_in_a_cache_as_in_production_the_week_page_takes_six_statements(
    readers: dict[str, tuple[User, Any]], settings: Any
) -> None:
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    user, pupil = readers["guardian"]
    session = client_for(user)
    session.get("/cabinet/")
    counts = set()
    for week in (EMPTY_WEEK, FULL_WEEK):
        sql = statements(session, week_paths(pupil, week)[1])
        assert [one for one in sql if WRITES.match(one)] == []
        assert not any("django_session" in one for one in sql)
        counts.add(len(sql))
    assert counts == {MAX_PAGE_STATEMENTS - 1}, counts


def test_the_session_is_touched_at_most_once_a_minute_and_still_ends_when_idle(
    readers: dict[str, tuple[User, Any]], time_machine: Any
) -> None:
    time_machine.move_to("2026-11-10 18:00:00+03:00", tick=False)
    user, pupil = readers["guardian"]
    session = client_for(user)
    api, _page = week_paths(pupil, FULL_WEEK)
    assert any(WRITES.match(one) for one in statements(session, api)), "the first request touches the session"
    time_machine.shift(timedelta(seconds=59))
    assert not any(WRITES.match(one) for one in statements(session, api))
    time_machine.shift(timedelta(seconds=2))
    assert any(WRITES.match(one) for one in statements(session, api)), "a minute later it is touched again"
    for _ in range(3):  # active every 20 minutes: alive for an hour, well past the 30 idle minutes
        time_machine.shift(timedelta(minutes=20))
        assert session.get(api).status_code == 200
    time_machine.shift(timedelta(minutes=30, seconds=1))
    assert session.get(api).status_code == 401


def _reads_apart(client: Client, path: str, count: int, time_machine: Any) -> None:
    """``count`` reads, each more than the merge window after the last: each is a visit of its own."""
    for _ in range(count):
        time_machine.shift(trust_services.VIEW_MERGE_WINDOW + timedelta(seconds=1))
        assert client.get(path).status_code == 200


def test_every_read_through_a_grant_reaches_the_view_log_even_across_a_failed_flush(
    readers: dict[str, tuple[User, Any]], time_machine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    time_machine.move_to("2026-11-10 18:00:00+03:00", tick=False)
    granny, pupil = readers["trusted"]
    grant = Grant.objects.get(invitee=granny)
    client = client_for(granny)
    api, page = week_paths(pupil, FULL_WEEK)
    _reads_apart(client, api, 3, time_machine)
    assert not View.objects.exists(), "the reads wrote nothing"

    real_record_view = trust_services.record_view
    calls = 0

    def failing(**kwargs: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("the database went away mid-flush")
        real_record_view(**kwargs)

    monkeypatch.setattr(trust_services, "record_view", failing)
    with pytest.raises(RuntimeError):
        trust_services.flush_views()
    assert not View.objects.exists(), "a failed flush writes nothing (one transaction)"
    monkeypatch.setattr(trust_services, "record_view", real_record_view)

    _reads_apart(client, page, 2, time_machine)
    assert trust_services.flush_views() == 5
    assert View.objects.filter(grant=grant).count() == 5
    assert trust_services.flush_views() == 0, "each read is written once"
    assert View.objects.filter(grant=grant).count() == 5


def test_reads_close_together_stay_one_visit_after_the_flush(
    readers: dict[str, tuple[User, Any]], time_machine: Any
) -> None:
    time_machine.move_to("2026-11-10 18:00:00+03:00", tick=False)
    granny, pupil = readers["trusted"]
    client = client_for(granny)
    api, _page = week_paths(pupil, FULL_WEEK)
    for _ in range(4):
        time_machine.shift(timedelta(minutes=1))
        assert client.get(api).status_code == 200
    trust_services.flush_views()
    [view] = View.objects.all()
    assert view.viewed_at == timezone.now()


def test_a_read_noted_while_a_flush_holds_the_spool_is_written_by_the_next_one(
    readers: dict[str, tuple[User, Any]],
) -> None:
    granny, _pupil = readers["trusted"]
    grant = Grant.objects.get(invitee=granny)
    viewlog.note(grant_id=grant.pk, section="diary", viewed_at=timezone.now() - timedelta(hours=1))
    with viewlog.claimed() as noted:
        assert len(noted) == 1
        # The reader's file was claimed: this read goes to a fresh file, not into the one being flushed.
        viewlog.note(grant_id=grant.pk, section="diary")
    assert trust_services.flush_views() == 1
    assert View.objects.filter(grant=grant).count() == 1


def test_lessons_are_in_the_weeks(readers: dict[str, tuple[User, Any]]) -> None:
    """The weeks above are what they claim: one empty, one full."""
    _user, pupil = readers["guardian"]
    lessons = Lesson.objects.filter(school_class=pupil.school_class)
    assert not lessons.filter(date__range=EMPTY_WEEK).exists()
    assert lessons.filter(date__range=FULL_WEEK).count() == 15
