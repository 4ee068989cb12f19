"""The form of a new announcement. It offers only the classes (and, to a registrar, the grades and the whole
school) the author may post to; the service checks them again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import DomainForm
from news.services import BODY_MAX_LENGTH, GRADES, TITLE_MAX_LENGTH
from registry.models import SchoolClass

WHOLE_SCHOOL = "school"


class AnnouncementForm(DomainForm):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX_LENGTH)
    body = forms.CharField(label=_("Text"), max_length=BODY_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 6}))
    class_ids = forms.TypedMultipleChoiceField(
        label=_("Classes"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    grades = forms.TypedMultipleChoiceField(
        label=_("Grades"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    whole_school = forms.BooleanField(label=_("The whole school"), required=False)
    needs_confirmation = forms.BooleanField(
        label=_("Ask the families to confirm they have read it"),
        required=False,
        help_text=_("For a parents' meeting or a change of the timetable: you will see who has not read it."),
    )

    def __init__(self, *args: Any, classes: list[SchoolClass], registrar: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["class_ids"].choices = [  # type: ignore[attr-defined]
            (school_class.pk, str(school_class)) for school_class in classes
        ]
        if registrar:
            present = sorted({school_class.grade for school_class in classes})
            self.fields["grades"].choices = [  # type: ignore[attr-defined]
                (grade, str(grade)) for grade in present if grade in GRADES
            ]
        else:
            del self.fields["grades"], self.fields["whole_school"]
