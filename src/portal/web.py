"""The signed-in account of a request, typed as the portal's ``User`` for the views and APIs of every app, and
the second-factor gate of the pages of staff."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from portal import second_factor

if TYPE_CHECKING:
    from portal.models import User


def signed_in_user(request: HttpRequest) -> User:
    """The account of a ``login_required`` view (the decorator has already turned strangers away)."""
    return cast("User", request.user)


def api_user(request: HttpRequest) -> User:
    """The account of an authenticated API call: the bearer token's person, or the session's."""
    return cast("User", request.auth)  # type: ignore[attr-defined]


def second_factor_step(request: HttpRequest) -> HttpResponse | None:
    """Where a session that must pass the second factor and has not goes instead of a staff page, else None:
    the code step when the account has a factor, the enrolment when it has none yet. Back here afterwards."""
    if not second_factor.needs_step(request):
        return None
    here = request.get_full_path()
    request.session[second_factor.ENROL_NEXT] = here
    if second_factor.has_second_factor(signed_in_user(request)):
        return HttpResponseRedirect(f"{reverse('portal:second_factor')}?{urlencode({'next': here})}")
    return HttpResponseRedirect(reverse("portal:security"))


def verified_staff(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A staff page: after ``login_required``, the second factor when the person's role requires it."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return second_factor_step(request) or view(request, *args, **kwargs)

    return guarded
