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
    """A phone as a person recognises their own without giving it away: ``+7 *** ***-45-67``.

    The one rule for logs and pages: the country code and the last four digits (the last two of a number too
    short to hide the rest behind four).
    """
    try:
        formatted = phonenumbers.format_number(
            phonenumbers.parse(e164, None), phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
    except phonenumbers.NumberParseException:
        formatted = ""
    country, _, national = formatted.partition(" ")
    digits = re.sub(r"\D", "", national)
    if len(digits) < 8:  # not a number split into country and subscriber, or too short: its last two digits only
        return "***" + re.sub(r"\D", "", e164)[-2:]
    shown = len(digits) - 4
    masked: list[str] = []
    for char in national:
        if char.isdigit():
            masked.append("*" if shown > 0 else char)
            shown -= 1
        else:
            masked.append(char)
    return f"{country} {''.join(masked)}"


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
