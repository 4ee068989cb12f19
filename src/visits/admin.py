"""The operator's admin: which school each ingest client writes for, and every school's cards.

Ingest clients are registered with ``manage.py register_ingest_client`` (it prints the secret once);
here an operator sees them and removes one, which stops its tokens at once (401).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from visits import ingest
from visits.models import Card, IngestClient


class CardForm(forms.ModelForm):
    """The pupil must study at the card's school: ``Card.clean`` says so next to the field."""

    class Meta:
        model = Card
        fields = ["school", "number", "pupil"]


class CardAdminMixin:
    """Cards are written through ``visits.ingest`` so every change is audited."""

    def save_model(self, request: HttpRequest, obj: Card, form: Any, change: bool) -> None:
        ingest.save_card(actor=request.user, card=obj)  # the form has run Card.clean

    def delete_model(self, request: HttpRequest, obj: Card) -> None:
        ingest.delete_card(actor=request.user, card=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Card]) -> None:
        for card in queryset:
            ingest.delete_card(actor=request.user, card=card)


@admin.register(Card)
class CardAdmin(CardAdminMixin, admin.ModelAdmin):
    form = CardForm
    list_display = ["number", "pupil", "school"]
    list_filter = ["school"]
    search_fields = ["number", "pupil__surname"]
    raw_id_fields = ["pupil"]
    list_select_related = ["pupil", "school"]


@admin.register(IngestClient)
class IngestClientAdmin(admin.ModelAdmin):
    list_display = ["application", "client_id", "school", "created_at"]
    list_filter = ["school"]
    readonly_fields = ["application", "school", "created_at"]
    list_select_related = ["application", "school"]

    @admin.display(description=_("client id"))
    def client_id(self, obj: IngestClient) -> str:
        return str(obj.application.client_id)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the command prints the secret once; the admin form could not
