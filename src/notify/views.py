"""The cabinet's «Уведомления»: the person's own inbox and their choice of what reaches them where.

Every query is scoped to the signed-in person, so an id of someone else's notification changes nothing.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

import access
from core.errors import DomainError
from notify import push, services, signals
from notify.cadence import cadences_of, digest_time_of, set_cadences
from notify.forms import CadenceForm, PreferencesForm
from notify.models import Channel, DigestSettings, Notification
from portal.models import User
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


def _children(user: User) -> dict[int, str]:
    return {visible.pupil.pk: visible.pupil.full_name for visible in access.visible_students(user)}


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def cadence(request: HttpRequest) -> HttpResponse:
    """«Как часто»: per child at once, in the daily digest, or off; the digest time; push on this phone."""
    user = signed_in_user(request)
    children = _children(user)
    form = CadenceForm(
        request.POST if request.method == "POST" else None,
        children=children,
        cadences=cadences_of(user, children),
        send_at=digest_time_of(user),
        push_details=DigestSettings.objects.filter(user=user, push_details=True).exists(),
    )
    if request.method == "POST" and form.submit(
        lambda data: set_cadences(
            user=user, chosen=form.chosen(), send_at=data["send_at"], push_details=data["push_details"]
        )
    ):
        messages.success(request, _("Notification settings saved."))
        return redirect("notify:cadence")
    sections = [
        section
        for _receiver, section in signals.settings_sections_asked.send(sender=None, user=user, request=request)
        if section
    ]
    return render(
        request, "notify/cadence.html", {"form": form, "vapid_key": push.vapid_public_key(), "sections": sections}
    )


def _json(request: HttpRequest) -> dict[str, Any]:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        data = None
    return data if isinstance(data, dict) else {}


def _text(data: dict[str, Any], *path: str) -> str:
    value: Any = data
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, str) else ""


@login_required
@require_POST
def push_subscribe(request: HttpRequest) -> HttpResponse:
    """The browser's ``PushSubscription.toJSON()``: ``{endpoint, keys: {p256dh, auth}}``."""
    data = _json(request)
    try:
        services.subscribe_push(
            user=signed_in_user(request),
            endpoint=_text(data, "endpoint"),
            p256dh=_text(data, "keys", "p256dh"),
            auth=_text(data, "keys", "auth"),
        )
    except DomainError as error:
        return JsonResponse({"code": error.code, "message": error.message, "field": error.field}, status=400)
    return JsonResponse({"subscribed": True}, status=201)


@login_required
@require_POST
def push_unsubscribe(request: HttpRequest) -> HttpResponse:
    removed = services.unsubscribe_push(user=signed_in_user(request), endpoint=_text(_json(request), "endpoint"))
    return JsonResponse({"removed": removed})
