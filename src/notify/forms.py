"""The cabinet's grid of notification choices: one checkbox per kind and channel."""

from __future__ import annotations

from datetime import time
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import DomainForm
from notify.cadence import ABOUT_A_CHILD
from notify.models import Cadence, Channel, Kind


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


def cadence_field_name(kind: str, pupil_id: int) -> str:
    return f"cadence__{kind}__{pupil_id}"


class CadenceForm(DomainForm):
    """Per child (``children``: pupil id → name) and child kind: at once, in the digest, or off; the digest
    time; whether a push may show the text on the lock screen."""

    send_at = forms.TimeField(
        label=_("Daily digest at"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    push_details = forms.BooleanField(
        required=False,
        label=_("Show the text of a notification on the lock screen"),
        help_text=_("Off: a push says only what kind of news it is (e.g. «New mark: Algebra»)."),
    )

    def __init__(
        self,
        *args: Any,
        children: dict[int, str],
        cadences: dict[tuple[str, int], str],
        send_at: time,
        push_details: bool,
        **kwargs: Any,
    ) -> None:
        kwargs["initial"] = {"send_at": send_at, "push_details": push_details}
        super().__init__(*args, **kwargs)
        self.children = children
        labels = dict(Kind.choices)
        for pupil_id, name in children.items():
            for kind in ABOUT_A_CHILD:
                label = f"{name}: {labels[kind]}"
                self.fields[cadence_field_name(kind, pupil_id)] = forms.ChoiceField(
                    choices=Cadence.choices,
                    initial=cadences.get((kind, pupil_id), Cadence.INSTANT),
                    label=label,
                    widget=forms.Select(attrs={"aria-label": label}),
                )

    def rows(self) -> list[tuple[str, list[tuple[str, forms.BoundField]]]]:
        labels = dict(Kind.choices)
        return [
            (name, [(str(labels[kind]), self[cadence_field_name(kind, pupil_id)]) for kind in ABOUT_A_CHILD])
            for pupil_id, name in self.children.items()
        ]

    def chosen(self) -> dict[tuple[str, int], str]:
        return {
            (kind, pupil_id): str(self.cleaned_data[cadence_field_name(kind, pupil_id)])
            for pupil_id in self.children
            for kind in ABOUT_A_CHILD
        }
