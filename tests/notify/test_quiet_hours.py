"""Quiet hours: email and SMS of a school's notification created between 19:00 and 08:00 (school time) go out
at 08:00 and not before; the in-app entry appears at once. Each school may set its own window."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command

from core import sms
from notify.models import HeldMessage, Kind, Notification, Preference
from notify.quiet import held_until
from notify.services import deliver_held_messages, notify
from portal.models import User
from registry.models import School

MOSCOW = ZoneInfo("Europe/Moscow")
Capture = Callable[..., Any]


def at(hour: int, minute: int = 0, day: int = 2) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=MOSCOW)


@pytest.fixture
def school(db: None) -> School:
    return School.objects.create(code="q1", name="Школа №1")


@pytest.fixture
def sms_on(olga: User) -> User:
    Preference.objects.create(user=olga, kind=Kind.MARK, channel="sms", enabled=True)
    return olga


def send(capture: Capture, user: User, school: School | None) -> None:
    with capture(execute=True):
        notify(
            kind=Kind.MARK,
            user_ids=[user.pk],
            subject="Новая оценка",
            body="Алгебра: 5",
            link="/diary/",
            school_id=school.pk if school else None,
        )


def outward(user: User) -> set[str]:
    channels = set()
    if any(user.email in message.to for message in mail.outbox):
        channels.add("email")
    if any(message.to == user.phone for message in sms.outbox):
        channels.add("sms")
    return channels


def test_an_evening_mark_shows_in_the_cabinet_at_once_and_mails_at_eight(
    sms_on: User, school: School, time_machine: Any, django_capture_on_commit_callbacks: Capture
) -> None:
    time_machine.move_to(at(22, 30), tick=False)
    send(django_capture_on_commit_callbacks, sms_on, school)
    assert Notification.objects.filter(user=sms_on).count() == 1
    assert outward(sms_on) == set()
    assert HeldMessage.objects.filter(user=sms_on).count() == 2

    time_machine.move_to(at(7, 59, day=3), tick=False)
    assert deliver_held_messages() == 0
    assert outward(sms_on) == set()

    time_machine.move_to(at(8, 0, day=3), tick=False)
    assert deliver_held_messages() == 2
    assert outward(sms_on) == {"email", "sms"}
    assert not HeldMessage.objects.exists()
    # A second run (cron overlapping the deferred task) sends nothing twice.
    assert deliver_held_messages() == 0
    assert len(mail.outbox) == 1
    assert len(sms.outbox) == 1


def test_the_periodic_sweep_sends_what_is_due(
    olga: User, school: School, time_machine: Any, django_capture_on_commit_callbacks: Capture
) -> None:
    time_machine.move_to(at(6, 15), tick=False)
    send(django_capture_on_commit_callbacks, olga, school)
    time_machine.move_to(at(8, 5), tick=False)
    out = StringIO()
    call_command("run_sweeps", stdout=out)
    assert "held notifications sent: 1" in out.getvalue()
    assert outward(olga) == {"email"}


def test_a_daytime_notification_goes_at_once(
    olga: User, school: School, time_machine: Any, django_capture_on_commit_callbacks: Capture
) -> None:
    time_machine.move_to(at(8, 0), tick=False)
    send(django_capture_on_commit_callbacks, olga, school)
    assert outward(olga) == {"email"}
    assert not HeldMessage.objects.exists()


def test_without_a_school_there_are_no_quiet_hours(
    olga: User, time_machine: Any, django_capture_on_commit_callbacks: Capture
) -> None:
    time_machine.move_to(at(23, 0), tick=False)
    send(django_capture_on_commit_callbacks, olga, None)
    assert outward(olga) == {"email"}


def test_each_school_sets_its_own_window(
    olga: User, school: School, time_machine: Any, django_capture_on_commit_callbacks: Capture
) -> None:
    school.quiet_hours_start, school.quiet_hours_end = time(21, 0), time(7, 0)
    school.save()
    time_machine.move_to(at(20, 0), tick=False)
    send(django_capture_on_commit_callbacks, olga, school)
    assert outward(olga) == {"email"}

    time_machine.move_to(at(21, 0), tick=False)
    send(django_capture_on_commit_callbacks, olga, school)
    assert HeldMessage.objects.get().due_at == at(7, 0, day=3)


def test_a_person_who_left_before_the_morning_gets_nothing(
    olga: User, school: School, time_machine: Any, django_capture_on_commit_callbacks: Capture
) -> None:
    time_machine.move_to(at(23, 0), tick=False)
    send(django_capture_on_commit_callbacks, olga, school)
    User.objects.filter(pk=olga.pk).update(is_active=False)
    time_machine.move_to(at(9, 0, day=3), tick=False)
    assert deliver_held_messages() == 0
    assert outward(olga) == set()
    assert not HeldMessage.objects.exists()


def test_a_failed_send_is_tried_again_a_few_times(
    olga: User,
    school: School,
    time_machine: Any,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    time_machine.move_to(at(23, 0), tick=False)
    send(django_capture_on_commit_callbacks, olga, school)
    time_machine.move_to(at(8, 0, day=3), tick=False)

    def broken(**kwargs: Any) -> None:
        raise ConnectionError("mail server down")

    monkeypatch.setattr("notify.services.send_mail", broken)
    for _ in range(5):
        assert deliver_held_messages() == 0
    assert HeldMessage.objects.get().attempts == 3
    monkeypatch.undo()
    assert deliver_held_messages() == 0  # given up: left for the operator to see in the admin
    assert outward(olga) == set()


@pytest.mark.parametrize(
    ("moment", "release"),
    [
        (at(18, 59), None),
        (at(19, 0), at(8, 0, day=3)),
        (at(23, 59), at(8, 0, day=3)),
        (at(0, 0, day=3), at(8, 0, day=3)),
        (at(7, 59, day=3), at(8, 0, day=3)),
        (at(8, 0, day=3), None),
    ],
)
def test_held_until_tells_when_the_family_will_be_told(
    school: School, moment: datetime, release: datetime | None
) -> None:
    assert held_until(school.pk, moment) == release


def test_a_window_within_one_day_and_a_window_turned_off(school: School) -> None:
    school.quiet_hours_start, school.quiet_hours_end = time(13, 0), time(15, 0)
    school.save()
    assert held_until(school.pk, at(12, 59)) is None
    assert held_until(school.pk, at(13, 30)) == at(15, 0)
    school.quiet_hours_end = time(13, 0)
    school.save()
    assert held_until(school.pk, at(13, 30)) is None


def test_a_task_backend_that_can_wait_sends_the_held_messages_right_at_the_end(
    olga: User, school: School, settings: Any, time_machine: Any
) -> None:
    from django_tasks_db.models import DBTaskResult

    from notify.services import deliver_notification

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    time_machine.move_to(at(22, 0), tick=False)
    deliver_notification.call(
        kind=Kind.MARK, user_ids=[olga.pk], subject="Тема", body="", hold_until=at(8, 0, day=3).isoformat()
    )
    waiting = DBTaskResult.objects.get(task_path="notify.services.send_held_messages")
    assert waiting.run_after == at(8, 0, day=3)
