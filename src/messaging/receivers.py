"""Messaging's answers to the registry's signals (connected in ``MessagingConfig.ready``)."""

from __future__ import annotations

from typing import Any

from audit.services import record_event
from messaging.models import Thread
from portal.models import User
from registry.models import Pupil


def close_threads_of_restricted(*, pupil_id: int, account_id: int | None, actor: User | None, **kwargs: Any) -> None:
    """``registry.signals.guardian_restricted``: the restricted guardian's threads about the child close to them.

    Who is on a thread is never stored (``messaging.models``): the access rule already leaves the guardian
    off the family side of every thread about the child while the restriction is in force, so nothing is
    deleted (the school and the other family members keep the conversation). What is written is the record of
    which threads closed to whom, for the registrar's answer to a request.
    """
    if account_id is None:
        return
    threads = list(Thread.objects.filter(pupil_id=pupil_id).order_by("pk").values_list("pk", flat=True))
    if threads:
        record_event(
            actor=actor,
            action="messaging.threads_closed_to_restricted_guardian",
            target=Pupil(pk=pupil_id),
            account=account_id,
            threads=threads,
        )
