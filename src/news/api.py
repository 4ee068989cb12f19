"""JSON API of announcements: the family's feed and its read button (``diary.read``: announcements are read
with the diary, and marking one read is a note of the reader's own), and the staff's posting, receipts and
reminder (``teacher.write``: the school's side writes).

Thin: parse → one service or selector (which asks ``access``) → serialise.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.responses import Status

from core.bounds import DbId
from news import selectors, services
from notify.quiet import held_until
from portal.oidc import api_auth
from portal.web import api_user

router = Router(tags=["announcements"])


@router.get(
    "/announcements",
    response=selectors.Feed,
    url_name="announcements",
    auth=api_auth("diary.read"),
    summary="The school's announcements to the caller's family, newest first, each marked read or not",
)
def announcements(request: HttpRequest) -> selectors.Feed:
    return selectors.feed(viewer=api_user(request))


class AnnouncementReadOut(Schema):
    announcement_id: int
    read_at: datetime


@router.post(
    "/announcements/{announcement_id}/read",
    response=AnnouncementReadOut,
    url_name="announcement_read",
    auth=api_auth("diary.read"),
    summary="Mark the announcement read; where it asks so, this confirms reading it",
)
def announcement_read(request: HttpRequest, announcement_id: DbId) -> AnnouncementReadOut:
    row = services.mark_read(reader=api_user(request), announcement_id=announcement_id)
    return AnnouncementReadOut(announcement_id=announcement_id, read_at=row.read_at)


class AnnouncementIn(Schema):
    title: str = Field(..., max_length=1000)
    body: str = Field(..., max_length=20000)
    class_ids: list[DbId] = Field(default_factory=list, max_length=200)
    grades: list[Annotated[int, Field(ge=1, le=11)]] = Field(default_factory=list, max_length=11)
    whole_school: bool = False
    school_id: DbId | None = None
    needs_confirmation: bool = False


class AnnouncementPostedOut(Schema):
    id: int
    title: str
    audience: str
    needs_confirmation: bool
    created_at: datetime
    # In the school's quiet hours: when the email and SMS will go (the cabinet has it at once); else null.
    email_and_sms_at: datetime | None


@router.post(
    "/announcements",
    response={201: AnnouncementPostedOut},
    url_name="announcement_post",
    auth=api_auth("teacher.write"),
    summary="Post an announcement to classes the caller teaches or tutors, or (a registrar) to grades or the "
    "whole school",
)
def announcement_post(request: HttpRequest, payload: AnnouncementIn) -> Status:
    announcement = services.post_announcement(author=api_user(request), **payload.dict())
    return Status(
        201,
        AnnouncementPostedOut(
            id=announcement.pk,
            title=announcement.title,
            audience=announcement.audience,
            needs_confirmation=announcement.needs_confirmation,
            created_at=announcement.created_at,
            email_and_sms_at=held_until(announcement.school_id),
        ),
    )


@router.get(
    "/announcements/{announcement_id}/receipts",
    response=selectors.Receipts,
    url_name="announcement_receipts",
    auth=api_auth("teacher.write"),
    summary="For the author: how many families confirmed reading, and which have not (by pupil)",
)
def announcement_receipts(request: HttpRequest, announcement_id: DbId) -> selectors.Receipts:
    return selectors.receipts(viewer=api_user(request), announcement_id=announcement_id)


class RemindedOut(Schema):
    families: int


@router.post(
    "/announcements/{announcement_id}/remind",
    response=RemindedOut,
    url_name="announcement_remind",
    auth=api_auth("teacher.write"),
    summary="For the author: remind the families that have not confirmed reading, once",
)
def announcement_remind(request: HttpRequest, announcement_id: DbId) -> RemindedOut:
    return RemindedOut(families=services.remind_unconfirmed(author=api_user(request), announcement_id=announcement_id))
