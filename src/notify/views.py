"""The cabinet's «Уведомления»: the person's own inbox and their choice of what reaches them where.

Every query is scoped to the signed-in person, so an id of someone else's notification changes nothing.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from notify import services
from notify.forms import PreferencesForm
from notify.models import Channel, Notification
from portal.web import signed_in_user

PAGE_SIZE = 50


def _internal(link: str) -> str:
    """Only a path inside the site becomes a link (``//host`` would leave it)."""
    return link if link.startswith("/") and not link.startswith("//") else ""


@login_required
@require_http_methods(["GET", "HEAD"])
def inbox(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    page = Paginator(Notification.objects.filter(user=user), PAGE_SIZE).get_page(request.GET.get("page"))
    for item in page.object_list:
        item.link = _internal(item.link)
    # The unread count comes from the context processor that also feeds the navigation.
    return render(request, "notify/inbox.html", {"page": page})


@login_required
@require_POST
def read(request: HttpRequest) -> HttpResponse:
    """All of the person's notifications read, or one (``id``); a foreign or malformed id changes nothing."""
    raw = request.POST.get("id", "").strip()
    if not raw:
        services.mark_read(user=signed_in_user(request))
    elif raw.isdigit():
        services.mark_read(user=signed_in_user(request), notification_ids=[int(raw)])
    target = reverse("notify:inbox")
    page = request.POST.get("page", "")
    return redirect(f"{target}?page={page}" if page.isdigit() else target)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    form = PreferencesForm(request.POST if request.method == "POST" else None, choices=services.preferences_of(user.pk))
    if request.method == "POST" and form.submit(
        lambda _data: services.set_preferences(user=user, enabled=form.chosen())
    ):
        messages.success(request, _("Notification settings saved."))
        return redirect("notify:settings")
    return render(request, "notify/settings.html", {"form": form, "account": user, "channels": Channel.choices})
