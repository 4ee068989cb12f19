"""Web forms of visits and meals."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.forms import DomainForm


class ThresholdForm(DomainForm):
    """A guardian's low-balance threshold in roubles; empty (or «Remove») clears it. Range checks are the service's."""

    amount = forms.CharField(
        label=_("Warn me when the balance falls below, ₽"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )

    def clean_amount(self) -> Decimal | None:
        raw = self.cleaned_data["amount"].strip().replace(" ", "").replace("\u00a0", "").replace(",", ".")
        if not raw:
            return None
        try:
            value = Decimal(raw)
        except InvalidOperation:
            raise ValidationError(
                _("Enter an amount in roubles, for example 300 or 150,50."), code="invalid_threshold"
            ) from None
        if not value.is_finite():
            raise ValidationError(_("Enter an amount in roubles, for example 300 or 150,50."), code="invalid_threshold")
        return value
