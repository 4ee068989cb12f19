"""Periods of days: the dates the service deals in, the current week, and the one parser of ``from`` / ``to``.

The family API (diary, visits and meals) and the family pages read a period the same way: no dates →
the current week; one date → the week from (or to) it; ``from`` after ``to`` or more than 31 days → a
refusal naming the field. ``period`` is that rule; ``FROM`` and ``TO`` are its query parameters in the API.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Query

from core.errors import CoreCode, DomainError

MAX_SPAN_DAYS = 31

# Dates the service deals in; anything outside is a typo (or a probe) and would overflow date arithmetic.
FIRST_DATE, LAST_DATE = date(1990, 1, 1), date(2099, 12, 31)

# The query parameters of a period in the API (module-level singletons, shared by every period endpoint).
FROM = Query(None, alias="from", description="The first day, ISO 8601 (default: Monday of this week)")
TO = Query(None, alias="to", description="The last day, ISO 8601 (at most 31 days from `from`)")


def is_supported_date(value: date | None) -> bool:
    return value is None or FIRST_DATE <= value <= LAST_DATE


def current_week(today: date | None = None) -> tuple[date, date]:
    """Monday and Sunday of the ISO week holding ``today`` (the Moscow local date by default)."""
    today = today or timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    return monday, monday + timedelta(days=6)


def query_date(raw: str | None) -> date | None:
    """A date typed into a page's query string (``?week=``, ``?from=``); None when missing, malformed or
    outside the dates the service deals in, so a page falls back to its default instead of failing."""
    try:
        chosen = date.fromisoformat(raw) if raw else None
    except ValueError:
        return None
    return chosen if is_supported_date(chosen) else None


def period(start: date | None, end: date | None) -> tuple[date, date]:
    """A checked period: the current week without dates, a week from / to a single date, at most 31 days."""
    if start is None and end is None:
        return current_week()
    for value, name in ((start, "from"), (end, "to")):
        if not is_supported_date(value):
            raise DomainError(
                CoreCode.DATE_OUT_OF_RANGE,
                _("Choose a date between %(first)s and %(last)s.")
                % {"first": FIRST_DATE.strftime("%d.%m.%Y"), "last": LAST_DATE.strftime("%d.%m.%Y")},
                field=name,
            )
    if start is None and end is not None:
        start = end - timedelta(days=6)
    elif end is None and start is not None:
        end = start + timedelta(days=6)
    if start is None or end is None:  # unreachable; for the type checker
        return current_week()
    if start > end:
        raise DomainError(CoreCode.INVALID_PERIOD, _("The start of the period is after its end."), field="from")
    if (end - start).days + 1 > MAX_SPAN_DAYS:
        raise DomainError(CoreCode.PERIOD_TOO_LONG, _("Choose a period of at most 31 days."), field="to")
    return start, end
