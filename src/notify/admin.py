"""The operator's view of what waits to be sent and what failed: emails, SMS and pushes of notifications."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from notify.models import OutboundMessage


class StateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("waiting", _("waiting")), ("retrying", _("retrying")), ("failed", _("given up")), ("sent", _("sent"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[OutboundMessage]) -> QuerySet[OutboundMessage]:
        if self.value() == "waiting":
            return queryset.filter(sent_at=None, failed_at=None)
        if self.value() == "retrying":
            return queryset.filter(sent_at=None, failed_at=None, attempts__gt=0)
        if self.value() == "failed":
            return queryset.exclude(failed_at=None)
        if self.value() == "sent":
            return queryset.exclude(sent_at=None)
        return queryset


@admin.register(OutboundMessage)
class OutboundMessageAdmin(admin.ModelAdmin):
    list_display = ["kind", "channel", "due_at", "attempts", "sent_at", "failed_at"]
    list_filter = [StateFilter, "channel", "kind"]
    # The text may carry a child's name: the operator sees the counts, the timing and the failures only.
    fields = readonly_fields = ("kind", "channel", "created_at", "due_at", "attempts", "sent_at", "failed_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
