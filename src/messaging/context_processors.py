"""The unread counts of the navigation of every signed-in page: notifications and messages, in one query.

This replaces ``notify.context_processors.unread_notifications`` in the settings: the header shows both
counts, and asking the database twice on every page would be a query more for every page of the site.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from messaging.selectors import unread_counts


def unread_counts_processor(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    # Lazy: a page that never shows the navigation does not pay for the query; both counts share it.
    @cache
    def counts() -> tuple[int, int]:
        return unread_counts(user=user)

    return {
        "unread_notifications": SimpleLazyObject(lambda: counts()[0]),
        "unread_messages": SimpleLazyObject(lambda: counts()[1]),
    }
