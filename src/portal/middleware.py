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
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from portal.services import SIGNED_IN_AT, TERMS_PENDING

TOUCHED_AT = "portal_touched_at"


def _in_session(request: HttpRequest) -> bool:
    """Whether a signed-in session may come with ``request``: not without the session cookie (a bearer
    token's request), where asking ``request.user`` would only build the anonymous user for nothing."""
    return settings.SESSION_COOKIE_NAME in request.COOKIES and request.user.is_authenticated


class AbsoluteSessionLifetimeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _in_session(request):
            now = timezone.now().timestamp()
            session = request.session
            # A sign-in outside portal.services (the admin's form) is stamped on its first request.
            signed_in_at = session.setdefault(SIGNED_IN_AT, now)
            if signed_in_at < now - settings.SESSION_ABSOLUTE_SECONDS:
                auth.logout(request)
            elif session.get(TOUCHED_AT, 0) < now - settings.SESSION_TOUCH_SECONDS:
                session[TOUCHED_AT] = now  # renews the idle timer: saved, cookie re-sent
        return self.get_response(request)


# Pages a person with new terms waiting may still open: the terms themselves, signing out, and what pages load.
TERMS_OPEN_PREFIXES = ("/terms/", "/signout/", "/static/", "/sw.js", "/offline/", "/i18n/", "/api/", "/o/token/")


class TermsInterstitialMiddleware:
    """After a sign-in that found new terms (``TERMS_PENDING`` in the session, set by ``start_session``), every
    page leads to the terms first, then back. Only the session is read: no query on the way.

    The JSON API and the token endpoint are left alone: bearer tokens of the mobile app keep working (a 403 the
    app does not understand would lock families out silently); the app's next browser sign-in (OIDC authorize)
    shows the page.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if (
            _in_session(request)
            and request.session.get(TERMS_PENDING)
            and request.method == "GET"
            and not request.path.startswith(TERMS_OPEN_PREFIXES)
        ):
            return redirect(f"{reverse('portal:terms')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
