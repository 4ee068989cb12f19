"""Deployment checks of our own, run by ``manage.py check --deploy`` next to Django's and the toolkit's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def oidc_issuer_is_pinned(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    """The issuer is in every ID token and in every authorization response (``iss``, RFC 9207): when it
    follows the request's host it differs between the names the site answers to and between app hosts, and
    clients cannot tell a mix-up. Production pins it to the public https address."""
    issuer = str(settings.OAUTH2_PROVIDER.get("OIDC_ISS_ENDPOINT") or "")
    if not issuer:
        return [
            checks.Warning(
                "The OpenID Connect issuer is not pinned: it follows the Host header of each request.",
                hint="Set OIDC_ISSUER to the site's public address, e.g. https://dnevnik.example.ru.",
                id="dnevnik.W001",
            )
        ]
    if getattr(settings, "HTTPS", False) and not issuer.startswith("https://"):
        return [
            checks.Warning(
                f"The OpenID Connect issuer {issuer!r} is not an https URL although the site is served over HTTPS.",
                hint="Set OIDC_ISSUER to the https address clients use.",
                id="dnevnik.W002",
            )
        ]
    return []


@checks.register(checks.Tags.security, deploy=True)
def staff_need_a_second_factor(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    """Behind HTTPS (production) teachers, registrars and operators pass a second factor after the password
    (``SECOND_FACTOR_REQUIRED_FOR``, docs/security.md "A second factor"); an empty list turns that off."""
    if getattr(settings, "HTTPS", False) and not settings.SECOND_FACTOR_REQUIRED_FOR:
        return [
            checks.Warning(
                "No role is required to pass a second factor: staff sign in with the password alone.",
                hint="Unset SECOND_FACTOR_REQUIRED_FOR (the default behind HTTPS: teacher,form_tutor,registrar,"
                "operator) or list the staff roles in it.",
                id="dnevnik.W003",
            )
        ]
    return []


# The transports that deliver nothing to a phone: fine on a developer's machine, not in production.
TEST_PUSH_BACKENDS = frozenset({"notify.push.FileBackend", "notify.push.LocmemBackend"})


@checks.register(checks.Tags.security, deploy=True)
def push_reaches_phones(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    """Behind HTTPS (production) push goes through the browsers' push services (``WebPushBackend``) and is
    signed with a VAPID key the operator keeps (``WEBPUSH_VAPID_PRIVATE_KEY``, or the key file already made
    on this host); otherwise subscriptions are made in vain or break when the key changes."""
    if not getattr(settings, "HTTPS", False):
        return []
    found: list[checks.CheckMessage] = []
    backend = str(getattr(settings, "PUSH_BACKEND", ""))
    if backend in TEST_PUSH_BACKENDS:
        found.append(
            checks.Warning(
                f"PUSH_BACKEND is {backend!r}: push messages are kept locally and never reach a phone.",
                hint="Set PUSH_BACKEND=notify.push.WebPushBackend.",
                id="dnevnik.W004",
            )
        )
    key_file = Path(str(getattr(settings, "WEBPUSH_VAPID_KEY_FILE", "")))
    if not getattr(settings, "WEBPUSH_VAPID_PRIVATE_KEY", "") and not key_file.is_file():
        found.append(
            checks.Warning(
                "No VAPID key is configured for Web Push.",
                hint="Set WEBPUSH_VAPID_PRIVATE_KEY to a P-256 private key (PEM), the same on every app host.",
                id="dnevnik.W005",
            )
        )
    return found
