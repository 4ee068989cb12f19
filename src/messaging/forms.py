"""The forms of the messages pages: a new thread (the child, then the teacher by subject) and a reply."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from core.forms import DomainForm
from messaging.selectors import Recipient
from messaging.services import TEXT_MAX_LENGTH


def _text_field() -> forms.CharField:
    # The length is the service's rule (a named error); the browser's maxlength only helps.
    return forms.CharField(
        label=_("Message"),
        strip=False,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": TEXT_MAX_LENGTH}),
    )


class MessageForm(DomainForm):
    text = _text_field()
    attachment = forms.FileField(label=_("File"), required=False)

    def uploads(self) -> list[Any]:
        upload = self.cleaned_data.get("attachment")
        return [upload] if upload else []

    def add_domain_error(self, error: DomainError) -> None:
        # The service names its input ``files`` (the API's word); the page has one file field.
        if error.field == "files":
            self.add_error("attachment", ValidationError(error.message, code=error.code))
            return
        super().add_domain_error(error)


class NewThreadForm(MessageForm):
    """For a guardian: whom to write to («Учитель»), one of the child's teachers by subject or the form tutor."""

    teacher_id = forms.ChoiceField(label=_("Teacher"))

    field_order = ["teacher_id", "text", "attachment"]

    def __init__(self, *args: Any, recipients: list[Recipient], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = []
        for recipient in recipients:
            what = recipient.subject if recipient.subject is not None else str(_("form tutor"))
            value = f"{recipient.teacher.id}:{recipient.subject_id or ''}"
            choices.append((value, f"{what} — {recipient.teacher.name}"))
        cast(forms.ChoiceField, self.fields["teacher_id"]).choices = choices

    def recipient(self) -> tuple[str, int | None]:
        teacher, _sep, subject = str(self.cleaned_data["teacher_id"]).partition(":")
        return teacher, int(subject) if subject.isdigit() else None
