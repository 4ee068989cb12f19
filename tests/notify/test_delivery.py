"""Delivery of one notification: the inbox, email to a confirmed address, SMS to a confirmed phone, each
honouring the person's per-kind, per-channel choice and its defaults."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail

from core import sms
from notify.models import Kind, Notification, Preference
from notify.services import notify
from portal.models import User
from tests.diary.conftest import make_account

Capture = Callable[..., Any]


def send(capture: Capture, kind: str, *users: User) -> None:
    with capture(execute=True):
        notify(kind=kind, user_ids=[user.pk for user in users], subject="Тема", body="Текст", link="/cabinet/")


def received(user: User) -> set[str]:
    """The channels on which ``user`` got something."""
    channels = set()
    if Notification.objects.filter(user=user).exists():
        channels.add("in_app")
    if any(user.email in message.to for message in mail.outbox):
        channels.add("email")
    if any(message.to == user.phone for message in sms.outbox):
        channels.add("sms")
    return channels


def test_nothing_leaves_before_the_commit(olga: User, django_capture_on_commit_callbacks: Capture) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(kind=Kind.MARK, user_ids=[olga.pk], subject="Тема")
    assert received(olga) == set()
    assert len(callbacks) == 1


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (Kind.MARK, {"in_app", "email"}),
        (Kind.ABSENCE, {"in_app", "email"}),
        (Kind.LOW_BALANCE, {"in_app", "email"}),
        (Kind.ACCESS_REVOKED, {"in_app", "email"}),
        (Kind.LATE_ARRIVAL, {"in_app", "email", "sms"}),
        (Kind.INVITATION_RECEIVED, {"in_app", "email", "sms"}),
    ],
)
def test_defaults_send_sms_only_where_hours_matter(
    olga: User, kind: str, expected: set[str], django_capture_on_commit_callbacks: Capture
) -> None:
    send(django_capture_on_commit_callbacks, kind, olga)
    assert received(olga) == expected


@pytest.mark.parametrize("channel", ["in_app", "email", "sms"])
def test_an_opt_out_stops_that_channel_of_that_kind_for_that_person_only(
    olga: User, ivan: User, channel: str, django_capture_on_commit_callbacks: Capture
) -> None:
    everything = {"in_app", "email", "sms"}
    Preference.objects.create(user=olga, kind=Kind.LATE_ARRIVAL, channel=channel, enabled=False)
    send(django_capture_on_commit_callbacks, Kind.LATE_ARRIVAL, olga, ivan)
    assert received(olga) == everything - {channel}
    assert received(ivan) == everything


def test_an_opt_out_of_one_kind_leaves_the_others(olga: User, django_capture_on_commit_callbacks: Capture) -> None:
    Preference.objects.create(user=olga, kind=Kind.MARK, channel="email", enabled=False)
    send(django_capture_on_commit_callbacks, Kind.ABSENCE, olga)
    assert received(olga) == {"in_app", "email"}


def test_an_opt_in_to_sms_is_honoured(olga: User, django_capture_on_commit_callbacks: Capture) -> None:
    Preference.objects.create(user=olga, kind=Kind.MARK, channel="sms", enabled=True)
    send(django_capture_on_commit_callbacks, Kind.MARK, olga)
    assert received(olga) == {"in_app", "email", "sms"}
    assert sms.outbox[0].text == "Тема. Текст"


def test_unconfirmed_contacts_get_nothing_on_their_channel(
    olga: User, ivan: User, django_capture_on_commit_callbacks: Capture
) -> None:
    User.objects.filter(pk=olga.pk).update(email_confirmed_at=None)
    User.objects.filter(pk=ivan.pk).update(phone_confirmed_at=None)
    send(django_capture_on_commit_callbacks, Kind.INVITATION_RECEIVED, olga, ivan)
    assert received(olga) == {"in_app", "sms"}
    assert received(ivan) == {"in_app", "email"}


def test_an_inactive_account_gets_nothing(olga: User, ivan: User, django_capture_on_commit_callbacks: Capture) -> None:
    User.objects.filter(pk=olga.pk).update(is_active=False)
    send(django_capture_on_commit_callbacks, Kind.INVITATION_RECEIVED, olga, ivan)
    assert received(olga) == set()
    assert received(ivan) == {"in_app", "email", "sms"}


def test_a_failing_channel_does_not_stop_the_others(
    olga: User,
    ivan: User,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    real_send = sms.LocmemBackend.send

    def flaky(self: sms.LocmemBackend, message: sms.SmsMessage) -> None:
        if message.to == olga.phone:
            raise ConnectionError("gateway down")
        real_send(self, message)

    monkeypatch.setattr(sms.LocmemBackend, "send", flaky)
    send(django_capture_on_commit_callbacks, Kind.LATE_ARRIVAL, olga, ivan)
    assert received(olga) == {"in_app", "email"}
    assert received(ivan) == {"in_app", "email", "sms"}
    assert "Outgoing sms late_arrival" in caplog.text


def test_a_failing_email_does_not_stop_the_next_person(
    olga: User, ivan: User, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Capture
) -> None:
    from django.core.mail.backends.locmem import EmailBackend

    real_send = EmailBackend.send_messages

    def flaky(self: EmailBackend, messages: Any) -> int:
        if any(olga.email in message.to for message in messages):
            raise OSError("smtp down")
        return int(real_send(self, messages))

    monkeypatch.setattr(EmailBackend, "send_messages", flaky)
    first, second = sorted([olga, ivan], key=lambda user: user.pk)
    send(django_capture_on_commit_callbacks, Kind.LATE_ARRIVAL, first, second)
    assert received(olga) == {"in_app", "sms"}
    assert received(ivan) == {"in_app", "email", "sms"}


def test_a_subject_with_a_newline_still_goes_by_email(olga: User, django_capture_on_commit_callbacks: Capture) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        notify(kind=Kind.MARK, user_ids=[olga.pk], subject="Две\nстроки", body="Текст")
    assert [message.subject for message in mail.outbox] == ["Две строки"]
    assert Notification.objects.get(user=olga).subject == "Две\nстроки"


def test_the_email_carries_the_link_when_the_site_address_is_known(
    olga: User, settings: Any, django_capture_on_commit_callbacks: Capture
) -> None:
    settings.SITE_URL = "https://dnevnik.example.ru/"
    send(django_capture_on_commit_callbacks, Kind.MARK, olga)
    assert mail.outbox[0].body == "Текст\n\nhttps://dnevnik.example.ru/cabinet/"


def test_an_unknown_kind_fails_where_it_is_made(olga: User) -> None:
    with pytest.raises(ValueError, match="gossip"):
        notify(kind="gossip", user_ids=[olga.pk], subject="Тема")


def test_delivery_takes_the_same_queries_for_two_people_or_five(
    olga: User, ivan: User, django_capture_on_commit_callbacks: Capture
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    more = [make_account(f"person{n}@example.ru", f"+7900000050{n}") for n in range(3)]
    Preference.objects.create(user=more[0], kind=Kind.MARK, channel="email", enabled=False)
    with CaptureQueriesContext(connection) as two:
        send(django_capture_on_commit_callbacks, Kind.MARK, olga, ivan)
    with CaptureQueriesContext(connection) as five:
        send(django_capture_on_commit_callbacks, Kind.MARK, olga, ivan, *more)
    assert len(two) == len(five)
    assert Notification.objects.count() == 7
