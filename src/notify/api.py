"""JSON API of the cabinet's notifications: the caller's own inbox, marking read, and their choices.

Thin: every call is about the authenticated caller only (no ids of other people are reachable), and
goes through ``notify.services`` like the web pages.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any
from uuid import UUID

from django.core.paginator import Paginator
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

import access
from core.bounds import DbId, PageNumber
from core.errors import DomainError, NotFound
from notify import services
from notify.cadence import ABOUT_A_CHILD, cadences_of, digest_time_of, set_cadences
from notify.errors import NotifyCode
from notify.models import Cadence, Channel, DigestSettings, Kind, Notification
from portal.oidc import api_auth
from portal.web import api_user

router = Router(tags=["notifications"], auth=api_auth("notifications"))
PAGE_SIZE = 50


class NotificationOut(Schema):
    id: int
    kind: str
    subject: str
    body: str
    link: str
    created_at: datetime
    read: bool


class InboxOut(Schema):
    unread: int
    page: int
    pages: int
    items: list[NotificationOut]


class ReadIn(Schema):
    ids: list[DbId] | None = Field(None, max_length=1000)  # none: every notification of the caller


class ReadOut(Schema):
    marked: int
    unread: int


class ChoiceIn(Schema):
    kind: str = Field(..., max_length=32)
    channel: str = Field(..., max_length=8)
    enabled: bool


class ChoiceOut(ChoiceIn):
    kind_label: str
    channel_label: str


class PreferencesIn(Schema):
    choices: list[ChoiceIn] = Field(..., max_length=100)


@router.get(
    "/notifications",
    response=InboxOut,
    url_name="notifications",
    summary="The caller's in-app notifications, newest first, 50 a page",
)
def inbox(request: HttpRequest, page: PageNumber = 1) -> Any:
    user = api_user(request)
    found = Paginator(Notification.objects.filter(user=user), PAGE_SIZE).get_page(page)
    return {
        "unread": services.unread_count(user=user),
        "page": found.number,
        "pages": found.paginator.num_pages,
        "items": [
            {
                "id": item.pk,
                "kind": item.kind,
                "subject": item.subject,
                "body": item.body,
                "link": item.link,
                "created_at": item.created_at,
                "read": item.read_at is not None,
            }
            for item in found.object_list
        ],
    }


@router.post(
    "/notifications/read",
    response=ReadOut,
    url_name="notifications_read",
    summary="Mark the caller's notifications read: the ones named, or all; other people's ids do nothing",
)
def read(request: HttpRequest, payload: ReadIn) -> Any:
    user = api_user(request)
    marked = services.mark_read(user=user, notification_ids=payload.ids)
    return {"marked": marked, "unread": services.unread_count(user=user)}


def _choices(user: Any) -> list[dict[str, Any]]:
    kinds, channels = dict(Kind.choices), dict(Channel.choices)
    return [
        {
            "kind": kind,
            "channel": channel,
            "enabled": on,
            "kind_label": str(kinds[kind]),
            "channel_label": str(channels[channel]),
        }
        for (kind, channel), on in services.preferences_of(user.pk).items()
    ]


@router.get(
    "/notifications/settings",
    response=list[ChoiceOut],
    url_name="notification_settings",
    summary="The caller's effective choice for every kind and channel (defaults where never chosen)",
)
def preferences(request: HttpRequest) -> Any:
    return _choices(api_user(request))


@router.put(
    "/notifications/settings",
    response=list[ChoiceOut],
    url_name="notification_settings_set",
    summary="Change some of the caller's choices; kinds and channels not named stay as they were",
)
def set_preferences(request: HttpRequest, payload: PreferencesIn) -> Any:
    user = api_user(request)
    services.set_preferences(user=user, enabled={(c.kind, c.channel): c.enabled for c in payload.choices})
    return _choices(user)


class CadenceItem(Schema):
    student_id: UUID
    kind: str = Field(..., max_length=32)
    cadence: str = Field(..., max_length=8)


class CadenceIn(Schema):
    send_at: str | None = Field(None, max_length=5, description="The digest time, HH:MM school time")
    push_details: bool | None = None
    cadences: list[CadenceItem] = Field([], max_length=200)


class CadenceItemOut(CadenceItem):
    kind_label: str
    cadence_label: str


class CadenceOut(Schema):
    send_at: str
    push_details: bool
    cadences: list[CadenceItemOut]


def _cadence(user: Any) -> dict[str, Any]:
    children = {visible.pupil.pk: visible.pupil.public_id for visible in access.visible_students(user)}
    kinds, cadences = dict(Kind.choices), dict(Cadence.choices)
    return {
        "send_at": digest_time_of(user).strftime("%H:%M"),
        "push_details": DigestSettings.objects.filter(user=user, push_details=True).exists(),
        "cadences": [
            {
                "student_id": children[pupil_id],
                "kind": kind,
                "cadence": cadence,
                "kind_label": str(kinds[kind]),
                "cadence_label": str(cadences[cadence]),
            }
            for (kind, pupil_id), cadence in cadences_of(user, children).items()
        ],
    }


@router.get(
    "/notifications/cadence",
    response=CadenceOut,
    url_name="notification_cadence",
    summary="Per child and kind: at once, in the daily digest or off; the digest time and lock-screen choice",
)
def cadence(request: HttpRequest) -> Any:
    return _cadence(api_user(request))


@router.put(
    "/notifications/cadence",
    response=CadenceOut,
    url_name="notification_cadence_set",
    summary="Change some cadences, the digest time or the lock-screen choice; what is not named stays",
)
def set_cadence(request: HttpRequest, payload: CadenceIn) -> Any:
    user = api_user(request)
    children = {visible.pupil.public_id: visible.pupil.pk for visible in access.visible_students(user)}
    chosen: dict[tuple[str, int], str] = {}
    for index, item in enumerate(payload.cadences):
        if item.student_id not in children:
            raise NotFound()
        if item.kind not in ABOUT_A_CHILD:
            raise DomainError(
                NotifyCode.UNKNOWN_NOTIFICATION_CHOICE,
                _("Unknown kind of notification."),
                field=f"cadences[{index}].kind",
            )
        if item.cadence not in Cadence.values:
            raise DomainError(
                NotifyCode.UNKNOWN_NOTIFICATION_CHOICE,
                _("Choose at once, in the daily digest, or off."),
                field=f"cadences[{index}].cadence",
            )
        chosen[(item.kind, children[item.student_id])] = item.cadence
    send_at = digest_time_of(user)
    if payload.send_at is not None:
        try:
            send_at = time.fromisoformat(payload.send_at)
        except ValueError:
            raise DomainError(
                NotifyCode.DIGEST_TIME_INVALID, _("Enter the time as HH:MM, e.g. 19:00."), field="send_at"
            ) from None
        if len(payload.send_at) != 5 or send_at.second or send_at.microsecond:
            raise DomainError(
                NotifyCode.DIGEST_TIME_INVALID, _("Enter the time as HH:MM, e.g. 19:00."), field="send_at"
            )
    push_details = (
        payload.push_details
        if payload.push_details is not None
        else DigestSettings.objects.filter(user=user, push_details=True).exists()
    )
    set_cadences(user=user, chosen=chosen, send_at=send_at, push_details=push_details)
    return _cadence(user)
