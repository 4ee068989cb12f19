"""Passkeys (WebAuthn, django-otp-webauthn): a second step after the password, a sign-in by itself, enrolment.

The library's views, bent to the portal's sign-in:
- the ceremony's account is the *pending* one of ``portal.second_factor`` between the two steps (the session
  is not signed in yet), else the signed-in person, else nobody — a usernameless sign-in with a discoverable
  credential, for anyone (a family too);
- a finished ceremony signs in through ``second_factor.finish`` (a fresh session, verified, the failures of
  the account cleared, an audit event) instead of the library's bare ``login``;
- a ceremony is counted as a failed sign-in before it is checked, like a code, and given back when it passes;
  a refusal of the limits answers 429 in the library's JSON shape (``{"detail", "code"}``);
- a new passkey is an audit event, and the first factor of an account brings its recovery codes.

The browser side is the library's own scripts (``static/django_otp_webauthn/``, no inline script: the
configuration is a JSON data block, which the CSP does not run) and ``static/js/passkeys.js``.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.http.request import split_domain_port
from django.middleware import csrf
from django.urls import reverse
from django.views.i18n import JavaScriptCatalog
from django_otp_webauthn import exceptions
from django_otp_webauthn.helpers import WebAuthnHelper
from django_otp_webauthn.models import WebAuthnCredential
from django_otp_webauthn.utils import rewrite_exceptions
from django_otp_webauthn.views import (
    BeginCredentialAuthenticationView,
    BeginCredentialRegistrationView,
    CompleteCredentialAuthenticationView,
    CompleteCredentialRegistrationView,
)

from audit.services import record_event
from core.errors import DomainError
from portal import second_factor, throttle
from portal.models import User

# The strings of the library's scripts (``gettext`` in them), Russian from locale/ru/LC_MESSAGES/djangojs.po.
script_catalogue = JavaScriptCatalog.as_view(packages=["django_otp_webauthn", "portal"])


def relying_party_id(request: HttpRequest) -> str:
    """``WEBAUTHN_RP_ID``, else the host name the request came to (``ALLOWED_HOSTS`` vouches for it)."""
    pinned: str = settings.WEBAUTHN_RP_ID
    return pinned or split_domain_port(request.get_host())[0]


class PortalWebAuthnHelper(WebAuthnHelper):
    def get_allowed_origins(self) -> list[str]:
        # Pinned in production (WEBAUTHN_ORIGINS or OIDC_ISSUER); else the request's own origin, which is what a
        # developer's machine and the tests' servers on random ports have.
        pinned: list[str] = list(settings.WEBAUTHN_ORIGINS)
        return pinned or [f"{self.request.scheme}://{self.request.get_host()}"]

    def get_credential_name(self, user: Any) -> str:
        return str(user.email)

    def get_credential_display_name(self, user: Any) -> str:
        return str(user.full_name)


def configuration(request: HttpRequest) -> dict[str, Any]:
    """What the library's scripts read from the page (``json_script`` as ``otp_webauthn_config``)."""
    return {
        "autocompleteLoginFieldSelector": None,
        "nextFieldSelector": "input[name='next']",
        "csrfToken": csrf.get_token(request),
        "beginAuthenticationUrl": reverse("portal:passkey_auth_begin"),
        "completeAuthenticationUrl": reverse("portal:passkey_auth_complete"),
        "beginRegistrationUrl": reverse("portal:passkey_register_begin"),
        "completeRegistrationUrl": reverse("portal:passkey_register_complete"),
    }


def _ceremony_user(request: HttpRequest) -> User | None:
    pending = second_factor.pending_user(request)
    if pending is not None:
        return pending
    if request.user.is_authenticated:
        return request.user
    return None


class _PortalErrors:
    """The library's JSON error shape for the portal's own refusals (a limit reached: 429)."""

    def handle_exception(self, exc: Exception) -> JsonResponse:
        if isinstance(exc, DomainError):
            response = JsonResponse({"detail": str(exc.message), "code": str(exc.code)}, status=exc.status)
            retry_after = getattr(exc, "retry_after", None)
            if retry_after:
                response["Retry-After"] = str(retry_after)
            return response
        if isinstance(exc, (KeyError, TypeError, ValueError)):  # a body that is JSON but not a credential
            return JsonResponse(
                {"detail": str(exceptions.MalformedRequest.default_detail), "code": "malformed_request"}, status=400
            )
        return super().handle_exception(exc)  # type: ignore[misc]


class AuthenticationBegin(_PortalErrors, BeginCredentialAuthenticationView):
    def get_user(self) -> Any:
        return _ceremony_user(self.request)


class AuthenticationComplete(_PortalErrors, CompleteCredentialAuthenticationView):
    def get_user(self) -> Any:
        return _ceremony_user(self.request)

    def post(self, *args: Any, **kwargs: Any) -> JsonResponse:
        user = self.get_user()
        reserved = second_factor.reserve_attempt(self.request, user)
        state = self.get_state()
        with rewrite_exceptions():
            device = self.get_helper().authenticate_complete(user=user, state=state, data=self.request.data)  # type: ignore[attr-defined]  # parsed by the library
        self.check_device_usable(device)
        next_url = second_factor.pending_next(self.request) if second_factor.pending_user(self.request) else ""
        second_factor.finish(request=self.request, user=device.user, device=device)
        throttle.give_back(reserved)
        return JsonResponse({"id": device.pk, "redirect_url": next_url or self.get_success_url()})


class RegistrationBegin(_PortalErrors, BeginCredentialRegistrationView):
    """Only a signed-in person adds a passkey; one who has a factor already must have passed it (the library)."""


class RegistrationComplete(_PortalErrors, CompleteCredentialRegistrationView):
    def post(self, *args: Any, **kwargs: Any) -> JsonResponse:
        response: JsonResponse = super().post(*args, **kwargs)
        user: User = self.request.user  # type: ignore[assignment]
        device = WebAuthnCredential.objects.get(pk=json.loads(response.content)["id"], user=user)
        record_event(actor=user, action="portal.passkey_enrolled", target=user)
        second_factor.added_first_factor(request=self.request, user=user, device=device)
        shown = second_factor.SHOWN_CODES in self.request.session
        redirect_url = reverse("portal:recovery_codes") if shown else reverse("portal:security")
        return JsonResponse({"id": device.pk, "redirect_url": redirect_url})
