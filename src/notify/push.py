"""Web Push to the installed web app: the VAPID keys, and the transport behind ``settings.PUSH_BACKEND``.

``pywebpush`` encrypts the payload (RFC 8291) and signs the request (VAPID, RFC 8292); what is ours is
the choice of transport (a test backend keeps what it would have sent) and the rule that a push service
answering 404 or 410 means the subscription is gone for good, so it is deleted.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.utils.module_loading import import_string

from core.keyfiles import read_or_create


class SubscriptionGone(Exception):
    """The push service no longer knows the subscription (404 / 410): delete it."""


@dataclass(frozen=True)
class PushMessage:
    endpoint: str
    p256dh: str
    auth: str
    payload: dict[str, str]


class PushBackend(Protocol):
    def send(self, message: PushMessage) -> None: ...


def new_private_key_pem() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def vapid_private_key_pem() -> str:
    """The VAPID key: ``WEBPUSH_VAPID_PRIVATE_KEY`` (PEM) when set, else a key file made once on first use."""
    configured = str(getattr(settings, "WEBPUSH_VAPID_PRIVATE_KEY", "") or "")
    if configured:
        return configured
    return read_or_create(Path(settings.WEBPUSH_VAPID_KEY_FILE), new_private_key_pem)


def vapid_public_key() -> str:
    """The application server key a browser subscribes with (uncompressed P-256 point, base64url)."""
    private = serialization.load_pem_private_key(vapid_private_key_pem().encode(), password=None)
    if not isinstance(private, ec.EllipticCurvePrivateKey):
        raise TypeError("WEBPUSH_VAPID_PRIVATE_KEY must be a P-256 (prime256v1) private key")
    point = private.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return base64.urlsafe_b64encode(point).rstrip(b"=").decode()


class WebPushBackend:
    """Sends through the browser vendor's push service."""

    def send(self, message: PushMessage) -> None:
        from pywebpush import WebPushException, webpush  # type: ignore[import-untyped]

        try:
            webpush(
                subscription_info={
                    "endpoint": message.endpoint,
                    "keys": {"p256dh": message.p256dh, "auth": message.auth},
                },
                data=json.dumps(message.payload, ensure_ascii=False),
                vapid_private_key=vapid_private_key_pem(),
                vapid_claims={"sub": str(settings.WEBPUSH_VAPID_SUBJECT)},
                ttl=12 * 3600,
                timeout=10,
            )
        except WebPushException as error:
            status = getattr(getattr(error, "response", None), "status_code", None)
            if status in (404, 410):
                raise SubscriptionGone(message.endpoint) from error
            raise


class LocmemBackend:
    """Keeps the messages in ``outbox``; an endpoint in ``gone`` answers as a push service does for a
    subscription it dropped (410)."""

    def send(self, message: PushMessage) -> None:
        if message.endpoint in gone:
            raise SubscriptionGone(message.endpoint)
        outbox.append(message)


class FileBackend:
    """The embedded default: each push is a line of ``var/outbox/push.log`` (no push service is reachable)."""

    def send(self, message: PushMessage) -> None:
        path = Path(settings.PUSH_FILE_PATH)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as log:
            log.write(json.dumps({"endpoint": message.endpoint[:60], **message.payload}, ensure_ascii=False) + "\n")


outbox: list[PushMessage] = []
gone: set[str] = set()


def backend() -> PushBackend:
    cls = import_string(str(getattr(settings, "PUSH_BACKEND", "notify.push.FileBackend")))
    instance: PushBackend = cls()
    return instance
