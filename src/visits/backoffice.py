"""Cards in the registrar's back office: a school's card numbers mapped to its own pupils."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from registry.backoffice import SchoolScopedAdmin, backoffice, kept_school_ids
from registry.models import Pupil
from visits.admin import CardAdminMixin, CardForm
from visits.models import Card


@admin.register(Card, site=backoffice)
class BackofficeCardAdmin(CardAdminMixin, SchoolScopedAdmin):
    form = CardForm
    list_display = ["number", "pupil", "school"]
    search_fields = ["number", "pupil__surname"]
    fields = ["school", "number", "pupil"]
    autocomplete_fields = ["pupil"]
    list_select_related = ["pupil", "school"]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.related_model is Pupil:
            kwargs["queryset"] = Pupil.objects.filter(school__in=kept_school_ids(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A lost card is removed; the passes and meals it brought stay with the pupil.
        return self.admin_site.has_permission(request)
