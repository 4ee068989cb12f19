"""Web Push through the test backend: a browser subscribes from the settings page, a notification reaches
it with no personal data unless the person allowed the text on the lock screen, quiet hours hold it like
email, and a subscription the push service dropped (410) is deleted."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from notify import push
from notify.models import DigestSettings, Kind, PushSubscription
from notify.outbox import send_due
from notify.services import notify
from portal.models import User
from registry.models import School
from tests.diary.conftest import client_for

Capture = Callable[..., Any]
ENDPOINT = "https://push.example.net/send/abc123"
KEYS = {"p256dh": "B" + "x" * 86, "auth": "a" * 22}


def subscribe(client: Client, endpoint: str = ENDPOINT, keys: dict[str, str] = KEYS) -> Any:
    return client.post(
        "/cabinet/notifications/push/subscribe/",
        json.dumps({"endpoint": endpoint, "keys": keys}),
        content_type="application/json",
    )


def tell(user: User, capture: Capture, **extra: Any) -> None:
    with capture(execute=True):
        notify(
            kind=Kind.MARK,
            user_ids=[user.pk],
            subject="Новые оценки: Смирнова Анна",
            body="Алгебра, 09.11.2026: 5",
            link="/diary/",
            push_title="Новая оценка: Алгебра",
            **extra,
        )


def test_a_subscribed_phone_gets_a_push_without_personal_data(
    olga: User, django_capture_on_commit_callbacks: Capture
) -> None:
    assert subscribe(client_for(olga)).status_code == 201
    tell(olga, django_capture_on_commit_callbacks)
    [message] = push.outbox
    assert message.endpoint == ENDPOINT
    assert message.payload == {"title": "Новая оценка: Алгебра", "url": "/diary/"}


def test_the_text_shows_only_when_the_person_allowed_it(
    olga: User, django_capture_on_commit_callbacks: Capture
) -> None:
    subscribe(client_for(olga))
    DigestSettings.objects.create(user=olga, push_details=True)
    tell(olga, django_capture_on_commit_callbacks)
    assert push.outbox[0].payload["body"] == "Алгебра, 09.11.2026: 5"


def test_a_subscription_the_push_service_dropped_is_deleted(
    olga: User, django_capture_on_commit_callbacks: Capture
) -> None:
    subscribe(client_for(olga))
    push.gone.add(ENDPOINT)
    tell(olga, django_capture_on_commit_callbacks)
    assert push.outbox == []
    assert not PushSubscription.objects.exists()


def test_quiet_hours_hold_the_push_until_morning(
    olga: User, settings: Any, time_machine: Any, django_capture_on_commit_callbacks: Capture
) -> None:
    settings.QUIET_HOURS = ("19:00", "08:00")
    school = School.objects.create(code="p1", name="Школа")
    subscribe(client_for(olga))
    moscow = ZoneInfo("Europe/Moscow")
    time_machine.move_to(datetime(2026, 12, 2, 22, 0, tzinfo=moscow), tick=False)
    tell(olga, django_capture_on_commit_callbacks, school_id=school.pk)
    assert push.outbox == []
    time_machine.move_to(datetime(2026, 12, 3, 8, 0, tzinfo=moscow), tick=False)
    assert send_due() >= 1
    assert len(push.outbox) == 1


def test_a_retried_delivery_sends_nothing_twice(olga: User, django_capture_on_commit_callbacks: Capture) -> None:
    from notify.services import deliver_notification

    subscribe(client_for(olga))
    arguments: dict[str, Any] = {
        "kind": Kind.MARK,
        "user_ids": [olga.pk],
        "subject": "Тема",
        "body": "Текст",
        "key": "7b0c1f7e-9a51-4a4e-8c0e-1f8a3c2b9d10",
        "push_title": "Новая оценка",
    }
    deliver_notification.call(**arguments)
    deliver_notification.call(**arguments)
    assert len(push.outbox) == 1
    assert olga.notifications.count() == 1
    from django.core import mail

    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("endpoint", "keys"),
    [
        ("http://push.example.net/x", KEYS),
        ("javascript:alert(1)", KEYS),
        (ENDPOINT, {"p256dh": "short", "auth": "a" * 22}),
        (ENDPOINT, {"p256dh": "B" + "x" * 86}),
        ("https://push.example.net/" + "x" * 1000, KEYS),
    ],
)
def test_a_bad_subscription_is_refused_with_a_code(olga: User, endpoint: str, keys: dict[str, str]) -> None:
    answer = subscribe(client_for(olga), endpoint, keys)
    assert answer.status_code == 400
    assert answer.json()["code"] == "push_subscription_invalid"
    assert answer.json()["field"] == "endpoint"
    assert not PushSubscription.objects.exists()


def test_unsubscribe_removes_only_ones_own(olga: User, ivan: User) -> None:
    subscribe(client_for(olga))
    other = client_for(ivan).post(
        "/cabinet/notifications/push/unsubscribe/", json.dumps({"endpoint": ENDPOINT}), content_type="application/json"
    )
    assert other.json() == {"removed": 0}
    own = client_for(olga).post(
        "/cabinet/notifications/push/unsubscribe/", json.dumps({"endpoint": ENDPOINT}), content_type="application/json"
    )
    assert own.json() == {"removed": 1}


def test_the_settings_page_carries_the_servers_push_key(olga: User) -> None:
    page = client_for(olga).get("/cabinet/notifications/cadence/").content.decode()
    assert f'data-key="{push.vapid_public_key()}"' in page
    assert len(push.vapid_public_key()) == 87  # an uncompressed P-256 point, base64url without padding
