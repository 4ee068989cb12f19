"""The reads of ``erasure``: the destruction records a viewer may see, as the act of destruction."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from erasure.models import DestructionRecord


def destruction_records(*, school_ids: Iterable[int] | None) -> QuerySet[DestructionRecord]:
    """Every record (an operator: ``None``) or those of the given schools, newest first, in one query."""
    records = DestructionRecord.objects.select_related("school", "actor")
    if school_ids is not None:
        records = records.filter(school_id__in=list(school_ids))
    return records.order_by("-destroyed_at", "-pk")
