"""The cabinet's alerts on a child's diary: a section of the notification settings page («Как часто»,
``notify``'s page asks for it through ``notify.signals.settings_sections_asked``) and the page a section
posts to, which also shows the errors by field."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

import access
from core.errors import DomainError
from core.forms import DomainForm
from diary import alerts
from diary.models import Alert
from portal.web import signed_in_user


class AlertsForm(DomainForm):
    """One child's alerts: a checkbox per rule, and a threshold (1–5) for the rules that take one."""

    def __init__(self, *args: Any, found: dict[str, Alert | None], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        available = alerts.available_rules()
        for rule, label in Alert.Rule.choices:
            alert = found.get(rule)
            self.fields[f"{rule}__on"] = forms.BooleanField(
                required=False, initial=alert is not None, label=label, disabled=rule not in available
            )
            if rule in alerts.WITH_THRESHOLD:
                initial = alert.threshold.normalize() if alert is not None and alert.threshold is not None else None
                self.fields[f"{rule}__threshold"] = forms.CharField(
                    required=False,
                    initial=str(initial).replace(".", ",") if initial is not None else "",
                    label=gettext_lazy("Threshold (1–5)"),
                    max_length=8,
                    widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 4}),
                )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for rule in alerts.WITH_THRESHOLD:
            if data.get(f"{rule}__on"):
                try:
                    data[f"{rule}__threshold"] = alerts.parse_threshold(
                        rule, data.get(f"{rule}__threshold"), field=f"{rule}__threshold"
                    )
                except DomainError as error:
                    self.add_error(f"{rule}__threshold", error.message)
        return data

    def chosen(self) -> dict[str, Decimal | bool | None]:
        chosen: dict[str, Decimal | bool | None] = {}
        for rule in alerts.available_rules():
            on = bool(self.cleaned_data.get(f"{rule}__on"))
            chosen[rule] = (
                (self.cleaned_data[f"{rule}__threshold"] if rule in alerts.WITH_THRESHOLD else True) if on else None
            )
        return chosen

    def rows(self) -> list[tuple[forms.BoundField, forms.BoundField | None, bool]]:
        available = alerts.available_rules()
        return [
            (
                self[f"{rule}__on"],
                self[f"{rule}__threshold"] if rule in alerts.WITH_THRESHOLD else None,
                rule in available,
            )
            for rule in Alert.Rule.values
        ]


def _setters(user: Any) -> list[Any]:
    """The children whose alerts the person sets: their own record, and the children they are a guardian of."""
    return [visible.pupil for visible in access.visible_students(user) if visible.relation in access.ALERT_SETTERS]


def settings_section(*, user: Any, request: HttpRequest, **kwargs: Any) -> SafeString:
    """``notify.signals.settings_sections_asked``: the alerts of every child, one form each (two queries)."""
    pupils = _setters(user)
    if not pupils:
        return SafeString("")
    by_pupil: dict[int, dict[str, Alert | None]] = {pupil.pk: dict.fromkeys(Alert.Rule.values) for pupil in pupils}
    for alert in Alert.objects.filter(user=user, pupil__in=pupils):
        by_pupil[alert.pupil_id][alert.rule] = alert
    children = [(pupil, AlertsForm(found=by_pupil[pupil.pk], prefix=f"p{pupil.pk}")) for pupil in pupils]
    return render_to_string(
        "diary/alerts/section.html",
        {"children": children, "homework_available": alerts.homework_submissions_available()},
        request=request,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def child_alerts(request: HttpRequest, student_id: Any) -> HttpResponse:
    user = signed_in_user(request)
    pupil, found = alerts.alerts_of(viewer=user, student_id=student_id)
    form = AlertsForm(request.POST if request.method == "POST" else None, found=found, prefix=f"p{pupil.pk}")
    if request.method == "POST" and form.submit(
        lambda _data: alerts.set_alerts(user=user, student_id=pupil.public_id, chosen=form.chosen())
    ):
        messages.success(request, _("Alerts saved."))
        return redirect(reverse("notify:cadence") + "#alerts")
    return render(
        request,
        "diary/alerts/child.html",
        {"pupil": pupil, "form": form, "homework_available": alerts.homework_submissions_available()},
    )
