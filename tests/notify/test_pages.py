"""The cabinet's «Уведомления»: one's own inbox, marking read, and the grid of choices."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from audit.models import AuditEvent
from core import sms
from notify.models import Channel, Kind, Notification, Preference
from notify.services import notify
from portal.models import User
from tests.diary.conftest import client_for

Capture = Callable[..., Any]


def inbox_of(user: User, subject: str, *, read: bool = False, minutes_ago: int = 0) -> Notification:
    return Notification.objects.create(
        user=user,
        kind=Kind.MARK,
        subject=subject,
        body="Алгебра",
        link="/diary/",
        created_at=timezone.now() - timedelta(minutes=minutes_ago),
        read_at=timezone.now() if read else None,
    )


@pytest.mark.parametrize("path", ["/cabinet/notifications/", "/cabinet/notifications/settings/"])
def test_strangers_are_sent_to_sign_in(db: None, path: str) -> None:
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/signin/?next={path}"


def test_marking_read_needs_a_signed_in_post(olga: User) -> None:
    inbox_of(olga, "Непрочитанное")
    assert Client().post("/cabinet/notifications/read/")["Location"].startswith("/signin/")
    assert client_for(olga).get("/cabinet/notifications/read/").status_code == 405
    assert Notification.objects.filter(read_at__isnull=True).count() == 1


def test_the_inbox_lists_ones_own_newest_first_with_unread_marked(olga: User, ivan: User) -> None:
    inbox_of(olga, "Старое", read=True, minutes_ago=10)
    inbox_of(olga, "Новое", minutes_ago=1)
    inbox_of(ivan, "Чужое")
    page = client_for(olga).get("/cabinet/notifications/").content.decode()
    assert page.index("Новое") < page.index("Старое")
    assert "Чужое" not in page
    assert page.count('data-unread="true"') == 1
    assert 'href="/diary/"' in page
    assert 'data-testid="read-all"' in page
    client_for(olga).post("/cabinet/notifications/read/")
    assert 'data-testid="read-all"' not in client_for(olga).get("/cabinet/notifications/").content.decode()


def test_the_inbox_is_paginated_by_fifty(olga: User) -> None:
    for number in range(55):
        inbox_of(olga, f"Сообщение {number:02d}", minutes_ago=100 - number)
    client = client_for(olga)
    first = client.get("/cabinet/notifications/").content.decode()
    second = client.get("/cabinet/notifications/?page=2").content.decode()
    assert first.count('data-testid="notification"') == 50
    assert "Сообщение 54" in first
    assert "Сообщение 04" not in first
    assert second.count('data-testid="notification"') == 5
    assert "Сообщение 00" in second


def test_a_link_leaving_the_site_is_not_rendered(olga: User) -> None:
    Notification.objects.create(user=olga, kind=Kind.MARK, subject="Тема", link="//evil.example/")
    assert "evil.example" not in client_for(olga).get("/cabinet/notifications/").content.decode()


def test_mark_one_read_then_all(olga: User) -> None:
    first, second, third = (inbox_of(olga, name) for name in ("Первое", "Второе", "Третье"))
    client = client_for(olga)
    response = client.post("/cabinet/notifications/read/", {"id": str(first.pk)})
    assert response["Location"] == "/cabinet/notifications/"
    assert set(Notification.objects.filter(read_at__isnull=True)) == {second, third}
    client.post("/cabinet/notifications/read/")
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_someone_elses_notification_cannot_be_marked_read(olga: User, ivan: User) -> None:
    theirs = inbox_of(ivan, "Чужое")
    client = client_for(olga)
    assert client.post("/cabinet/notifications/read/", {"id": str(theirs.pk)}).status_code == 302
    client.post("/cabinet/notifications/read/", {"id": "not-a-number"})
    client.post("/cabinet/notifications/read/")
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_navigation_shows_the_unread_count(olga: User, settings: Any) -> None:
    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "OPTIONS": {
                **settings.TEMPLATES[0]["OPTIONS"],
                "context_processors": [
                    *settings.TEMPLATES[0]["OPTIONS"]["context_processors"],
                    "notify.context_processors.unread_notifications",
                ],
            },
        }
    ]
    inbox_of(olga, "Первое")
    inbox_of(olga, "Второе")
    inbox_of(olga, "Прочитанное", read=True)
    client = client_for(olga)
    assert '<span class="badge" data-testid="unread-count">2</span>' in client.get("/cabinet/").content.decode()
    client.post("/cabinet/notifications/read/")
    assert 'data-testid="unread-count"' not in client.get("/cabinet/").content.decode()


def grid(user: User) -> dict[str, bool]:
    """The checkboxes of the settings page: field name -> ticked."""
    import re

    page = client_for(user).get("/cabinet/notifications/settings/").content.decode()
    boxes = re.findall(r'<input type="checkbox" name="([a-z_]+)"([^>]*)>', page)
    return {name: " checked" in attributes for name, attributes in boxes}


def test_the_settings_show_the_defaults(olga: User) -> None:
    boxes = grid(olga)
    assert len(boxes) == len(Kind.values) * len(Channel.values)
    assert {name for name, on in boxes.items() if not on} == {
        f"{kind}__sms" for kind in Kind.values if kind not in ("late_arrival", "invitation_received")
    }


def test_the_settings_round_trip(olga: User, ivan: User) -> None:
    choice = {name: "on" for name, on in grid(olga).items() if on}
    del choice["mark__email"]
    choice["homework__sms"] = "on"
    response = client_for(olga).post("/cabinet/notifications/settings/", choice)
    assert response.status_code == 302
    assert response["Location"] == "/cabinet/notifications/settings/"
    boxes = grid(olga)
    assert (boxes["mark__email"], boxes["homework__sms"], boxes["mark__in_app"]) == (False, True, True)
    assert set(Preference.objects.values_list("user", "kind", "channel", "enabled")) == {
        (olga.pk, "mark", "email", False),
        (olga.pk, "homework", "sms", True),
    }
    assert grid(ivan)["mark__email"], "another person's choices stay as they were"
    event = AuditEvent.objects.get(action="notify.preferences_set")
    assert event.actor == olga


def test_an_empty_post_turns_everything_off_and_saves_only_that_person(
    olga: User, ivan: User, django_capture_on_commit_callbacks: Capture
) -> None:
    client_for(olga).post("/cabinet/notifications/settings/", {"user": str(ivan.pk)})
    assert not any(grid(olga).values())
    assert not Preference.objects.filter(user=ivan).exists()
    with django_capture_on_commit_callbacks(execute=True):
        notify(kind=Kind.INVITATION_RECEIVED, user_ids=[olga.pk, ivan.pk], subject="Тема")
    assert list(Notification.objects.values_list("user", flat=True)) == [ivan.pk]
    assert [message.to for message in mail.outbox] == [[ivan.email]]
    assert [message.to for message in sms.outbox] == [ivan.phone]


def test_saving_the_same_choice_writes_nothing(olga: User) -> None:
    choice = {name: "on" for name, on in grid(olga).items() if on}
    client_for(olga).post("/cabinet/notifications/settings/", choice)
    assert not Preference.objects.exists()
    assert not AuditEvent.objects.filter(action="notify.preferences_set").exists()


def test_the_settings_warn_about_unconfirmed_contacts(olga: User) -> None:
    hint = "Your phone is not confirmed"
    assert hint not in client_for(olga).get("/cabinet/notifications/settings/").content.decode()
    User.objects.filter(pk=olga.pk).update(phone_confirmed_at=None)
    with_hint = client_for(olga).get("/cabinet/notifications/settings/", HTTP_ACCEPT_LANGUAGE="en")
    assert hint in with_hint.content.decode()
