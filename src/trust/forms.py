"""Web forms of the trusted-persons service. Fields are parsed by ``portal.identity`` so that every
mistake shows at once; the service checks them again and decides everything else."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import DomainForm, parsed
from portal import identity
from registry.models import Pupil
from trust.models import Grant


class TrustForm(DomainForm):
    """A refusal of the service lands on the form ("not yours" is no refusal: the page's 404)."""


class InviteForm(TrustForm):
    """Whom to invite and to what: the invitee is named by surname plus SNILS or mobile phone."""

    service = forms.MultipleChoiceField(
        label=_("Service"),
        choices=Grant.Service.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose one or both: each service is a separate access."),
    )
    surname = forms.CharField(
        label=_("Surname of the trusted person"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    snils = forms.CharField(
        label=_("Their SNILS"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("11 digits, for example 112-233-445 95. Fill in the SNILS or the phone."),
    )
    phone = forms.CharField(
        label=_("Or their mobile phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off", "placeholder": "+7 912 345-67-89"}),
        help_text=_("The number confirmed in their portal account."),
    )
    ends_on = forms.DateField(
        label=_("Access until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Leave empty for access without an end date."),
    )

    def clean_surname(self) -> str:
        return str(parsed(lambda: identity.parse_name(self.cleaned_data["surname"], field="surname")))

    def clean_snils(self) -> str:
        raw = self.cleaned_data["snils"].strip()
        return str(parsed(lambda: identity.parse_snils(raw))) if raw else ""

    def clean_phone(self) -> str:
        raw = self.cleaned_data["phone"].strip()
        return str(parsed(lambda: identity.parse_mobile_phone(raw))) if raw else ""

    def invitation(self) -> dict[str, Any]:
        """The keyword arguments of ``invite_trusted_person`` besides the inviter and the child."""
        data = self.cleaned_data
        return {
            "services": data["service"],
            "surname": data["surname"],
            "snils": data["snils"],
            "phone": data["phone"],
            "ends_on": data["ends_on"],
        }


class ServiceInviteForm(InviteForm):
    """The catalogue service: the same form, with the child chosen among the person's own children."""

    field_order = ["student", "service", "surname", "snils", "phone", "ends_on"]

    student = forms.ChoiceField(label=_("Child"), widget=forms.RadioSelect)

    def __init__(self, data: Any = None, *, children: Sequence[Pupil]) -> None:
        initial = {"student": str(children[0].public_id)} if len(children) == 1 else None
        super().__init__(data, initial=initial)
        cast(forms.ChoiceField, self.fields["student"]).choices = [
            (str(pupil.public_id), f"{pupil.full_name}, {pupil.school_class}") for pupil in children
        ]
