"""Writing the audit trail; called inside the transaction of the change it records."""

from __future__ import annotations

from typing import Any

from django.db import models

from audit.models import AuditEvent


def target_of(obj: models.Model) -> str:
    return f"{obj._meta.label_lower}:{obj.pk}"


def record_event(*, actor: Any, action: str, target: models.Model, **data: Any) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None, action=action, target=target_of(target), data=data
    )
