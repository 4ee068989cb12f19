"""The unread count next to «Сообщения» in the navigation of every signed-in page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from messaging.selectors import unread_count


def unread_messages(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Lazy, as the notifications' count: one query, and only on a page that shows the navigation.
    return {"unread_messages": SimpleLazyObject(lambda: unread_count(user=user))}
