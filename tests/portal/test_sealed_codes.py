"""The task table keeps a task's arguments long after the code is used: a code only travels sealed in them."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from core import sms
from core.sealed import open_sealed, seal
from portal.models import User
from tests.conftest import last_email_code, last_sms_code, registration_data

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def _run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload")


@pytest.mark.django_db(transaction=True)
def test_no_task_row_holds_a_clear_code_and_the_person_gets_the_right_ones(web: Any, settings: Any) -> None:
    settings.TASKS = DB_TASKS
    assert web.post("/register/", registration_data()).status_code == 302
    _run_worker()
    email_code, sms_code = last_email_code("olga@example.ru"), last_sms_code("+79123456789")

    stored = json.dumps([row.args_kwargs for row in DBTaskResult.objects.all()])
    assert "deliver_code" in json.dumps(list(DBTaskResult.objects.values_list("task_path", flat=True)))
    assert "olga@example.ru" in stored  # the rows are those of the deliveries
    assert email_code not in stored
    assert sms_code not in stored

    web.post("/confirm/", {"action": "confirm_email", "email-code": email_code})
    web.post("/confirm/", {"action": "confirm_phone", "phone-code": sms_code})
    olga = User.objects.get(email="olga@example.ru")
    assert olga.email_confirmed
    assert olga.phone_confirmed


@pytest.mark.django_db(transaction=True)
def test_a_code_the_worker_reaches_after_its_lifetime_is_not_sent(
    web: Any, settings: Any, time_machine: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.TASKS = DB_TASKS
    assert web.post("/register/", registration_data()).status_code == 302
    time_machine.move_to(timezone.now() + settings.CODE_LIFETIME + timedelta(seconds=1))
    caplog.set_level(logging.INFO, logger="portal.tasks")
    _run_worker()

    assert mail.outbox == []
    assert sms.outbox == []
    lines = [record.getMessage() for record in caplog.records if record.name == "portal.tasks"]
    assert len(lines) == 2
    for line in lines:
        assert "not delivered" in line
        assert "olga" not in line
        assert "9123456789" not in line


def test_a_code_sealed_under_a_rotated_key_still_opens(settings: Any) -> None:
    token = seal("123456")
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-key-" + "x" * 40
    assert open_sealed(token, ttl=timedelta(minutes=1)) == "123456"
    settings.SECRET_KEY_FALLBACKS = []
    assert open_sealed(token, ttl=timedelta(minutes=1)) is None
