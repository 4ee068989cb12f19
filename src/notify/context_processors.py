"""The unread count next to «Уведомления» in the navigation of every signed-in page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from notify.services import unread_count


def unread_notifications(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Lazy: a page that never shows the navigation does not pay for the query.
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(user=user))}
