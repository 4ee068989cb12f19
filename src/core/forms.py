"""The form base of every app's pages: a service's ``DomainError`` shown next to the field it names."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import ngettext

from core.errors import DomainError, RateLimited


def parsed(parse: Callable[[], Any]) -> Any:
    """The value ``parse()`` returns, its ``DomainError`` turned into the form's ``ValidationError``."""
    try:
        return parse()
    except DomainError as error:
        raise ValidationError(error.message, code=error.code) from None


def label_row_fields(form: forms.BaseForm, row: str) -> None:
    """Name each visible field of a form drawn as one row of a table («Оценка — Смирнов Артём»): its
    ``<label>`` is a column header, which does not name the field for a screen reader (axe's ``label``)."""
    for field in form.fields.values():
        if not field.widget.is_hidden:
            field.widget.attrs["aria-label"] = f"{field.label} — {row}" if row else str(field.label)


def rate_limited_message(error: RateLimited) -> str:
    """The refusal and, in minutes, when to try again."""
    minutes = max(1, math.ceil(error.retry_after / 60))
    wait = ngettext(
        "You can try again in %(minutes)d minute.", "You can try again in %(minutes)d minutes.", minutes
    ) % {"minutes": minutes}
    return f"{error.message} {wait}"


class DomainForm(forms.Form):
    """A form that can show a service's ``DomainError`` next to the field it names.

    A ``RateLimited`` refusal goes on top of the form with the wait in minutes, and is kept in
    ``rate_limited`` so the page can answer 429 with ``Retry-After`` (``portal.views.form_page``).
    """

    rate_limited: RateLimited | None = None

    def add_domain_error(self, error: DomainError) -> None:
        if isinstance(error, RateLimited):
            self.rate_limited = error
            self.add_error(None, ValidationError(rate_limited_message(error), code=error.code))
            return
        field = error.field if error.field in self.fields else None
        self.add_error(field, ValidationError(error.message, code=error.code))

    def submit(self, action: Callable[[dict[str, Any]], Any]) -> bool:
        """Validate, then run ``action(cleaned_data)``; a refusal is shown on the form. True on success."""
        if not self.is_valid():
            return False
        try:
            action(self.cleaned_data)
        except DomainError as error:
            self.add_domain_error(error)
            return False
        return True
