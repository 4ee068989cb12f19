"""Meals through ``GET /api/v1/students/{id}/meals`` (days, items, totals, the balance, the caller's threshold)
and the guardian's threshold form on the meals page (set, change, clear, validation, who may)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from tests.diary.conftest import TERM_START, client_for, make_account
from tests.grants import make_grant
from tests.visits import family_fixtures
from tests.visits.family_fixtures import add_meal, msk, set_balance
from visits.models import LowBalanceThreshold

# Fixtures shared by the family tests of visits and meals.
diary_school = family_fixtures.diary_school

MONDAY = TERM_START
LUNCH = [
    {"name": "Борщ со сметаной", "quantity": 1, "price": 6500},
    {"name": "Компот из сухофруктов", "quantity": 2, "price": 1800},
]


def meals(ds: Any, user: Any = None, pupil: Any = None) -> Any:
    path = reverse("api:student_meals", kwargs={"student_id": (pupil or ds.pupils[0]).public_id})
    response = client_for(user or ds.parent).get(
        path, {"from": MONDAY.isoformat(), "to": (MONDAY + timedelta(days=6)).isoformat()}
    )
    assert response.status_code == 200, response.content
    return response.json()


def threshold_url(pupil: Any) -> str:
    return reverse("visits:threshold", kwargs={"student_id": pupil.public_id})


def test_days_items_totals_and_the_balance(diary_school: Any) -> None:
    anna = diary_school.pupils[0]
    add_meal(anna, msk(MONDAY, 7, 30), "top_up", 150000)
    add_meal(anna, msk(MONDAY, 12, 15), "purchase", 10100, LUNCH)
    add_meal(
        anna,
        msk(MONDAY + timedelta(days=2), 9, 50),
        "purchase",
        4500,
        [{"name": "Каша овсяная", "quantity": 1, "price": 4500}],
    )
    add_meal(anna, msk(MONDAY + timedelta(days=7), 12, 0), "purchase", 9999)  # next week: not in the totals
    add_meal(diary_school.pupils[1], msk(MONDAY, 12, 0), "purchase", 7777)  # Борис: not Анна's
    set_balance(anna, 125401)
    body = meals(diary_school)
    assert [d["date"] for d in body["days"]] == ["2026-11-02", "2026-11-04"]
    monday = body["days"][0]
    (top_up,) = monday["top_ups"]
    assert (top_up["amount"], top_up["amount_rub"], top_up["at"]) == (150000, "1500.00", "2026-11-02T07:30:00+03:00")
    (lunch,) = monday["purchases"]
    assert lunch["amount_rub"] == "101.00"
    assert [(i["name"], i["quantity"], i["price"], i["price_rub"]) for i in lunch["items"]] == [
        ("Борщ со сметаной", 1, 6500, "65.00"),
        ("Компот из сухофруктов", 2, 1800, "18.00"),
    ]
    assert (monday["spent"], monday["topped_up"]) == (10100, 150000)
    assert (body["spent"], body["spent_rub"]) == (14600, "146.00")
    assert (body["topped_up"], body["topped_up_rub"]) == (150000, "1500.00")
    assert (body["balance"], body["balance_rub"]) == (125401, "1254.01")
    assert body["threshold"] is None
    assert body["can_set_threshold"] is True


def test_no_account_yet_is_a_zero_balance(diary_school: Any) -> None:
    body = meals(diary_school)
    assert (body["balance"], body["balance_rub"], body["days"]) == (0, "0.00", [])


def test_a_negative_balance_in_roubles(diary_school: Any) -> None:
    set_balance(diary_school.pupils[0], -1250)
    assert meals(diary_school)["balance_rub"] == "-12.50"


def test_the_guardian_sets_changes_and_clears_the_threshold(diary_school: Any) -> None:
    anna = diary_school.pupils[0]
    set_balance(anna, 100000)
    client = client_for(diary_school.parent)
    response = client.post(threshold_url(anna), {"amount": "300,50"})
    assert response.status_code == 302
    assert response["Location"] == reverse("visits:meals", kwargs={"student_id": anna.public_id})
    assert LowBalanceThreshold.objects.get(account=diary_school.parent, pupil=anna).amount == 30050
    body = meals(diary_school)
    assert (body["threshold"], body["threshold_rub"]) == (30050, "300.50")
    # Another reader does not see the guardian's own threshold.
    assert meals(diary_school, user=diary_school.form_tutor)["threshold"] is None
    page = client.get(reverse("visits:meals", kwargs={"student_id": anna.public_id})).content.decode()
    assert 'value="300,50"' in page
    client.post(threshold_url(anna), {"amount": "1 000"})
    assert LowBalanceThreshold.objects.get().amount == 100000
    assert client.post(threshold_url(anna), {"amount": "500", "clear": "1"}).status_code == 302
    assert not LowBalanceThreshold.objects.exists()
    assert list(
        AuditEvent.objects.filter(action__startswith="visits.threshold").values_list("action", flat=True).order_by("pk")
    ) == ["visits.threshold_set", "visits.threshold_set", "visits.threshold_clear"]


def test_an_empty_amount_clears_too(diary_school: Any) -> None:
    anna = diary_school.pupils[0]
    client = client_for(diary_school.parent)
    client.post(threshold_url(anna), {"amount": "200"})
    client.post(threshold_url(anna), {"amount": ""})
    assert not LowBalanceThreshold.objects.exists()


def test_threshold_validation(diary_school: Any) -> None:
    anna = diary_school.pupils[0]
    client = client_for(diary_school.parent)
    for bad in ("-1", "100000,01", "abc", "12,345", "NaN"):
        response = client.post(threshold_url(anna), {"amount": bad})
        assert response.status_code == 400, bad
        assert 'data-testid="threshold-error"' in response.content.decode(), bad
    assert not LowBalanceThreshold.objects.exists()
    assert client.post(threshold_url(anna), {"amount": "0"}).status_code == 302
    assert client.post(threshold_url(anna), {"amount": "100000"}).status_code == 302
    assert LowBalanceThreshold.objects.get().amount == 10000000


def test_only_a_linked_adult_guardian_may_set_it(diary_school: Any) -> None:
    anna, _boris, vera = diary_school.pupils
    grandma = make_account("grandma@example.ru", "+79000000201", "Андреева", "Галина")
    make_grant(anna, grandma, "visits_meals")
    refused = [
        (diary_school.pupil_account, vera),  # the pupil reads the balance but does not set the threshold
        (grandma, anna),  # a trusted person with visits and meals
        (diary_school.form_tutor, anna),
        (diary_school.other_parent, anna),  # a guardian of another child
    ]
    for user, pupil in refused:
        for amount in ("300", "bad"):
            assert client_for(user).post(threshold_url(pupil), {"amount": amount}).status_code == 404, user
    assert not LowBalanceThreshold.objects.exists()
    # They see the balance, but no form.
    page = client_for(grandma).get(reverse("visits:meals", kwargs={"student_id": anna.public_id}))
    assert page.status_code == 200
    assert 'data-testid="balance"' in page.content.decode()
    assert 'data-testid="threshold-form"' not in page.content.decode()
    assert meals(diary_school, user=grandma)["can_set_threshold"] is False


def test_a_get_of_the_threshold_url_is_refused(diary_school: Any) -> None:
    assert client_for(diary_school.parent).get(threshold_url(diary_school.pupils[0])).status_code == 405


def test_the_query_count_does_not_grow_with_the_meals(diary_school: Any) -> None:
    anna = diary_school.pupils[0]
    path = reverse("api:student_meals", kwargs={"student_id": anna.public_id})
    client = client_for(diary_school.parent)
    query = {"from": MONDAY.isoformat(), "to": (MONDAY + timedelta(days=13)).isoformat()}
    client.get(path, query)  # the first request after sign-in touches the session (its idle timer)
    with CaptureQueriesContext(connection) as few:
        assert client.get(path, query).status_code == 200
    for offset in range(14):
        add_meal(anna, msk(MONDAY + timedelta(days=offset), 7), "top_up", 50000)
        add_meal(anna, msk(MONDAY + timedelta(days=offset), 12), "purchase", 10100, LUNCH)
    set_balance(anna, 1000)
    with CaptureQueriesContext(connection) as many:
        assert client.get(path, query).status_code == 200
    assert len(many) == len(few)


def test_the_mobile_app_sets_and_clears_the_threshold(diary_school: Any) -> None:
    anna = diary_school.pupils[0]
    path = reverse("api:student_meals_threshold", kwargs={"student_id": anna.public_id})
    guardian = client_for(diary_school.parent)

    def put(client: Any, amount: Any) -> Any:
        return client.put(path, {"amount": amount}, content_type="application/json")

    assert put(guardian, "250.50").json() == {"threshold": 25050}
    assert meals(diary_school)["threshold"] == 25050
    refused = put(guardian, "-1")
    assert refused.status_code == 400
    assert (refused.json()["code"], refused.json()["field"]) == ("invalid", "amount")  # the schema bounds it
    assert put(guardian, None).json() == {"threshold": None}
    assert not LowBalanceThreshold.objects.exists()
    for stranger in (diary_school.pupil_account, diary_school.other_parent, diary_school.form_tutor):
        assert put(client_for(stranger), "100").status_code == 404
