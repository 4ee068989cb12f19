"""JSON API of a pupil's diary alerts: ``GET/PUT /students/{student_id}/alerts`` (scope ``notifications``,
like the other notification settings). Thin: ``diary.alerts`` asks ``access`` (404 for a pupil the caller
may not set alerts for) and validates."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Router, Schema

from diary import alerts
from diary.models import Alert
from portal.oidc import api_auth
from portal.web import api_user

router = Router(tags=["notifications"], auth=api_auth("notifications"))


class AlertIn(Schema):
    rule: str = Field(..., max_length=20)
    on: bool
    # Wide bounds: a value outside 1–5 reaches the rule's own check and its named, translated error.
    threshold: Annotated[str, Field(max_length=12)] | Annotated[float, Field(ge=-1000, le=1000)] | None = Field(
        None, description="1–5 (the 5-point scale); for the rules that take one"
    )


class AlertsIn(Schema):
    alerts: list[AlertIn] = Field(..., max_length=10)


class AlertOut(Schema):
    rule: str
    label: str
    on: bool
    threshold: str | None
    takes_threshold: bool
    available: bool


def _out(found: dict[str, Alert | None]) -> list[dict[str, Any]]:
    labels, available = dict(Alert.Rule.choices), set(alerts.available_rules())
    return [
        {
            "rule": rule,
            "label": str(labels[rule]),
            "on": alert is not None,
            "threshold": str(alert.threshold) if alert is not None and alert.threshold is not None else None,
            "takes_threshold": rule in alerts.WITH_THRESHOLD,
            "available": rule in available,
        }
        for rule, alert in found.items()
    ]


@router.get(
    "/students/{student_id}/alerts",
    response=list[AlertOut],
    url_name="student_alerts",
    summary="Your alerts on the child's diary (guardians, and a pupil for themselves); all off by default",
)
def student_alerts(request: HttpRequest, student_id: UUID) -> Any:
    return _out(alerts.alerts_of(viewer=api_user(request), student_id=student_id)[1])


@router.put(
    "/students/{student_id}/alerts",
    response=list[AlertOut],
    url_name="student_alerts_set",
    summary="Turn alerts on (with a threshold where the rule takes one) or off; rules not named stay as they were",
)
def set_student_alerts(request: HttpRequest, student_id: UUID, payload: AlertsIn) -> Any:
    chosen: dict[str, Any] = {}
    for index, entry in enumerate(payload.alerts):
        if not entry.on:
            chosen[entry.rule] = None
        elif entry.rule in alerts.WITH_THRESHOLD:
            chosen[entry.rule] = alerts.parse_threshold(entry.rule, entry.threshold, field=f"alerts[{index}].threshold")
        else:
            chosen[entry.rule] = True
    return _out(alerts.set_alerts(user=api_user(request), student_id=student_id, chosen=chosen))
