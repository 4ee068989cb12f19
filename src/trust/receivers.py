"""Trust's answers to the signals of the portal and the registry (connected in ``TrustConfig.ready``)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from portal.models import User
from trust.services import end_grants_of_guardian
from trust.tasks import deliver_waiting_invitations


def deliver_invitations_to(*, account: User, **kwargs: Any) -> None:
    """``portal.signals.identity_changed``: invitations may already wait for this surname and SNILS or phone."""
    transaction.on_commit(lambda: deliver_waiting_invitations.enqueue(account_id=account.pk))


def end_grants_of_link(*, guardian_id: int, actor: User | None, **kwargs: Any) -> None:
    """``registry.signals.guardian_link_ended``: the grants that guardian made end with the link (DESIGN §2)."""
    end_grants_of_guardian(guardian_id=guardian_id, actor=actor)


def end_grants_of_restricted(*, guardian_id: int, actor: User | None, **kwargs: Any) -> None:
    """``registry.signals.guardian_restricted``: the grants the restricted guardian gave for the child end (and
    are not restored when the restriction ends)."""
    end_grants_of_guardian(guardian_id=guardian_id, actor=actor, reason="guardian_restricted")
