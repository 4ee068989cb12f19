"""Quiet hours: an email or SMS created in a school's evening or night is held until the morning.

Families asked for it: a message from a teacher at 22:30 should not ring a phone. The in-app entry
appears at once (nobody is woken by it); email and SMS of that notification go out when the school's
quiet hours end. "School time" is the service's ``TIME_ZONE``: a city runs Dnevnik for its schools, which
share one zone. Each school may set its own window (``registry.School.quiet_hours_start/_end``); the
defaults are ``settings.QUIET_HOURS``.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import cast

from django.conf import settings
from django.utils import timezone

from notify.signals import quiet_hours_asked

DEFAULT_QUIET_HOURS = (time(19, 0), time(8, 0))


def _as_time(value: str | time) -> time:
    return time.fromisoformat(value) if isinstance(value, str) else value


def default_window() -> tuple[time, time]:
    """``settings.QUIET_HOURS``: a pair of ``"HH:MM"`` strings (or ``time``s)."""
    configured: tuple[str | time, str | time] = getattr(settings, "QUIET_HOURS", DEFAULT_QUIET_HOURS)
    return _as_time(configured[0]), _as_time(configured[1])


def window_of(school_id: int) -> tuple[time, time]:
    """The school's quiet hours (start, end); a window with start == end is no quiet hours at all."""
    for _receiver, answer in quiet_hours_asked.send(sender=None, school_id=school_id):
        if answer is not None:
            return cast(tuple[time, time], answer)
    return default_window()


def is_quiet(window: tuple[time, time], moment: time) -> bool:
    start, end = window
    if start == end:
        return False
    if start < end:  # e.g. 13:00–15:00, within one day
        return start <= moment < end
    return moment >= start or moment < end  # across midnight, e.g. 19:00–08:00


def held_until(school_id: int | None, at: datetime | None = None) -> datetime | None:
    """When an email or SMS of ``school_id`` created at ``at`` (now by default) would go out: the end of
    the school's quiet hours, or ``None`` when it goes at once (no school, or not in quiet hours)."""
    if school_id is None:
        return None
    window = window_of(school_id)
    local = timezone.localtime(at or timezone.now())
    if not is_quiet(window, local.time()):
        return None
    end = window[1]
    release = datetime.combine(local.date(), end, tzinfo=local.tzinfo)
    if release <= local:
        release = datetime.combine(local.date() + timedelta(days=1), end, tzinfo=local.tzinfo)
    return release
