"""The operators' admin site (``/admin/``): signed in on the portal's own page, behind the second factor.

The admin's own password form would start a session with the password alone, past the second step and the
portal's sign-in limits; so its login page sends to the portal's, like the back office does. An operator
whose role requires the second factor and whose session has not passed it goes to the step first.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import update_wrapper
from typing import Any

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from portal.web import second_factor_step


class PortalAdminSite(admin.AdminSite):
    def admin_view(self, view: Callable[..., Any], cacheable: bool = False) -> Any:
        inner = super().admin_view(view, cacheable)

        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if request.user.is_active and request.user.is_staff:
                step = second_factor_step(request)
                if step is not None:
                    return step
            return inner(request, *args, **kwargs)

        return update_wrapper(guarded, view)

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        target = request.GET.get("next") or ""
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = reverse("admin:index")
        if self.has_permission(request):
            return HttpResponseRedirect(target)
        return redirect_to_login(target)
