"""What ``notify`` asks of the apps above it, which it may not import (``docs/architecture.md``)."""

from __future__ import annotations

from django.dispatch import Signal

# Sent with ``school_id`` when a notification of that school is delivered: a receiver (registry) returns the
# school's quiet hours as a pair of ``datetime.time`` (start, end) in the service's time zone, or ``None`` when
# it does not know the school (then the defaults of ``settings.QUIET_HOURS`` hold).
quiet_hours_asked = Signal()

# Sent with ``user`` and ``request`` (a form needs its CSRF token) by the notification settings page
# («Как часто»): each receiver (the diary's alerts) returns a rendered section (safe HTML) to show under the
# cadences, or an empty string.
settings_sections_asked = Signal()
