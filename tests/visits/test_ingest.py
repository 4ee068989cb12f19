"""The ingest API's door and its passes: who may write, for which school, and what a batch stores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

from django.test import Client
from django.utils import timezone

from audit.models import AuditEvent
from registry.models import Pupil
from tests.diary.conftest import DiarySchool
from tests.visits.conftest import IngestSystem, authorization_query, fetch_client_token, person_token
from visits.models import Card, IngestClient, Pass


def iso(moment: datetime) -> str:
    return moment.isoformat()


def a_pass(event_id: str, pupil: Pupil | None, at: datetime | None = None, **extra: Any) -> dict[str, Any]:
    moment = at or timezone.now() - timedelta(hours=1)
    event = {
        "event_id": event_id,
        "student_id": str(pupil.public_id) if pupil else None,
        "occurred_at": iso(moment.astimezone(timezone.get_fixed_timezone(180))),
        "direction": "in",
        "entrance": "Главный вход",
    }
    event.update(extra)
    return event


# --- Who may write ----------------------------------------------------------------------------------


def test_discovery_lists_client_credentials(db: None) -> None:
    document = Client().get("/.well-known/openid-configuration").json()
    assert "client_credentials" in document["grant_types_supported"]


def test_a_token_without_a_scope_gets_ingest_and_a_person_scope_is_refused(system: IngestSystem) -> None:
    default = fetch_client_token(system.client_id, system.secret, scope=None)
    assert default.status_code == 200
    assert default.json()["scope"] == "ingest"
    assert fetch_client_token(system.client_id, system.secret, scope="openid").status_code == 400
    assert fetch_client_token(system.client_id, "wrong-secret").status_code == 401


def test_a_persons_token_is_refused_on_ingest(system: IngestSystem, diary_school: DiarySchool) -> None:
    token = person_token(diary_school.parent)
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    response = system.http.post(
        "/api/v1/ingest/passes",
        {"events": [a_pass("p1", diary_school.pupils[0])]},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert not Pass.objects.exists()


def test_a_persons_app_cannot_ask_for_the_ingest_scope(diary_school: DiarySchool) -> None:
    browser = Client()
    browser.force_login(diary_school.parent)
    for scope, answer in [("openid", None), ("openid ingest", "invalid_scope")]:
        response = browser.get(f"/o/authorize/?{authorization_query(scope, 'v' * 50)}")
        error = parse_qs(urlparse(response.get("Location", "")).query).get("error", [None])[0]
        assert error == answer, (scope, response.status_code)


def test_a_session_cookie_is_refused_on_ingest(system: IngestSystem, diary_school: DiarySchool) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(diary_school.parent)
    assert browser.get("/api/v1/me").status_code == 200
    response = browser.post(
        "/api/v1/ingest/passes", {"events": [a_pass("p1", diary_school.pupils[0])]}, content_type="application/json"
    )
    assert response.status_code == 401
    assert not Pass.objects.exists()


def test_the_ingest_token_is_refused_by_the_person_api(system: IngestSystem) -> None:
    response = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {system.token}")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_client_credentials_app_without_a_school_is_refused(system: IngestSystem, diary_school: DiarySchool) -> None:
    IngestClient.objects.filter(application__client_id=system.client_id).delete()
    response = system.passes([a_pass("p1", diary_school.pupils[0])])
    assert response.status_code == 401
    assert not Pass.objects.exists()


def test_no_token_and_a_garbage_token_get_401(system: IngestSystem) -> None:
    assert Client().post("/api/v1/ingest/passes", {"events": []}, content_type="application/json").status_code == 401
    system.token = "nonsense"
    assert system.passes([]).status_code == 401


# --- Passes ---------------------------------------------------------------------------------------


def test_passes_are_stored_in_utc_and_audited(system: IngestSystem, diary_school: DiarySchool) -> None:
    anna, boris = diary_school.pupils[:2]
    at = datetime(2026, 11, 27, 8, 15, tzinfo=UTC)
    response = system.passes([a_pass("t-1", anna, at), a_pass("t-2", boris, at, direction="out", entrance="Двор")])
    assert response.status_code == 200, response.content
    assert response.json() == {"accepted": 2, "duplicates": 0, "rejected": []}
    stored = Pass.objects.get(event_id="t-1")
    assert (stored.pupil, stored.occurred_at, stored.direction, stored.entrance) == (anna, at, "in", "Главный вход")
    assert stored.occurred_at.utcoffset() == timedelta(0)
    assert Pass.objects.get(event_id="t-2").direction == "out"
    event = AuditEvent.objects.get(action="visits.ingest")
    assert event.actor is None
    assert event.data == {"kind": "passes", "accepted": 2, "duplicates": 0, "rejected": 0}
    assert event.target.endswith(f":{IngestClient.objects.get().pk}")


def test_resending_a_batch_changes_nothing(system: IngestSystem, diary_school: DiarySchool) -> None:
    at = datetime(2026, 11, 27, 8, 15, tzinfo=UTC)
    batch = [a_pass(f"t-{n}", diary_school.pupils[n % 3], at + timedelta(minutes=n)) for n in range(5)]
    assert system.passes(batch).json()["accepted"] == 5
    # The same instant written with another offset is the same event.
    batch[0]["occurred_at"] = iso(at.astimezone(UTC))
    assert system.passes(batch).json() == {"accepted": 0, "duplicates": 5, "rejected": []}
    assert Pass.objects.count() == 5


def test_a_bad_event_is_reported_by_index_and_the_good_ones_are_stored(
    system: IngestSystem, diary_school: DiarySchool, other_pupil: Pupil
) -> None:
    anna = diary_school.pupils[0]
    now = timezone.now()
    earlier = now - timedelta(hours=1)
    batch = [
        a_pass("ok-1", anna, earlier),
        a_pass("future", anna, now + timedelta(minutes=10)),
        a_pass("stranger", other_pupil),
        {"event_id": "no-direction", "student_id": str(anna.public_id), "occurred_at": iso(now)},
        a_pass("naive", anna, occurred_at="2026-11-27T08:00:00"),
        a_pass("nobody", None),
        a_pass("old", anna, now - timedelta(days=401)),
        "not an object",
        a_pass("ok-2", anna, entrance="Двор"),
        a_pass("ok-2", anna, entrance="Спортзал"),
        a_pass("ok-1", anna, earlier),
        a_pass("soon", anna, now + timedelta(minutes=4)),
    ]
    body = system.passes(batch).json()
    assert body["accepted"] == 3
    assert body["duplicates"] == 1
    reported = [(item["index"], item["event_id"], item["code"], item["field"]) for item in body["rejected"]]
    assert reported == [
        (1, "future", "time_in_future", "occurred_at"),
        (2, "stranger", "unknown_pupil", "student_id"),
        (3, "no-direction", "invalid", "direction"),
        (4, "naive", "invalid", "occurred_at"),
        (5, "nobody", "invalid", "student_id"),
        (6, "old", "time_too_old", "occurred_at"),
        (7, None, "invalid", None),
        (9, "ok-2", "duplicate_in_batch", "event_id"),
    ]
    assert all(item["message"] for item in body["rejected"])
    assert set(Pass.objects.values_list("event_id", flat=True)) == {"ok-1", "ok-2", "soon"}
    assert Pass.objects.get(event_id="ok-2").entrance == "Двор"
    assert not Pass.objects.filter(pupil=other_pupil).exists()


def test_an_event_id_stored_with_other_content_is_a_conflict_not_an_overwrite(
    system: IngestSystem, diary_school: DiarySchool
) -> None:
    anna, boris = diary_school.pupils[:2]
    system.passes([a_pass("t-1", anna)])
    body = system.passes([a_pass("t-1", boris), a_pass("t-2", boris)]).json()
    assert body["accepted"] == 1
    assert [(item["index"], item["code"]) for item in body["rejected"]] == [(0, "event_id_conflict")]
    assert Pass.objects.get(event_id="t-1").pupil == anna


def test_cards_map_to_pupils_of_the_clients_school(
    system: IngestSystem, diary_school: DiarySchool, other_pupil: Pupil
) -> None:
    anna = diary_school.pupils[0]
    Card.objects.create(school=diary_school.school, number="A-100", pupil=anna)
    Card.objects.create(school=other_pupil.school, number="B-200", pupil=other_pupil)
    body = system.passes(
        [
            a_pass("c-1", None, card="A-100"),
            a_pass("c-2", None, card="B-200"),
            a_pass("c-3", anna, card="A-100"),
            a_pass("c-4", diary_school.pupils[1], card="A-100"),
        ]
    ).json()
    assert body["accepted"] == 2
    assert [(item["index"], item["code"], item["field"]) for item in body["rejected"]] == [
        (1, "unknown_pupil", "card"),
        (3, "unknown_pupil", "card"),
    ]
    assert set(Pass.objects.values_list("event_id", "pupil")) == {("c-1", anna.pk), ("c-3", anna.pk)}


def test_a_client_of_another_school_cannot_write_for_this_schools_pupil(
    diary_school: DiarySchool, other_pupil: Pupil, make_system: Any
) -> None:
    theirs = make_system(other_pupil.school)
    anna = diary_school.pupils[0]
    Card.objects.create(school=diary_school.school, number="A-100", pupil=anna)
    body = theirs.passes([a_pass("x-1", anna), a_pass("x-2", None, card="A-100"), a_pass("x-3", other_pupil)]).json()
    assert body["accepted"] == 1
    assert [item["code"] for item in body["rejected"]] == ["unknown_pupil", "unknown_pupil"]
    assert not Pass.objects.filter(pupil=anna).exists()


def test_the_same_event_id_in_two_schools_is_two_events(
    diary_school: DiarySchool, other_pupil: Pupil, make_system: Any
) -> None:
    ours, theirs = make_system(diary_school.school), make_system(other_pupil.school)
    assert ours.passes([a_pass("same", diary_school.pupils[0])]).json()["accepted"] == 1
    assert theirs.passes([a_pass("same", other_pupil)]).json()["accepted"] == 1


def test_a_malformed_body_is_a_400(system: IngestSystem, diary_school: DiarySchool) -> None:
    not_json = system.http.post(
        "/api/v1/ingest/passes", "{nope", content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {system.token}"
    )
    assert not_json.status_code == 400
    assert "code" in not_json.json()
    not_a_list = system.post("/api/v1/ingest/passes", {"events": {"event_id": "x"}})
    assert not_a_list.status_code == 400
    assert (not_a_list.json()["code"], not_a_list.json()["field"]) == ("invalid", "events")
    empty = system.passes([])
    assert (empty.status_code, empty.json()["field"]) == (400, "events")


def test_more_than_a_thousand_events_is_a_400(system: IngestSystem, diary_school: DiarySchool) -> None:
    anna = diary_school.pupils[0]
    response = system.passes([a_pass(f"t-{n}", anna) for n in range(1001)])
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("batch_too_large", "events")
    assert not Pass.objects.exists()


def test_a_thousand_passes_take_a_bounded_number_of_queries(
    system: IngestSystem, diary_school: DiarySchool, django_assert_max_num_queries: Any
) -> None:
    for n in range(40):
        Card.objects.create(school=diary_school.school, number=f"K-{n}", pupil=diary_school.pupils[n % 3])
    start = timezone.now() - timedelta(days=1)
    batch = [
        a_pass(
            f"t-{n}",
            diary_school.pupils[n % 3] if n % 2 else None,
            start + timedelta(seconds=n),
            **({} if n % 2 else {"card": f"K-{n % 40}"}),
        )
        for n in range(1000)
    ]
    with django_assert_max_num_queries(20):
        assert system.passes(batch).json()["accepted"] == 1000
    with django_assert_max_num_queries(20):
        assert system.passes(batch).json()["duplicates"] == 1000


def test_control_characters_reject_only_their_event(system: IngestSystem, diary_school: DiarySchool) -> None:
    anna = diary_school.pupils[0]
    earlier = timezone.now() - timedelta(hours=1)
    body = system.passes(
        [
            a_pass("good", anna, earlier),
            a_pass("bad\u0000id", anna, earlier),
            a_pass("bad-entrance", anna, earlier, entrance="Двор\u0000"),
            a_pass("bad-card", None, earlier, card="12\u00003"),
        ]
    ).json()

    assert body["accepted"] == 1
    assert [(item["index"], item["field"]) for item in body["rejected"]] == [
        (1, "event_id"),
        (2, "entrance"),
        (3, "card"),
    ]
    assert list(Pass.objects.values_list("event_id", flat=True)) == ["good"]
