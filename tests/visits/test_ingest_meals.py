"""Canteen purchases and top-ups through the ingest API: items, amounts, the running balance, alerts."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks.signals import task_finished

from notify.models import Kind, Notification
from registry.models import Pupil
from tests.diary.conftest import DiarySchool
from tests.visits.conftest import IngestSystem
from visits.models import Card, LowBalanceThreshold, MealAccount, MealEvent

AT = timezone.now().replace(microsecond=0) - timedelta(days=1)
PORRIDGE = {"name": "Каша овсяная", "quantity": 1, "price": 4500}
TEA = {"name": "Чай", "quantity": 2, "price": 1000}


def meal(event_id: str, pupil: Pupil | None, kind: str = "purchase", **extra: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "event_id": event_id,
        "student_id": str(pupil.public_id) if pupil else None,
        "occurred_at": AT.isoformat(),
        "type": kind,
    }
    event.update(extra)
    return event


def balance(pupil: Pupil) -> int | None:
    account = MealAccount.objects.filter(pupil=pupil).first()
    return account.balance if account else None


@pytest.fixture
def finished_tasks() -> Iterator[list[Any]]:
    """Results of every task that ran, as the ImmediateBackend reports them (nothing is patched)."""
    results: list[Any] = []

    def receive(sender: Any, task_result: Any, **kwargs: Any) -> None:
        results.append(task_result)

    task_finished.connect(receive)
    yield results
    task_finished.disconnect(receive)


def low_balance_runs(results: list[Any]) -> list[Any]:
    return [result for result in results if result.task.name == "check_low_balances"]


def test_top_ups_and_purchases_move_the_balance(system: IngestSystem, diary_school: DiarySchool) -> None:
    anna, boris = diary_school.pupils[:2]
    response = system.meals(
        [
            meal("m-1", anna, "top_up", amount=50000),
            meal("m-2", anna, items=[PORRIDGE, TEA]),  # amount is the sum of the items: 6500
            meal("m-3", anna, amount=6500, items=[PORRIDGE, TEA]),
            meal("m-4", boris, amount=3000),
            meal("m-5", boris, amount=0, items=[{"name": "Бесплатный обед", "quantity": 1, "price": 0}]),
        ]
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"accepted": 5, "duplicates": 0, "rejected": []}
    assert balance(anna) == 50000 - 6500 - 6500
    assert balance(boris) == -3000
    stored = MealEvent.objects.get(event_id="m-2")
    assert (stored.kind, stored.amount, stored.items, stored.occurred_at) == ("purchase", 6500, [PORRIDGE, TEA], AT)
    assert stored.occurred_at.utcoffset() == timedelta(0)


def test_resending_meals_changes_neither_events_nor_balance(system: IngestSystem, diary_school: DiarySchool) -> None:
    anna = diary_school.pupils[0]
    batch = [meal("m-1", anna, "top_up", amount=50000), meal("m-2", anna, items=[PORRIDGE])]
    assert system.meals(batch).json()["accepted"] == 2
    again = [dict(event, occurred_at=AT.astimezone(UTC).isoformat()) for event in batch]
    assert system.meals(again).json() == {"accepted": 0, "duplicates": 2, "rejected": []}
    assert system.meals(batch + batch).json() == {"accepted": 0, "duplicates": 4, "rejected": []}
    assert balance(anna) == 45500
    assert MealEvent.objects.count() == 2


def test_a_bad_meal_is_reported_and_the_rest_counted(
    system: IngestSystem, diary_school: DiarySchool, other_pupil: Pupil
) -> None:
    anna = diary_school.pupils[0]
    body = system.meals(
        [
            meal("neg", anna, items=[PORRIDGE, {"name": "Сдача", "quantity": 1, "price": -100}]),
            meal("neg-amount", anna, amount=-500),
            meal("mismatch", anna, amount=4000, items=[PORRIDGE]),
            meal("zero-top-up", anna, "top_up", amount=0),
            meal("no-amount", anna),
            meal("stranger", other_pupil, "top_up", amount=100000),
            meal("kind", anna, "refund", amount=100),
            meal("float", anna, amount=45.5),
            meal("ok", anna, "top_up", amount=1000),
            meal("future", anna, "top_up", amount=1000, occurred_at=(timezone.now() + timedelta(hours=1)).isoformat()),
        ]
    ).json()
    assert body["accepted"] == 1
    assert [(item["index"], item["code"], item["field"]) for item in body["rejected"]] == [
        (0, "negative_price", "items.1.price"),
        (1, "invalid_amount", "amount"),
        (2, "items_total_mismatch", "amount"),
        (3, "invalid_amount", "amount"),
        (4, "invalid", "amount"),
        (5, "unknown_pupil", "student_id"),
        (6, "invalid", "type"),
        (7, "invalid", "amount"),
        (9, "time_in_future", "occurred_at"),
    ]
    assert balance(anna) == 1000
    assert balance(other_pupil) is None
    assert not MealEvent.objects.filter(pupil=other_pupil).exists()


def test_an_event_id_conflict_leaves_the_stored_event_and_balance(
    system: IngestSystem, diary_school: DiarySchool
) -> None:
    anna = diary_school.pupils[0]
    system.meals([meal("m-1", anna, "top_up", amount=50000)])
    body = system.meals([meal("m-1", anna, "top_up", amount=90000)]).json()
    assert body["accepted"] == 0
    assert [(item["event_id"], item["code"]) for item in body["rejected"]] == [("m-1", "event_id_conflict")]
    assert MealEvent.objects.get(event_id="m-1").amount == 50000
    assert balance(anna) == 50000


def test_meals_by_card(system: IngestSystem, diary_school: DiarySchool) -> None:
    boris = diary_school.pupils[1]
    Card.objects.create(school=diary_school.school, number="0042", pupil=boris)
    assert system.meals([meal("m-1", None, "top_up", amount=2000, card="0042")]).json()["accepted"] == 1
    assert balance(boris) == 2000


def test_the_low_balance_check_runs_after_the_batch(
    system: IngestSystem, diary_school: DiarySchool, finished_tasks: list[Any]
) -> None:
    anna, boris = diary_school.pupils[:2]
    LowBalanceThreshold.objects.create(account=diary_school.parent, pupil=anna, amount=10000)
    system.meals([meal("m-1", anna, "top_up", amount=12000), meal("m-2", boris, "top_up", amount=100)])
    assert [sorted(run.kwargs["pupil_ids"]) for run in low_balance_runs(finished_tasks)] == [
        sorted([anna.pk, boris.pk])
    ]
    assert not Notification.objects.filter(kind=Kind.LOW_BALANCE).exists()

    system.meals([meal("m-3", anna, items=[PORRIDGE])])  # 12000 − 4500 = 7500, below 10000
    runs = low_balance_runs(finished_tasks)
    assert runs[-1].kwargs["pupil_ids"] == [anna.pk]
    assert runs[-1].status == TaskResultStatus.SUCCESSFUL, runs[-1].errors
    assert Notification.objects.filter(kind=Kind.LOW_BALANCE, user=diary_school.parent).count() == 1

    system.meals([meal("m-3", anna, items=[PORRIDGE])])  # a re-send moves nothing, so nothing to check
    assert len(low_balance_runs(finished_tasks)) == 2


def test_a_thousand_meals_take_a_bounded_number_of_queries(
    system: IngestSystem, diary_school: DiarySchool, django_assert_max_num_queries: Any
) -> None:
    top_up: dict[str, Any] = {"amount": 10000}
    purchase: dict[str, Any] = {"items": [PORRIDGE, TEA]}
    batch = [
        meal(
            f"m-{n}",
            diary_school.pupils[n % 3],
            "top_up" if n % 10 == 0 else "purchase",
            occurred_at=(AT + timedelta(seconds=n)).isoformat(),
            **(top_up if n % 10 == 0 else purchase),
        )
        for n in range(1000)
    ]
    with django_assert_max_num_queries(40):
        assert system.meals(batch).json()["accepted"] == 1000
    expected = 100 * 10000 - 900 * 6500
    assert sum(MealAccount.objects.values_list("balance", flat=True)) == expected
    with django_assert_max_num_queries(20):
        assert system.meals(batch).json()["duplicates"] == 1000
    assert sum(MealAccount.objects.values_list("balance", flat=True)) == expected


@pytest.mark.django_db(transaction=True)
def test_the_same_batch_sent_four_times_at_once_counts_once(system: IngestSystem, diary_school: DiarySchool) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs a server database: SQLite lets one writer in at a time anyway")
    batch = [
        meal(
            f"m-{n}",
            diary_school.pupils[n % 3],
            "top_up" if n % 5 == 0 else "purchase",
            occurred_at=(AT + timedelta(seconds=n)).isoformat(),
            amount=1000,
        )
        for n in range(600)
    ]
    # Accounts that exist already: their first insert would otherwise serialise the batches by itself.
    system.meals([meal(f"first-{pupil.pk}", pupil, "top_up", amount=1000) for pupil in diary_school.pupils])
    start = threading.Barrier(4)
    bodies: list[Any] = []

    def send() -> None:
        try:
            start.wait()
            response = Client().post(
                "/api/v1/ingest/meals",
                {"events": batch},
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {system.token}",
            )
            bodies.append(response.json())
        except Exception as error:  # reported by the assertion below
            bodies.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sum(body["accepted"] for body in bodies) == 600, bodies
    assert sum(body["duplicates"] for body in bodies) == 1800
    assert all(body["rejected"] == [] for body in bodies)
    assert MealEvent.objects.count() == 603
    assert sum(MealAccount.objects.values_list("balance", flat=True)) == 3 * 1000 + 120 * 1000 - 480 * 1000


def test_a_purchase_of_nothing_for_nothing_is_refused(system: IngestSystem, diary_school: DiarySchool) -> None:
    anna = diary_school.pupils[0]
    free_lunch = [{"name": "Обед (льготный)", "quantity": 1, "price": 0}]
    body = system.meals([meal("empty", anna, amount=0), meal("free", anna, amount=0, items=free_lunch)]).json()

    assert body["accepted"] == 1
    assert [(item["index"], item["code"], item["field"]) for item in body["rejected"]] == [
        (0, "empty_purchase", "items")
    ]
