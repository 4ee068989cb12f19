"""Reads of announcements: the family's feed (newest first, the unread marked), the author's list with the
read counts, and the receipts of one announcement (who has not read it, by family of which pupil).

Each read answers in a fixed number of queries, whatever the number of announcements, classes or pupils.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

import access
from core.errors import NotFound
from news.models import Announcement, AnnouncementClass, AnnouncementRead
from news.services import unconfirmed_pupils

FEED_PANEL_SIZE = 5
FEED_PAGE_SIZE = 50
AUTHORED_PAGE_SIZE = 50


@dataclass(frozen=True)
class AnnouncementRow:
    id: int
    title: str
    body: str
    author: str  # the author's full name
    audience: str  # «7А, 7Б», «7-е классы», «вся школа»
    created_at: datetime
    needs_confirmation: bool
    read: bool  # by the viewer (the feed); in the author's list, always true


@dataclass(frozen=True)
class Feed:
    items: list[AnnouncementRow]
    unread: int


@dataclass(frozen=True)
class ReadCount:
    read: int
    total: int
    label: str  # «прочитали 12 из 25 семей»


@dataclass(frozen=True)
class AuthoredRow:
    announcement: AnnouncementRow
    count: ReadCount | None  # None when it does not ask to confirm reading
    reminded_at: datetime | None


@dataclass(frozen=True)
class MissingFamily:
    student: str  # the pupil whose family has not confirmed
    class_name: str


@dataclass(frozen=True)
class Receipts:
    announcement: AnnouncementRow
    count: ReadCount
    missing: list[MissingFamily]
    reminded_at: datetime | None


def read_count(read: int, total: int) -> ReadCount:
    """«прочитали 12 из 25 семей»: the verb agrees with the families that read, the noun with the whole."""
    have_read = ngettext("read by %(read)d", "read by %(read)d", read) % {"read": read}
    of_all = ngettext("of %(total)d family", "of %(total)d families", total) % {"total": total}
    return ReadCount(read=read, total=total, label=f"{have_read} {of_all}")


def _audience(announcement: Announcement) -> str:
    if announcement.audience == Announcement.Audience.SCHOOL:
        return _("the whole school")
    if announcement.audience == Announcement.Audience.GRADES:
        grades = ", ".join(str(grade) for grade in announcement.grades)
        return ngettext("grade %(grades)s", "grades %(grades)s", len(announcement.grades)) % {"grades": grades}
    return ", ".join(str(link.school_class) for link in announcement.links.all())


def _with_details(announcements: QuerySet[Announcement]) -> QuerySet[Announcement]:
    """The author's name in the same query, the classes in one more."""
    links = AnnouncementClass.objects.select_related("school_class").order_by(
        "school_class__grade", "school_class__letter"
    )
    return announcements.select_related("author").prefetch_related(Prefetch("links", queryset=links))


def _row(announcement: Announcement, read: bool) -> AnnouncementRow:
    return AnnouncementRow(
        id=announcement.pk,
        title=announcement.title,
        body=announcement.body,
        author=announcement.author.full_name,
        audience=_audience(announcement),
        created_at=announcement.created_at,
        needs_confirmation=announcement.needs_confirmation,
        read=read,
    )


def feed(*, viewer: Any, limit: int = FEED_PAGE_SIZE) -> Feed:
    """The announcements ``viewer`` reads as family, newest first, each marked read or not, and how many are
    unread. Three queries: the unread count, the announcements with their authors, their classes."""
    readable = access.readable_announcements(viewer)
    mine = AnnouncementRead.objects.filter(announcement=OuterRef("pk"), account_id=getattr(viewer, "pk", None))
    unread = readable.exclude(Exists(mine)).count()
    rows = _with_details(readable.annotate(was_read=Exists(mine))).order_by("-created_at", "-pk")[:limit]
    return Feed(
        items=[_row(announcement, bool(getattr(announcement, "was_read", False))) for announcement in rows],
        unread=unread,
    )


def _counts(announcements: list[Announcement]) -> dict[int, ReadCount]:
    """For each announcement asking to confirm reading: its families that confirmed and all its families.
    Two queries, one grouped count each."""
    ids = [announcement.pk for announcement in announcements if announcement.needs_confirmation]
    if not ids:
        return {}
    pupils = access.audience_pupils().filter(school_class__announcement_links__announcement__in=ids)
    grouped = pupils.values("school_class__announcement_links__announcement").annotate(n=Count("pk", distinct=True))
    key = "school_class__announcement_links__announcement"
    totals = {row[key]: row["n"] for row in grouped.order_by()}
    confirmed_by = AnnouncementRead.objects.filter(announcement=OuterRef(OuterRef(key))).values("account")
    confirmed = {row[key]: row["n"] for row in grouped.filter(access.family_in(confirmed_by)).order_by()}
    return {pk: read_count(confirmed.get(pk, 0), totals.get(pk, 0)) for pk in ids}


def authored(*, viewer: Any) -> list[AuthoredRow]:
    """The announcements ``viewer`` posted, newest first, with the read counts of those asking to confirm.
    Four queries."""
    if not getattr(viewer, "is_authenticated", False):
        return []
    announcements = list(
        _with_details(Announcement.objects.filter(author=viewer)).order_by("-created_at", "-pk")[:AUTHORED_PAGE_SIZE]
    )
    counts = _counts(announcements)
    return [
        AuthoredRow(
            announcement=_row(announcement, True),
            count=counts.get(announcement.pk),
            reminded_at=announcement.reminded_at,
        )
        for announcement in announcements
    ]


def receipts(*, viewer: Any, announcement_id: int) -> Receipts:
    """Who of the audience has confirmed reading the announcement, for its author: the count and the families
    (by pupil) that have not. ``NotFound`` for anyone else, and for an announcement not asking to confirm."""
    announcement = access.require(
        viewer, "announcement.manage", _with_details(Announcement.objects.filter(pk=announcement_id)).first()
    )
    if not announcement.needs_confirmation:
        raise NotFound()
    total = access.audience_pupils().filter(school_class__announcement_links__announcement=announcement).count()
    missing = [
        MissingFamily(student=pupil.full_name, class_name=str(pupil.school_class))
        for pupil in unconfirmed_pupils(announcement)
        .select_related("school_class")
        .order_by("school_class__grade", "school_class__letter", "surname", "given_name", "pk")
    ]
    return Receipts(
        announcement=_row(announcement, True),
        count=read_count(total - len(missing), total),
        missing=missing,
        reminded_at=announcement.reminded_at,
    )
