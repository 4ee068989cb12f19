"""Writes of registry records made by people (the back office); imports live in ``importing``,
links between accounts and records in ``linking``."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, Model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

import access
from audit.services import record_event
from core.errors import Conflict, DomainError, NotFound
from registry.errors import RegistryCode
from registry.linking import verify_snils_from_records
from registry.models import Guardian, GuardianRestriction, Pupil, restrictions_in_force
from registry.signals import guardian_link_ended, guardian_restricted


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


# --- Custody limits: a registrar restricts one guardian of a pupil ---------------------------------------------


def _day_start(day: date) -> datetime:
    """The start of ``day`` in the site's time zone, as an aware moment."""
    return timezone.make_aware(datetime.combine(day, time.min))


def _bump_pupil(pupil_id: int) -> None:
    """What the family reads of the pupil changed for someone: the cached answers under the old version go."""
    Pupil.objects.filter(pk=pupil_id).update(diary_version=F("diary_version") + 1)


def _apply(restriction: GuardianRestriction, *, actor: Any) -> None:
    """The restriction came into force: the guardian's grants for the child end, their threads close to them."""
    guardian = restriction.guardian
    restriction.applied_at = timezone.now()
    restriction.save(update_fields=["applied_at"])
    guardian_restricted.send(
        sender=GuardianRestriction,
        guardian_id=guardian.pk,
        pupil_id=guardian.pupil_id,
        account_id=guardian.account_id,
        actor=actor if getattr(actor, "pk", None) else None,
    )
    _bump_pupil(guardian.pupil_id)


@transaction.atomic
def restrict_guardian(
    *,
    actor: Any,
    guardian_id: int,
    reason: str,
    document: str,
    starts_on: date | None = None,
    ends_on: date | None = None,
) -> GuardianRestriction:
    """A registrar of the pupil's school restricts one of its guardians (a court order, an act of the
    guardianship authority): from the first day (today when empty) to the last day (open when empty) the
    guardian relation opens nothing (``access``). In force at once: their grants for the child end and their
    threads close to them now; with a later first day, the sweep does that on the day. Audited."""
    guardian = access.require(
        actor, "guardian.restrict", Guardian.objects.select_related("pupil").filter(pk=guardian_id).first()
    )
    reason, document = reason.strip(), document.strip()
    if not reason:
        raise DomainError(RegistryCode.REASON_REQUIRED, _("Write the reason for the restriction."), field="reason")
    if not document:
        raise DomainError(
            RegistryCode.DOCUMENT_REQUIRED,
            _("Name the document the restriction rests on (its kind, number and date)."),
            field="document",
        )
    today = timezone.localdate()
    if ends_on is not None and (ends_on < today or (starts_on is not None and ends_on < starts_on)):
        raise DomainError(
            RegistryCode.RESTRICTION_DATES,
            _("The last day cannot be before the first day or in the past."),
            field="ends_on",
        )
    now = timezone.now()
    restriction = GuardianRestriction.objects.create(
        guardian=guardian,
        reason=reason,
        document=document,
        starts_on=starts_on,
        ends_on=ends_on,
        starts_at=_day_start(starts_on) if starts_on is not None and starts_on > today else now,
        ends_at=_day_start(ends_on + timedelta(days=1)) if ends_on is not None else None,
        created_by=actor,
    )
    record_event(
        actor=actor,
        action="registry.guardian_restricted",
        target=restriction,
        guardian=guardian.pk,
        pupil=guardian.pupil_id,
        account=guardian.account_id,
        starts_on=str(starts_on or ""),
        ends_on=str(ends_on or ""),
        document=document,
    )
    if restriction.in_force(now):
        _apply(restriction, actor=actor)
    return restriction


@transaction.atomic
def lift_guardian_restriction(*, actor: Any, restriction_id: int) -> GuardianRestriction:
    """A registrar of the pupil's school lifts a restriction before its end: access returns at once (the grants
    that ended with it are not restored). Audited."""
    restriction = (
        GuardianRestriction.objects.select_for_update(of=("self",))
        .select_related("guardian__pupil")
        .filter(pk=restriction_id)
        .first()
    )
    if restriction is None or not access.can(actor, "guardian.restrict", restriction.guardian):
        raise NotFound()
    now = timezone.now()
    if restriction.lifted_at is not None or (restriction.ends_at is not None and restriction.ends_at <= now):
        raise Conflict(RegistryCode.RESTRICTION_OVER, _("This restriction was already lifted or has ended."))
    restriction.lifted_at, restriction.lifted_by = now, actor
    restriction.save(update_fields=["lifted_at", "lifted_by"])
    record_event(
        actor=actor,
        action="registry.guardian_restriction_lifted",
        target=restriction,
        guardian=restriction.guardian_id,
        pupil=restriction.guardian.pupil_id,
    )
    _bump_pupil(restriction.guardian.pupil_id)
    return restriction


def sweep_guardian_restrictions(*, now: datetime | None = None) -> dict[str, int]:
    """Idempotent: apply restrictions whose first day came (end the guardian's grants, close their threads),
    and write "restriction ended" once for each whose last day passed. Access itself needs no write: the rule
    compares the restriction's dates with the time of each read."""
    now = now or timezone.now()
    counts = {"applied": 0, "ended": 0}
    due = restrictions_in_force(now).filter(applied_at__isnull=True).values_list("pk", flat=True)
    for restriction_id in list(due):
        with transaction.atomic():
            restriction = (
                GuardianRestriction.objects.select_for_update(of=("self",))
                .select_related("guardian")
                .filter(pk=restriction_id, applied_at__isnull=True)
                .first()
            )
            if restriction is not None:
                _apply(restriction, actor=None)
                counts["applied"] += 1
    ended = GuardianRestriction.objects.filter(
        lifted_at__isnull=True, ends_at__lte=now, end_recorded_at__isnull=True
    ).values_list("pk", flat=True)
    for restriction_id in list(ended):
        with transaction.atomic():
            restriction = (
                GuardianRestriction.objects.select_for_update(of=("self",))
                .select_related("guardian")
                .filter(pk=restriction_id, end_recorded_at__isnull=True)
                .first()
            )
            if restriction is None:
                continue
            restriction.end_recorded_at = now
            restriction.save(update_fields=["end_recorded_at"])
            record_event(
                actor=None,
                action="registry.guardian_restriction_ended",
                target=restriction,
                guardian=restriction.guardian_id,
                pupil=restriction.guardian.pupil_id,
                grants_restored=False,
            )
            _bump_pupil(restriction.guardian.pupil_id)
            counts["ended"] += 1
    return counts
