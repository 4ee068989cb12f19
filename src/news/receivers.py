"""What the news app answers to the signals of the apps below it."""

from __future__ import annotations

from typing import Any

from news import selectors
from portal.selectors import Panel


def cabinet_feed(sender: Any, account: Any, **kwargs: Any) -> Panel | None:
    """``portal.signals.cabinet_panels_asked``: the newest announcements, the unread marked, on the family's
    start page; nothing for a person who has none."""
    found = selectors.feed(viewer=account, limit=selectors.FEED_PANEL_SIZE)
    if not found.items:
        return None
    return Panel(template="news/_feed_panel.html", context={"feed": found})
