"""JSON API of the cabinet's notifications: the caller's own inbox, marking read, and their choices.

Thin: every call is about the authenticated caller only (no ids of other people are reachable), and
goes through ``notify.services`` like the web pages.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest
from ninja import Field, Router, Schema

from core.bounds import DbId, PageNumber
from notify import services
from notify.models import Channel, Kind, Notification
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
