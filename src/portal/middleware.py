"""The session's two lifetimes, kept without writing the session on every request.

A session ends ``SESSION_COOKIE_AGE`` (30 minutes) after its last activity and ``SESSION_ABSOLUTE_SECONDS``
(12 hours) after sign-in, however active it is. Django would renew the idle timer by saving the session on
every request (``SESSION_SAVE_EVERY_REQUEST``): BEGIN / UPDATE django_session / COMMIT on every GET of the
evening read. Instead the session is *touched* — marked modified, so that Django saves it and re-sends the
cookie with a fresh expiry — only when the last touch is older than ``SESSION_TOUCH_SECONDS`` (a minute).
The idle timeout is then exact to within that minute, and a read in between writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import auth
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from portal.services import SIGNED_IN_AT

TOUCHED_AT = "portal_touched_at"


class AbsoluteSessionLifetimeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = timezone.now().timestamp()
            session = request.session
            # A sign-in outside portal.services (the admin's form) is stamped on its first request.
            signed_in_at = session.setdefault(SIGNED_IN_AT, now)
            if signed_in_at < now - settings.SESSION_ABSOLUTE_SECONDS:
                auth.logout(request)
            elif session.get(TOUCHED_AT, 0) < now - settings.SESSION_TOUCH_SECONDS:
                session[TOUCHED_AT] = now  # renews the idle timer: saved, cookie re-sent
        return self.get_response(request)
