"""Writes of registry records made by people (the back office); imports live in ``importing``,
links between accounts and records in ``linking``."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from audit.services import record_event
from registry.linking import verify_snils_from_records
from registry.models import Guardian, Pupil
from registry.signals import guardian_link_ended


def _changed_fields(record: Model) -> dict[str, Any]:
    if record.pk is None:
        return {}
    before = type(record)._default_manager.filter(pk=record.pk).values().first() or {}
    return {
        name: {"old": str(before.get(name)), "new": str(getattr(record, name))}
        for name in before
        if name not in {"fio_key", "updated_at"} and before.get(name) != getattr(record, name)
    }


@transaction.atomic
def save_registry_record(*, actor: Any, record: Pupil | Guardian) -> Pupil | Guardian:
    """Save a pupil or guardian as a registrar edited it: names re-keyed for matching, audited."""
    if isinstance(record, Pupil):
        record.school_id = record.school_class.school_id
    created = record.pk is None
    changes = _changed_fields(record)
    record.refresh_fio_key()
    if isinstance(record, Pupil) and changes:
        record.updated_at = timezone.now()
    record.save()
    if record.account is not None:
        # The registrar may have just written the linked person's SNILS into the record.
        verify_snils_from_records(record.account, actor=actor)
    if created or changes:
        record_event(
            actor=actor,
            action="registry.record_created" if created else "registry.record_changed",
            target=record,
            changes=changes,
        )
    return record


@transaction.atomic
def remove_guardian(*, actor: Any, guardian: Guardian) -> None:
    """A registrar removes a guardian row: its link to an account ends, and with it every trusted-person
    grant that guardian made (DESIGN §2), before the row goes."""
    guardian_link_ended.send(sender=Guardian, guardian_id=guardian.pk, actor=actor)
    record_event(
        actor=actor,
        action="registry.record_deleted",
        target=guardian,
        pupil=guardian.pupil_id,
        account=guardian.account_id,
    )
    guardian.delete()
