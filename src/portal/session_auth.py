"""The API's session authentication, with the second factor: a session that must pass it and has not may
read but not write (``portal.second_factor.needs_step``). Bearer tokens come from the authorize page, which
applies the same step, so they need no check here."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja.security import SessionAuth

from core.errors import DomainError
from portal import second_factor
from portal.errors import PortalCode

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class SecondFactorRequired(DomainError):
    status = 403


class VerifiedSession(SessionAuth):
    def authenticate(self, request: HttpRequest, key: str | None) -> Any | None:
        user = super().authenticate(request, key)
        if user is not None and request.method not in SAFE_METHODS and second_factor.needs_step(request):
            raise SecondFactorRequired(
                PortalCode.SECOND_FACTOR_REQUIRED,
                _("Your role requires a second factor: pass it (or set it up) on the site before changing data."),
            )
        return user


verified_session = VerifiedSession()
