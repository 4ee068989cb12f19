"""The signed-in account of a request, typed as the portal's ``User`` for the views and APIs of every app."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.http import HttpRequest

if TYPE_CHECKING:
    from portal.models import User


def signed_in_user(request: HttpRequest) -> User:
    """The account of a ``login_required`` view (the decorator has already turned strangers away)."""
    return cast("User", request.user)


def api_user(request: HttpRequest) -> User:
    """The account of an authenticated API call: the bearer token's person, or the session's."""
    return cast("User", request.auth)  # type: ignore[attr-defined]
