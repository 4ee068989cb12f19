"""The registrar opens a thread only on a written request (audited); the school's quiet hours hold the
family's email and SMS of a message and the teacher is told when they go out."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from audit.models import AuditEvent
from messaging import services
from notify.models import Notification
from registry.models import StaffMember
from tests.diary.conftest import client_for, make_account
from tests.messaging.conftest import Talk, mother_writes_to_math

pytestmark = pytest.mark.django_db
MOSCOW = ZoneInfo("Europe/Moscow")


def _registrar(talk: Talk) -> Any:
    registrar = make_account("registrar@example.ru", "+79000000301", "Регистраторова", "Раиса")
    StaffMember.objects.create(school=talk.school.school, account=registrar, role=StaffMember.Role.REGISTRAR)
    return registrar


def test_the_registrar_opens_a_thread_only_with_a_reference_and_it_is_audited(talk: Talk) -> None:
    thread = mother_writes_to_math(talk, text="Первое")
    message = thread.messages.get()
    services.edit_message(author=talk.mother, message_id=message.pk, text="Исправленное")
    services.withdraw_message(author=talk.mother, message_id=message.pk)
    client = client_for(_registrar(talk))
    url = "/backoffice/messages/disclose/"
    page = client.get(url).content.decode()
    assert "Исправленное" not in page  # no list to browse
    refused = client.post(url, {"thread": thread.pk, "reference": "  "})
    assert 'data-testid="disclosed"' not in refused.content.decode()
    assert not AuditEvent.objects.filter(action="messaging.thread_disclosed").exists()
    shown = client.post(url, {"thread": thread.pk, "reference": "вх. № 12/3 от 01.12.2026"}).content.decode()
    # Everything kept: the withdrawn message's text and its earlier text.
    assert "Исправленное" in shown
    assert "Первое" in shown
    assert 'data-testid="disclosed"' in shown
    event = AuditEvent.objects.get(action="messaging.thread_disclosed")
    assert event.data["reference"] == "вх. № 12/3 от 01.12.2026"
    assert event.target == f"messaging.thread:{thread.pk}"


def test_a_registrar_of_another_school_and_anyone_else_get_404(talk: Talk) -> None:
    from registry.models import School

    thread = mother_writes_to_math(talk)
    other = make_account("other-registrar@example.ru", "+79000000302")
    StaffMember.objects.create(
        school=School.objects.create(code="s9", name="Другая"), account=other, role=StaffMember.Role.REGISTRAR
    )
    answer = client_for(other).post("/backoffice/messages/disclose/", {"thread": thread.pk, "reference": "№ 1"})
    assert answer.status_code == 404
    for person in (talk.school.math_teacher, talk.mother):
        assert (
            client_for(person)
            .post("/backoffice/messages/disclose/", {"thread": thread.pk, "reference": "№ 1"})
            .status_code
            == 404
        )
    assert not AuditEvent.objects.filter(action="messaging.thread_disclosed").exists()


def test_a_teacher_writing_in_quiet_hours_is_told_when_the_family_is_notified(
    talk: Talk, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.QUIET_HOURS = ("19:00", "08:00")  # the suite turns them off (tests/conftest.py)
    thread = mother_writes_to_math(talk)
    with time_machine.travel(datetime(2026, 12, 2, 21, 30, tzinfo=MOSCOW), tick=False):
        teacher = client_for(talk.school.math_teacher)  # signed in on the moved clock (sessions expire)
        page = teacher.get(f"/messages/{thread.pk}/").content.decode()
        assert "Семья получит уведомление по почте и SMS в 08:00" in page
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            answer = teacher.post(f"/messages/{thread.pk}/", {"text": "Завтра обсудим"}, follow=True)
        assert "Семья получит уведомление по почте и SMS в 08:00" in answer.content.decode()
        # In the app at once, the email waits for the morning.
        assert Notification.objects.filter(user=talk.father, kind="message", body__contains="Завтра").exists()
        assert mail.outbox == []
        api = teacher.post(
            f"/api/v1/threads/{thread.pk}/messages", {"text": "И ещё"}, content_type="application/json"
        ).json()
        assert api["family_notified_at"].startswith("2026-12-03T08:00")
    with time_machine.travel(datetime(2026, 12, 3, 12, 0, tzinfo=MOSCOW), tick=False):
        teacher = client_for(talk.school.math_teacher)
        page = teacher.get(f"/messages/{thread.pk}/").content.decode()
        assert "Семья получит уведомление" not in page
        with django_capture_on_commit_callbacks(execute=True):
            teacher.post(f"/messages/{thread.pk}/", {"text": "Днём"})
        assert any("Днём" in message.body for message in mail.outbox)
