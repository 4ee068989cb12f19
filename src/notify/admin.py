"""The operator's view of what waits to be sent: emails and SMS held through quiet hours, and their failures."""

from __future__ import annotations

from django.contrib import admin

from notify.models import HeldMessage


@admin.register(HeldMessage)
class HeldMessageAdmin(admin.ModelAdmin):
    list_display = ["kind", "channel", "due_at", "attempts", "created_at"]
    list_filter = ["channel", "kind", "attempts"]
    # The text may carry a child's name: the operator sees the counts and the timing, not the message.
    fields = readonly_fields = ("kind", "channel", "due_at", "attempts", "created_at")

    def has_add_permission(self, request: object) -> bool:
        return False
