"""The cabinet's grid of notification choices: one checkbox per kind and channel."""

from __future__ import annotations

from typing import Any

from django import forms

from core.forms import DomainForm
from notify.models import Channel, Kind


def field_name(kind: str, channel: str) -> str:
    return f"{kind}__{channel}"


class PreferencesForm(DomainForm):
    """``initial`` is the person's effective choice (``services.preferences_of``); an unticked box is "off"."""

    def __init__(self, *args: Any, choices: dict[tuple[str, str], bool], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind, kind_label in Kind.choices:
            for channel, channel_label in Channel.choices:
                label = f"{kind_label}: {channel_label}"
                self.fields[field_name(kind, channel)] = forms.BooleanField(
                    required=False,
                    initial=choices[(kind, channel)],
                    label=label,
                    widget=forms.CheckboxInput(attrs={"aria-label": label}),
                )

    def rows(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [
            (str(kind_label), [self[field_name(kind, channel)] for channel in Channel.values])
            for kind, kind_label in Kind.choices
        ]

    def chosen(self) -> dict[tuple[str, str], bool]:
        return {
            (kind, channel): bool(self.cleaned_data[field_name(kind, channel)])
            for kind in Kind.values
            for channel in Channel.values
        }
