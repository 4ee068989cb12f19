"""Web forms of the registry's cabinet pages. Names are parsed by ``portal.identity``; rules stay in ``linking``."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import DomainForm, parsed
from portal import identity
from registry.models import LinkRequest
from registry.selectors import school_choices

CHILD_FIELDS = ("child_surname", "child_given_name", "child_birth_date")


class LinkRequestForm(DomainForm):
    """«Передайте свои данные в школу»: as the pupil, or as a guardian naming the child."""

    kind = forms.ChoiceField(
        label=_("I am"),
        choices=[
            (LinkRequest.Kind.GUARDIAN.value, _("a parent or another guardian of a pupil")),
            (LinkRequest.Kind.PUPIL.value, _("a pupil of the school")),
        ],
        widget=forms.RadioSelect,
        initial=LinkRequest.Kind.GUARDIAN.value,
    )
    school = forms.ModelChoiceField(label=_("School"), queryset=school_choices(), empty_label=_("Choose the school"))
    child_surname = forms.CharField(
        label=_("Child's surname"),
        max_length=200,
        required=False,
        help_text=_("Only for a guardian: name the child as in their documents."),
    )
    child_given_name = forms.CharField(label=_("Child's given name"), max_length=200, required=False)
    child_patronymic = forms.CharField(
        label=_("Child's patronymic"), max_length=200, required=False, help_text=_("Leave empty if the child has none.")
    )
    child_birth_date = forms.DateField(
        label=_("Child's birth date"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    child_consent = forms.BooleanField(
        label=_(
            "As the child's legal representative, I consent to the processing of the child's personal data "
            "under the current processing terms."
        ),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The child is required of a guardian only; the form opens as a guardian's.
        as_pupil = self.is_bound and self.data.get("kind") == LinkRequest.Kind.PUPIL
        for name in (*CHILD_FIELDS, "child_consent"):
            self.fields[name].required = not as_pupil

    def _name(self, field: str) -> str:
        # An empty name is the "required" check's business (above), so parsing allows it.
        raw = self.cleaned_data.get(field) or ""
        return str(parsed(lambda: identity.parse_name(raw, field=field, required=False)))

    def clean_child_surname(self) -> str:
        return self._name("child_surname")

    def clean_child_given_name(self) -> str:
        return self._name("child_given_name")

    def clean_child_patronymic(self) -> str:
        return self._name("child_patronymic")

    def clean_child_birth_date(self) -> date | None:
        value = self.cleaned_data.get("child_birth_date")
        result: date | None = parsed(
            lambda: identity.parse_birth_date(value, today=timezone.localdate(), field="child_birth_date")
        )
        return result
