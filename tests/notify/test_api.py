"""The notifications JSON API: only the caller's own inbox and choices, the same rules as the pages."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from notify.models import Kind, Notification, Preference
from portal.models import User
from tests.diary.conftest import client_for


def post(client: Client, path: str, body: dict[str, Any], method: str = "post") -> Any:
    return getattr(client, method)(path, json.dumps(body), content_type="application/json")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/notifications"),
        ("post", "/api/v1/notifications/read"),
        ("get", "/api/v1/notifications/settings"),
        ("put", "/api/v1/notifications/settings"),
    ],
)
def test_strangers_get_401(db: None, method: str, path: str) -> None:
    response = Client().get(path) if method == "get" else post(Client(), path, {}, method=method)
    assert response.status_code == 401


def test_the_inbox_is_ones_own_and_marking_read_touches_only_it(olga: User, ivan: User) -> None:
    mine = Notification.objects.create(user=olga, kind=Kind.MARK, subject="Моё", link="/diary/")
    theirs = Notification.objects.create(user=ivan, kind=Kind.MARK, subject="Чужое")
    client = client_for(olga)
    inbox = client.get("/api/v1/notifications").json()
    assert (inbox["unread"], inbox["pages"]) == (1, 1)
    assert [(item["id"], item["subject"], item["link"], item["read"]) for item in inbox["items"]] == [
        (mine.pk, "Моё", "/diary/", False)
    ]
    assert post(client, "/api/v1/notifications/read", {"ids": [theirs.pk]}).json() == {"marked": 0, "unread": 1}
    out_of_range = post(client, "/api/v1/notifications/read", {"ids": [10**30, -1]})
    assert (out_of_range.status_code, out_of_range.json()["field"]) == (400, "ids.0")  # ids are bounded (issue 11)
    assert post(client, "/api/v1/notifications/read", {}).json() == {"marked": 1, "unread": 0}
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_settings_round_trip(olga: User) -> None:
    client = client_for(olga)
    before = {(c["kind"], c["channel"]): c["enabled"] for c in client.get("/api/v1/notifications/settings").json()}
    assert before[("mark", "sms")] is False
    assert before[("late_arrival", "sms")] is True
    changed = post(
        client,
        "/api/v1/notifications/settings",
        {"choices": [{"kind": "mark", "channel": "email", "enabled": False}]},
        method="put",
    )
    assert changed.status_code == 200
    after = {(c["kind"], c["channel"]): c["enabled"] for c in changed.json()}
    assert after == {**before, ("mark", "email"): False}
    assert list(Preference.objects.values_list("user", "kind", "channel", "enabled")) == [
        (olga.pk, "mark", "email", False)
    ]


def test_an_unknown_kind_is_a_400_naming_the_field(olga: User) -> None:
    response = post(
        client_for(olga),
        "/api/v1/notifications/settings",
        {"choices": [{"kind": "gossip", "channel": "email", "enabled": False}]},
        method="put",
    )
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("unknown_notification_choice", "choices")
    assert not Preference.objects.exists()


@pytest.mark.parametrize("body", ["5", "[null, null]", '"ids"', "null"])
def test_a_body_that_is_not_an_object_marks_nothing(olga: User, body: str) -> None:
    """Found by Schemathesis: Ninja read any JSON value as a payload of defaults, i.e. "mark all read"."""
    Notification.objects.create(user=olga, kind=Kind.MARK, subject="Моё")
    client = client_for(olga)
    response = client.post("/api/v1/notifications/read", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert client.get("/api/v1/notifications").json()["unread"] == 1
