"""The registry's answers to the portal's signals (connected in ``RegistryConfig.ready``)."""

from __future__ import annotations

from datetime import time
from typing import Any

from django.db import transaction

from portal.models import User
from registry import selectors
from registry.tasks import link_known_guardians


def link_guardians_of_contact(*, account: User, **kwargs: Any) -> None:
    """``portal.signals.contact_confirmed``: registry guardians with this email or phone may now be linked."""
    transaction.on_commit(lambda: link_known_guardians.enqueue(account_id=account.pk))


def roles_in_schools(*, account: User, **kwargs: Any) -> set[str]:
    """``portal.signals.account_roles_asked``."""
    return selectors.account_roles(account=account)


def quiet_hours_of_school(*, school_id: int, **kwargs: Any) -> tuple[time, time] | None:
    """``notify.signals.quiet_hours_asked``."""
    return selectors.quiet_hours(school_id=school_id)
