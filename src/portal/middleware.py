"""A session lives at most ``SESSION_ABSOLUTE_SECONDS`` after sign-in, however active it is."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import auth
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from portal.services import SIGNED_IN_AT


class AbsoluteSessionLifetimeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = timezone.now().timestamp()
            # A sign-in outside portal.services (the admin's form) is stamped on its first request.
            signed_in_at = request.session.setdefault(SIGNED_IN_AT, now)
            if signed_in_at < now - settings.SESSION_ABSOLUTE_SECONDS:
                auth.logout(request)
        return self.get_response(request)
