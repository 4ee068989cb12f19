"""Day summaries of turnstile passes through ``GET /api/v1/students/{id}/visits``: arrival, leaving, time
inside, several ins and outs, stays across midnight, Moscow days, the late flag, periods and query count."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from diary.models import Lesson
from tests.diary.conftest import TERM_START, client_for
from tests.visits import family_fixtures
from tests.visits.family_fixtures import add_lesson, add_pass, give_turnstiles, msk

# Fixtures shared by the family tests of visits and meals.
diary_school = family_fixtures.diary_school
visits_school = family_fixtures.visits_school

MONDAY = TERM_START  # 2 November 2026
TUESDAY = MONDAY + timedelta(days=1)


def visits(ds: Any, start: date = MONDAY, end: date | None = None, pupil: Any = None, user: Any = None) -> Any:
    pupil = pupil or ds.pupils[0]
    path = reverse("api:student_visits", kwargs={"student_id": pupil.public_id})
    response = client_for(user or ds.parent).get(
        path, {"from": start.isoformat(), "to": (end or start + timedelta(days=6)).isoformat()}
    )
    assert response.status_code == 200, response.content
    return response.json()


def day(body: Any, which: date) -> Any:
    return next(d for d in body["days"] if d["date"] == which.isoformat())


def test_a_normal_day(visits_school: Any) -> None:
    anna = visits_school.pupils[0]
    add_lesson(visits_school, MONDAY, 0)
    add_pass(anna, msk(MONDAY, 8, 40))
    add_pass(anna, msk(MONDAY, 14, 10), "out", "Вход со двора")
    body = visits(visits_school)
    assert len(body["days"]) == 7
    assert body["has_turnstiles"] is True
    monday = day(body, MONDAY)
    assert [(p["at"], p["direction"], p["entrance"]) for p in monday["passes"]] == [
        ("2026-11-02T08:40:00+03:00", "in", "Главный вход"),
        ("2026-11-02T14:10:00+03:00", "out", "Вход со двора"),
    ]
    summary = monday["summary"]
    assert summary["arrived_at"] == "2026-11-02T08:40:00+03:00"
    assert summary["left_at"] == "2026-11-02T14:10:00+03:00"
    assert summary["minutes_inside"] == 330
    assert summary["first_lesson_at"] == "2026-11-02T09:00:00+03:00"
    assert (summary["late"], summary["still_inside"], summary["exit_unknown"]) == (False, False, False)
    assert day(body, TUESDAY)["passes"] == []


def test_several_ins_and_outs_add_up(visits_school: Any) -> None:
    anna = visits_school.pupils[0]
    for hour, minute, direction in ((8, 30, "in"), (11, 0, "out"), (11, 40, "in"), (15, 0, "out")):
        add_pass(anna, msk(MONDAY, hour, minute), direction)
    summary = day(visits(visits_school), MONDAY)["summary"]
    assert summary["arrived_at"].endswith("08:30:00+03:00")
    assert summary["left_at"].endswith("15:00:00+03:00")
    assert summary["minutes_inside"] == 150 + 200


def test_a_stay_across_midnight_belongs_to_the_day_it_began(visits_school: Any) -> None:
    anna = visits_school.pupils[0]
    add_pass(anna, msk(MONDAY, 23, 50))
    add_pass(anna, msk(TUESDAY, 0, 10), "out")
    body = visits(visits_school)
    monday, tuesday = day(body, MONDAY), day(body, TUESDAY)
    assert monday["summary"]["minutes_inside"] == 20
    assert monday["summary"]["left_at"] == "2026-11-03T00:10:00+03:00"
    assert monday["summary"]["exit_unknown"] is False
    # The OUT is listed on the day it happened, but that day's summary does not count it.
    assert [p["direction"] for p in tuesday["passes"]] == ["out"]
    assert tuesday["summary"]["left_at"] is None
    assert tuesday["summary"]["minutes_inside"] == 0


def test_a_stay_across_the_edge_of_the_period_pairs_up(visits_school: Any) -> None:
    anna = visits_school.pupils[0]
    add_pass(anna, msk(MONDAY - timedelta(days=1), 23, 0))
    add_pass(anna, msk(MONDAY, 0, 30), "out")
    monday = day(visits(visits_school), MONDAY)
    assert [p["direction"] for p in monday["passes"]] == ["out"]
    assert monday["summary"]["arrived_at"] is None
    assert monday["summary"]["left_at"] is None


def test_a_pass_late_in_the_utc_evening_is_the_next_moscow_day(visits_school: Any) -> None:
    anna = visits_school.pupils[0]
    add_pass(anna, datetime(2026, 11, 2, 23, 30, tzinfo=UTC))  # 02:30 on Tuesday in Moscow
    body = visits(visits_school)
    assert day(body, MONDAY)["passes"] == []
    (only,) = day(body, TUESDAY)["passes"]
    assert only["at"] == "2026-11-03T02:30:00+03:00"


def test_an_in_without_out_is_an_unknown_exit_on_a_past_day(visits_school: Any) -> None:
    anna = visits_school.pupils[0]
    add_pass(anna, msk(MONDAY, 8, 30))
    add_pass(anna, msk(TUESDAY, 8, 30))
    add_pass(anna, msk(TUESDAY, 14, 0), "out")
    body = visits(visits_school)
    assert day(body, MONDAY)["summary"]["exit_unknown"] is True
    assert day(body, MONDAY)["summary"]["still_inside"] is False
    assert day(body, MONDAY)["summary"]["minutes_inside"] == 0
    assert day(body, TUESDAY)["summary"]["exit_unknown"] is False


def test_the_pupil_still_inside_now(visits_school: Any) -> None:
    anna = visits_school.pupils[0]
    add_pass(anna, msk(MONDAY, 8, 30))
    with time_machine.travel(msk(MONDAY, 12, 0), tick=False):
        summary = day(visits(visits_school), MONDAY)["summary"]
    assert (summary["still_inside"], summary["exit_unknown"]) == (True, False)


def test_late_when_no_in_before_the_first_lesson(visits_school: Any) -> None:
    anna, boris, vera = visits_school.pupils
    add_lesson(visits_school, MONDAY, 1)  # 10:00
    add_lesson(visits_school, MONDAY, 0, status=Lesson.Status.CANCELLED)  # 09:00, cancelled: does not count
    add_lesson(visits_school, TUESDAY, 0, status=Lesson.Status.CANCELLED)  # the only lesson, cancelled
    add_pass(anna, msk(MONDAY, 9, 50))
    add_pass(boris, msk(MONDAY, 10, 5))
    assert day(visits(visits_school), MONDAY)["summary"]["late"] is False
    late = day(visits(visits_school, user=visits_school.other_parent, pupil=boris), MONDAY)["summary"]
    assert late["late"] is True
    assert late["first_lesson_at"] == "2026-11-02T10:00:00+03:00"
    # No passes at all on a day with lessons: late too; a day whose lessons are all cancelled: not.
    vera_week = visits(visits_school, user=visits_school.pupil_account, pupil=vera)
    assert day(vera_week, MONDAY)["summary"]["late"] is True
    assert day(vera_week, TUESDAY)["summary"]["late"] is False
    assert day(vera_week, MONDAY + timedelta(days=2))["summary"]["late"] is False  # no lessons at all


def test_a_lesson_still_ahead_is_not_late_yet(visits_school: Any) -> None:
    add_lesson(visits_school, MONDAY, 1)  # 10:00
    with time_machine.travel(msk(MONDAY, 9, 30), tick=False):
        assert day(visits(visits_school), MONDAY)["summary"]["late"] is False


def test_a_school_without_turnstiles_calls_nobody_late(diary_school: Any) -> None:
    add_lesson(diary_school, MONDAY, 0)
    body = visits(diary_school)
    assert body["has_turnstiles"] is False
    assert day(body, MONDAY)["summary"]["late"] is False


def test_only_days_the_turnstiles_worked_are_judged(diary_school: Any) -> None:
    """Before the turnstiles came, on a day they were offline, or with only a canteen system sending
    meals (an ingest client, but no passes), nobody is late."""
    give_turnstiles(diary_school.school, since=msk(MONDAY, 7, 0))
    wednesday = TUESDAY + timedelta(days=1)
    for offset in range(3):
        add_lesson(diary_school, MONDAY + timedelta(days=offset), 0)
    boris = diary_school.pupils[1]
    add_pass(boris, msk(wednesday, 8, 40))  # only on Wednesday did the turnstiles let anyone in
    body = visits(diary_school)
    assert [day(body, d)["summary"]["late"] for d in (MONDAY, TUESDAY, wednesday)] == [False, False, True]
    assert body["has_turnstiles"] is True


def test_without_dates_the_current_week(visits_school: Any) -> None:
    path = reverse("api:student_visits", kwargs={"student_id": visits_school.pupils[0].public_id})
    with time_machine.travel(msk(MONDAY + timedelta(days=3), 12, 0), tick=False):
        body = client_for(visits_school.parent).get(path).json()
    assert (body["start"], body["end"]) == ("2026-11-02", "2026-11-08")


def test_bad_periods_are_400_with_the_field(visits_school: Any) -> None:
    path = reverse("api:student_visits", kwargs={"student_id": visits_school.pupils[0].public_id})
    client = client_for(visits_school.parent)
    backwards = client.get(path, {"from": "2026-11-10", "to": "2026-11-02"})
    assert backwards.status_code == 400
    assert (backwards.json()["code"], backwards.json()["field"]) == ("invalid_period", "from")
    too_long = client.get(path, {"from": "2026-10-01", "to": "2026-11-30"})
    assert too_long.status_code == 400
    assert too_long.json()["field"] == "to"
    not_a_date = client.get(path, {"from": "yesterday"})
    assert not_a_date.status_code == 400
    assert not_a_date.json()["field"] == "from"


def test_the_query_count_does_not_grow_with_the_passes(visits_school: Any) -> None:
    anna = visits_school.pupils[0]
    add_lesson(visits_school, MONDAY, 0)
    path = reverse("api:student_visits", kwargs={"student_id": anna.public_id})
    client = client_for(visits_school.parent)
    query = {"from": MONDAY.isoformat(), "to": (MONDAY + timedelta(days=13)).isoformat()}
    client.get(path, query)  # the first request after sign-in touches the session (its idle timer)
    with CaptureQueriesContext(connection) as few:
        assert client.get(path, query).status_code == 200
    for offset in range(14):
        add_lesson(visits_school, MONDAY + timedelta(days=offset), 2)
        for hour, direction in ((8, "in"), (12, "out"), (13, "in"), (16, "out")):
            add_pass(anna, msk(MONDAY + timedelta(days=offset), hour), direction)
    with CaptureQueriesContext(connection) as many:
        assert client.get(path, query).status_code == 200
    assert len(many) == len(few)
