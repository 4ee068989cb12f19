"""The one module that decides who may read or write what (DESIGN §2).

Every page, API handler, export and notification asks here; none decides on its own. Each action
has one rule in ``RULES``; a refusal raises ``NotFound`` so that "not yours" and "missing" look
the same. Rules for pupils, guardians, staff and trusted persons join the table with the registry.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from dnevnik.errors import NotFound

Rule = Callable[[Any, Any], bool]
T = TypeVar("T")


def _is_self(viewer: Any, account: Any) -> bool:
    return bool(viewer.is_authenticated and viewer.is_active and viewer.pk == account.pk)


def _owns(viewer: Any, record: Any) -> bool:
    return _is_self(viewer, record.user)


RULES: dict[str, Rule] = {
    "account.view": _is_self,
    "account.edit": _is_self,
    "client_consent.revoke": _owns,
}


def can(viewer: Any, action: str, obj: Any) -> bool:
    try:
        rule = RULES[action]
    except KeyError:
        raise LookupError(f"No access rule for {action!r}") from None
    return rule(viewer, obj)


def require(viewer: Any, action: str, obj: T | None) -> T:
    """The object, if ``viewer`` may do ``action`` on it; otherwise ``NotFound``, as if it did not exist."""
    if obj is None or not can(viewer, action, obj):
        raise NotFound()
    return obj
