"""What the worker writes while sending codes: no whole phone number in the logs, no code in an email subject."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import pytest
from django.core import mail

from core.sms import mask_phone
from portal.models import User
from tests.conftest import last_email_code, registration_data

PHONE = "+79123456789"


@pytest.fixture
def file_sms(settings: Any, tmp_path: Path) -> Path:
    """The development SMS backend, the one that logs each message it writes."""
    settings.SMS_BACKEND = "core.sms.FileBackend"
    settings.SMS_FILE_PATH = tmp_path / "sms.log"
    return Path(settings.SMS_FILE_PATH)


def test_codes_leave_no_phone_in_the_logs_and_no_code_in_a_subject(
    web: Any, file_sms: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    web.post("/register/", registration_data())
    phone_code = re.findall(r"\b\d{6}\b", file_sms.read_text(encoding="utf-8"))[-1]
    web.post("/confirm/", {"action": "confirm_phone", "phone-code": phone_code})
    assert User.objects.get(phone=PHONE).phone_confirmed
    web.post("/signout/")
    web.post("/reset/", {"login": PHONE})

    sms_codes = re.findall(r"\b\d{6}\b", file_sms.read_text(encoding="utf-8"))
    assert len(sms_codes) == 2  # the phone confirmation and the reset went out
    email_code = last_email_code("olga@example.ru")
    assert mail.outbox
    assert all(not re.search(r"\d{6}", str(message.subject)) for message in mail.outbox)

    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "SMS to +7 *** ***-67-89" in logged
    digits_only = re.sub(r"\D", "", logged)
    assert "9123456789" not in digits_only
    for code in (*sms_codes, email_code):
        assert code not in logged


def test_a_phone_is_masked_to_its_country_code_and_last_four_digits() -> None:
    assert mask_phone("+79160004567") == "+7 *** ***-45-67"
    assert mask_phone("+442079460958") == "+44 ** **** 0958"
    assert mask_phone("+4420") == "***20"
