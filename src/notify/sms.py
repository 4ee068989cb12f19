"""Sending SMS through a pluggable backend, chosen by ``settings.SMS_BACKEND``.

The default ``FileBackend`` appends each message to ``var/outbox/sms.log`` so a developer can read
the codes; ``LocmemBackend`` keeps them in ``outbox`` for tests. A real gateway is one more class
with a ``send(to, text)`` method.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from portal.identity import mask_phone

logger = logging.getLogger(__name__)


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
