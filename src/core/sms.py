"""Sending SMS through a pluggable backend, chosen by ``settings.SMS_BACKEND``.

The default ``FileBackend`` appends each message to ``var/outbox/sms.log`` so a developer can read
the codes; ``LocmemBackend`` keeps them in ``outbox`` for tests. A real gateway is one more class
with a ``send(to, text)`` method.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import phonenumbers
from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


def mask_phone(e164: str) -> str:
    """A phone as logs may show it: the operator code and the last two digits, ``+7 916 ***-**-01``."""
    try:
        groups = phonenumbers.format_number(
            phonenumbers.parse(e164, None), phonenumbers.PhoneNumberFormat.INTERNATIONAL
        ).split(" ")
    except phonenumbers.NumberParseException:
        groups = []
    if len(groups) < 3:  # not a number split into country, operator and subscriber: its last two digits only
        return "***" + re.sub(r"\D", "", e164)[-2:]
    subscriber = " ".join(groups[2:])
    return " ".join([*groups[:2], re.sub(r"\d", "*", subscriber[:-2]) + subscriber[-2:]])


@dataclass(frozen=True)
class SmsMessage:
    to: str
    text: str


class SmsBackend(Protocol):
    def send(self, message: SmsMessage) -> None: ...


outbox: list[SmsMessage] = []


class LocmemBackend:
    def send(self, message: SmsMessage) -> None:
        outbox.append(message)


class FileBackend:
    def send(self, message: SmsMessage) -> None:
        path = Path(settings.SMS_FILE_PATH)
        path.parent.mkdir(parents=True, exist_ok=True)
        stamp = timezone.localtime().isoformat(timespec="seconds")
        with path.open("a", encoding="utf-8") as outbox_file:
            outbox_file.write(f"{stamp}\t{message.to}\t{message.text}\n")
        # Logs are read by more people than the outbox: never a whole phone number there.
        logger.info("SMS to %s written to %s", mask_phone(message.to), path)


def send_sms(*, to: str, text: str) -> None:
    backend: SmsBackend = import_string(settings.SMS_BACKEND)()
    backend.send(SmsMessage(to=to, text=text))
