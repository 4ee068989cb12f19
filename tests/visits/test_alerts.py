"""Warnings to families: a low meal balance (once per fall below the guardian's threshold, again after a
rise) and the late-arrival sweep (once a day, only where turnstiles work, only for pupils with lessons)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse

from diary.models import Lesson
from notify.models import Notification
from registry.models import Guardian, Pupil, School, SchoolClass
from tests.diary.conftest import TERM_START, make_account, make_pupil
from tests.grants import make_grant
from tests.visits import family_fixtures
from tests.visits.family_fixtures import add_lesson, add_pass, give_turnstiles, msk, set_balance
from visits.alerts import check_low_balances, sweep_late_arrivals
from visits.models import LateArrivalNotice, LowBalanceThreshold

# Fixtures shared by the family tests of visits and meals.
diary_school = family_fixtures.diary_school
visits_school = family_fixtures.visits_school

MONDAY = TERM_START


@pytest.fixture
def run(django_capture_on_commit_callbacks: Callable[..., Any]) -> Callable[..., Any]:
    """Run ``action`` and then what it left for after the commit (task enqueues, deliveries)."""

    def _run(action: Callable[[], Any]) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return action()

    return _run


def notices(kind: str, user: Any = None) -> list[Notification]:
    found = Notification.objects.filter(kind=kind).order_by("pk")
    return list(found.filter(user=user) if user is not None else found)


# ---------------------------------------------------------------- low balance


def test_low_balance_is_told_once_per_fall(diary_school: Any, run: Callable[..., Any]) -> None:
    anna = diary_school.pupils[0]
    set_balance(anna, 50000)
    LowBalanceThreshold.objects.create(account=diary_school.parent, pupil=anna, amount=30000)

    def check() -> int:
        return int(run(lambda: check_low_balances.enqueue(pupil_ids=[anna.pk])).return_value)

    assert check() == 0
    set_balance(anna, 25050)
    assert check() == 1
    (notice,) = notices("low_balance")
    assert notice.user == diary_school.parent
    assert "Анна" in notice.subject
    assert "250,50" in notice.subject
    assert "300,00" in notice.body
    assert notice.link == reverse("visits:meals", kwargs={"student_id": anna.public_id})
    set_balance(anna, 10000)
    assert check() == 0, "still the same fall"
    set_balance(anna, 30000)  # back at the threshold: the next fall is told again
    assert check() == 0
    assert LowBalanceThreshold.objects.get().notified_at is None
    set_balance(anna, 29999)
    assert check() == 1
    assert len(notices("low_balance")) == 2


def test_only_the_owner_of_each_threshold_is_told(diary_school: Any, run: Callable[..., Any]) -> None:
    anna, boris, _vera = diary_school.pupils
    second = make_account("father@example.ru", "+79000000401", "Андреев", "Пётр")
    guardian = Guardian(
        pupil=anna, surname="Андреев", given_name="Пётр", relation=Guardian.Relation.FATHER, account=second
    )
    guardian.refresh_fio_key()
    guardian.save()
    set_balance(anna, 20000)
    set_balance(boris, 20000)
    LowBalanceThreshold.objects.create(account=diary_school.parent, pupil=anna, amount=30000)
    LowBalanceThreshold.objects.create(account=second, pupil=anna, amount=10000)  # not below this one
    LowBalanceThreshold.objects.create(account=diary_school.other_parent, pupil=boris, amount=30000)
    run(lambda: check_low_balances.enqueue(pupil_ids=[anna.pk]))
    assert [n.user for n in notices("low_balance")] == [diary_school.parent]


def test_a_guardian_whose_link_ended_is_not_told(diary_school: Any, run: Callable[..., Any]) -> None:
    anna = diary_school.pupils[0]
    set_balance(anna, 100)
    LowBalanceThreshold.objects.create(account=diary_school.parent, pupil=anna, amount=30000)
    Guardian.objects.filter(pupil=anna).update(account=None)
    run(lambda: check_low_balances.enqueue(pupil_ids=[anna.pk]))
    assert notices("low_balance") == []


def test_setting_a_threshold_above_the_balance_tells_once(diary_school: Any, web: Any) -> None:
    anna = diary_school.pupils[0]
    set_balance(anna, 5000)
    web.force_login(diary_school.parent)
    url = reverse("visits:threshold", kwargs={"student_id": anna.public_id})
    assert web.post(url, {"amount": "100"}).status_code == 302
    assert web.post(url, {"amount": "100"}).status_code == 302  # unchanged: not told again
    assert len(notices("low_balance", diary_school.parent)) == 1
    assert web.post(url, {"amount": "200"}).status_code == 302  # a new threshold: a new fall below it
    assert len(notices("low_balance", diary_school.parent)) == 2


# ---------------------------------------------------------------- late arrival


@pytest.fixture
def monday(visits_school: Any) -> Any:
    """Monday: 7А's lessons at 09:00 and 10:00; Борис came in at 08:50, Вера at 09:05, Анна has not come;
    7Б has no lessons."""
    ds = visits_school
    _anna, boris, vera = ds.pupils
    add_lesson(ds, MONDAY, 0)
    add_lesson(ds, MONDAY, 1)
    add_pass(boris, msk(MONDAY, 8, 50))
    add_pass(vera, msk(MONDAY, 9, 5))
    return ds


def test_the_sweep_tells_the_families_once(monday: Any, run: Callable[..., Any]) -> None:
    anna = monday.pupils[0]
    grandma = make_account("grandma@example.ru", "+79000000201", "Андреева", "Галина")
    make_grant(anna, grandma, "visits_meals")
    diary_only = make_account("aunt@example.ru", "+79000000202", "Андреева", "Тамара")
    make_grant(anna, diary_only, "diary")
    assert run(lambda: sweep_late_arrivals(msk(MONDAY, 9, 5))) == 0, "judged only ten minutes after the bell"
    assert run(lambda: sweep_late_arrivals(msk(MONDAY, 9, 15))) == 2
    assert set(LateArrivalNotice.objects.values_list("pupil__given_name", flat=True)) == {"Анна", "Вера"}
    told = notices("late_arrival")
    assert sorted(n.user.email for n in told) == sorted(
        [monday.parent.email, grandma.email, monday.pupil_account.email]
    )
    anna_notice = next(n for n in told if n.user == monday.parent)
    assert "Анна" in anna_notice.subject
    assert "09:00" in anna_notice.body
    assert anna_notice.link == reverse("visits:visits", kwargs={"student_id": anna.public_id})
    vera_notice = next(n for n in told if n.user == monday.pupil_account)
    assert "09:05" in vera_notice.body
    assert run(lambda: sweep_late_arrivals(msk(MONDAY, 9, 30))) == 0
    assert len(notices("late_arrival")) == 3
    assert LateArrivalNotice.objects.count() == 2


def test_an_overlapping_sweep_does_not_tell_a_family_twice(
    monday: Any,
    run: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another run writes Анна's notice between this run's read and its insert: only Вера is told here."""
    anna = monday.pupils[0]
    insert = LateArrivalNotice.objects.bulk_create

    def another_run_first(rows: Any, **options: Any) -> Any:
        LateArrivalNotice.objects.create(
            pupil=anna, date=MONDAY, first_lesson_at=msk(MONDAY, 9, 0), created_at=msk(MONDAY, 9, 14)
        )
        return insert(rows, **options)

    monkeypatch.setattr(LateArrivalNotice.objects, "bulk_create", another_run_first)
    assert run(lambda: sweep_late_arrivals(msk(MONDAY, 9, 15))) == 1
    assert {n.user for n in notices("late_arrival")} == {monday.pupil_account}


def test_pupils_who_left_the_school_are_not_swept(monday: Any, run: Callable[..., Any]) -> None:
    Pupil.objects.filter(pk=monday.pupils[0].pk).update(status=Pupil.Status.LEFT)
    assert run(lambda: sweep_late_arrivals(msk(MONDAY, 9, 15))) == 1  # Вера only


def test_a_class_without_lessons_today_is_not_swept(monday: Any, run: Callable[..., Any]) -> None:
    run(lambda: sweep_late_arrivals(msk(MONDAY, 12, 0)))
    assert not LateArrivalNotice.objects.filter(pupil=monday.stranger_pupil).exists()  # 7Б, no lessons
    assert not LateArrivalNotice.objects.filter(pupil=monday.pupils[1]).exists()  # Борис came in


def test_cancelled_lessons_are_no_lessons(monday: Any, run: Callable[..., Any]) -> None:
    Lesson.objects.filter(date=MONDAY).update(status=Lesson.Status.CANCELLED)
    assert run(lambda: sweep_late_arrivals(msk(MONDAY, 12, 0))) == 0


def test_a_later_first_lesson_is_judged_at_its_own_time(monday: Any, run: Callable[..., Any]) -> None:
    # Tuesday 7Б starts at 10:00 only; 7А at 09:00.
    tuesday = MONDAY + timedelta(days=1)
    add_lesson(monday, tuesday, 0)
    add_lesson(monday, tuesday, 1, school_class=monday.class_7b)
    add_pass(monday.pupils[1], msk(tuesday, 8, 40))
    assert run(lambda: sweep_late_arrivals(msk(tuesday, 9, 30))) == 2  # Анна, Вера
    assert run(lambda: sweep_late_arrivals(msk(tuesday, 10, 30))) == 1  # Глеб
    assert LateArrivalNotice.objects.get(pupil=monday.stranger_pupil).first_lesson_at == msk(tuesday, 10, 0)


def test_a_school_without_turnstiles_is_never_swept(diary_school: Any, run: Callable[..., Any]) -> None:
    add_lesson(diary_school, MONDAY, 0)
    add_pass(diary_school.pupils[1], msk(MONDAY, 8, 50))
    assert run(lambda: sweep_late_arrivals(msk(MONDAY, 12, 0))) == 0
    assert notices("late_arrival") == []


def test_lessons_before_the_turnstiles_came_are_not_judged(diary_school: Any, run: Callable[..., Any]) -> None:
    give_turnstiles(diary_school.school, since=msk(MONDAY, 9, 30))  # registered after the first bell
    add_lesson(diary_school, MONDAY, 0)  # 09:00
    add_lesson(diary_school, MONDAY, 1, school_class=diary_school.class_7b)  # 10:00
    add_pass(diary_school.pupils[1], msk(MONDAY, 9, 40))
    assert run(lambda: sweep_late_arrivals(msk(MONDAY, 10, 30))) == 1
    assert LateArrivalNotice.objects.get().pupil == diary_school.stranger_pupil


def test_turnstiles_silent_all_morning_are_taken_as_offline(visits_school: Any, run: Callable[..., Any]) -> None:
    add_lesson(visits_school, MONDAY, 0)
    add_pass(visits_school.pupils[1], msk(MONDAY - timedelta(days=3), 8, 50))  # last week's, not today's
    assert run(lambda: sweep_late_arrivals(msk(MONDAY, 12, 0))) == 0


def test_other_schools_do_not_count_for_a_working_turnstile(monday: Any, run: Callable[..., Any]) -> None:
    other = School.objects.create(code="d9", name="Школа № 9")
    give_turnstiles(other)
    pupil = make_pupil(SchoolClass.objects.create(school=other, grade=7, letter="А"), "Другой", "Дмитрий")
    assert run(lambda: sweep_late_arrivals(msk(MONDAY, 9, 15))) == 2
    assert not LateArrivalNotice.objects.filter(pupil=pupil).exists()
