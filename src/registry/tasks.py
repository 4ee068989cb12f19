"""Background work of the registry, run by the task worker (``manage.py db_worker``)."""

from __future__ import annotations

from django_tasks import task

from registry import linking


@task()
def link_known_guardians(*, school_id: int | None = None, account_id: int | None = None) -> int:
    """Link registry guardians to the accounts they match (see ``linking.link_known_guardians``).

    Enqueued after an import (with ``school_id``) and after a person confirms a phone or an email
    (with ``account_id``); returns how many links it made. After an import it also verifies the SNILS of
    accounts whose linked records now carry the same number.
    """
    if school_id is not None:
        linking.verify_linked_snils(school_id=school_id)
    return linking.link_known_guardians(school_id=school_id, account_id=account_id)
