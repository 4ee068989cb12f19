"""The diary's answers to the portal's signals (connected in ``DiaryConfig.ready``)."""

from __future__ import annotations

from typing import Any

from diary import selectors
from portal.models import User


def roles_in_lessons(*, account: User, **kwargs: Any) -> set[str]:
    """``portal.signals.account_roles_asked``: whoever teaches by the timetable or a lesson is a teacher, whether
    or not the registry lists them as staff (the second factor of staff counts on it)."""
    return {"teacher"} if selectors.teaches(account=account) else set()
