"""Writes of announcements: posting one, marking it read (or confirming reading it), the one reminder.

Who may post to which classes and who reads is the policy's (``access.announceable_classes``,
``access.registrar_school_ids``, ``access.readable_announcements``); here are the checks of the input, the
rows, the audit event and the notifications (``notify``: in the inbox at once).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import access
from audit.services import record_event
from core.bounds import MAX_DB_INT
from core.errors import Conflict, DomainError, NotFound
from news.errors import NewsCode
from news.models import Announcement, AnnouncementClass, AnnouncementRead
from notify.models import Kind
from notify.services import in_site_language, notify
from registry.models import SchoolClass

TITLE_MAX_LENGTH = 200
BODY_MAX_LENGTH = 4000
MAX_CLASSES = 100
GRADES = range(1, 12)
PREVIEW_LENGTH = 300  # of the text in the notification; the whole text is on the news page


def _check_text(title: str, body: str) -> tuple[str, str]:
    title, body = title.strip(), body.strip()
    if not title:
        raise DomainError(NewsCode.TITLE_REQUIRED, gettext_lazy("Give the announcement a title."), field="title")
    if len(title) > TITLE_MAX_LENGTH:
        raise DomainError(
            NewsCode.TITLE_TOO_LONG, gettext_lazy("The title is too long (at most 200 characters)."), field="title"
        )
    if not body:
        raise DomainError(NewsCode.BODY_REQUIRED, gettext_lazy("Write the text of the announcement."), field="body")
    if len(body) > BODY_MAX_LENGTH:
        raise DomainError(
            NewsCode.BODY_TOO_LONG, gettext_lazy("The text is too long (at most 4000 characters)."), field="body"
        )
    return title, body


def _school_of_registrar(author: Any, school_id: int | None, code: NewsCode, field: str) -> int:
    schools = access.registrar_school_ids(author)
    if school_id is None and len(schools) == 1:
        return next(iter(schools))
    if school_id is None or school_id not in schools:
        message = (
            gettext_lazy("Only the school's registrar posts to whole grades.")
            if code == NewsCode.GRADES_NOT_ALLOWED
            else gettext_lazy("Only the school's registrar posts to the whole school.")
        )
        raise DomainError(code, message, field=field)
    return school_id


def _classes_by_id(author: Any, class_ids: Sequence[int]) -> list[SchoolClass]:
    """The chosen classes, each one the author teaches, tutors, or keeps the registry of; all of one school."""
    if len(class_ids) > MAX_CLASSES:
        raise DomainError(NewsCode.CLASS_NOT_ALLOWED, gettext_lazy("Too many classes chosen."), field="class_ids")
    registrar_of = access.registrar_school_ids(author)
    allowed = {
        school_class.pk: school_class
        for school_class in SchoolClass.objects.filter(pk__in=[pk for pk in class_ids if 0 < pk <= MAX_DB_INT]).filter(
            pk__in=access.announceable_classes(author).values("pk")
        )
        | SchoolClass.objects.filter(
            pk__in=[pk for pk in class_ids if 0 < pk <= MAX_DB_INT], school_id__in=registrar_of
        )
    }
    chosen: list[SchoolClass] = []
    for i, pk in enumerate(class_ids):
        school_class = allowed.get(pk)
        if school_class is None or (chosen and school_class.school_id != chosen[0].school_id):
            raise DomainError(
                NewsCode.CLASS_NOT_ALLOWED,
                gettext_lazy("You may post only to the classes you teach or are the form tutor of."),
                field=f"class_ids[{i}]",
            )
        if school_class not in chosen:
            chosen.append(school_class)
    return chosen


def _classes_of_grades(school_id: int, grades: Sequence[int]) -> list[SchoolClass]:
    classes = list(SchoolClass.objects.filter(school_id=school_id, grade__in=[g for g in grades if g in GRADES]))
    present = {school_class.grade for school_class in classes}
    for i, grade in enumerate(grades):
        if grade not in present:
            raise DomainError(
                NewsCode.GRADE_INVALID, gettext_lazy("The school has no classes of this grade."), field=f"grades[{i}]"
            )
    return classes


def audience_accounts(class_ids: Sequence[int]) -> dict[int, set[int]]:
    """For each studying pupil of the classes, the family accounts that read the announcement (the pupil,
    linked guardians, trusted persons of the diary): the policy's ``family_readers``."""
    pupil_ids = list(access.audience_pupils().filter(school_class_id__in=class_ids).values_list("pk", flat=True))
    return access.family_readers(pupil_ids, access.DIARY)


def _link(announcement: Announcement) -> str:
    return f"{reverse('news:feed')}#announcement-{announcement.pk}"


def _preview(body: str) -> str:
    return body if len(body) <= PREVIEW_LENGTH else body[: PREVIEW_LENGTH - 1].rstrip() + "…"


@transaction.atomic
def post_announcement(
    *,
    author: Any,
    title: str,
    body: str,
    class_ids: Sequence[int] = (),
    grades: Sequence[int] = (),
    whole_school: bool = False,
    school_id: int | None = None,
    needs_confirmation: bool = False,
) -> Announcement:
    """Post an announcement to the chosen classes, the chosen grades of a school, or the whole school, and tell
    its audience. A teacher posts to the classes they teach, the form tutor to the class, the registrar to any
    class, grade or the whole of their school."""
    title, body = _check_text(title, body)
    chosen = [bool(class_ids), bool(grades), whole_school]
    if sum(chosen) != 1:
        raise DomainError(
            NewsCode.AUDIENCE_REQUIRED,
            gettext_lazy("Choose whom the announcement is for: classes, grades or the whole school (one of them)."),
            field="audience",
        )
    if class_ids:
        classes = _classes_by_id(author, class_ids)
        audience, school = Announcement.Audience.CLASSES, classes[0].school_id
    elif grades:
        school = _school_of_registrar(author, school_id, NewsCode.GRADES_NOT_ALLOWED, "grades")
        classes = _classes_of_grades(school, grades)
        audience = Announcement.Audience.GRADES
    else:
        school = _school_of_registrar(author, school_id, NewsCode.SCHOOL_NOT_ALLOWED, "school_id")
        classes = list(SchoolClass.objects.filter(school_id=school))
        audience = Announcement.Audience.SCHOOL
    announcement = Announcement.objects.create(
        school_id=school,
        author=author,
        title=title,
        body=body,
        audience=audience,
        grades=sorted(set(grades)) if audience == Announcement.Audience.GRADES else [],
        needs_confirmation=needs_confirmation,
    )
    AnnouncementClass.objects.bulk_create(
        [AnnouncementClass(announcement=announcement, school_class=school_class) for school_class in classes]
    )
    readers = audience_accounts([school_class.pk for school_class in classes])
    accounts = set().union(*readers.values()) - {author.pk}
    record_event(
        actor=author,
        action="news.announcement_posted",
        target=announcement,
        classes=sorted(school_class.pk for school_class in classes),
        audience=len(accounts),
    )
    with in_site_language():
        notify(
            kind=Kind.ANNOUNCEMENT,
            user_ids=accounts,
            subject=_("Announcement: %(title)s") % {"title": title},
            body=_preview(body),
            link=_link(announcement),
            school_id=school,
        )
    return announcement


def mark_read(*, reader: Any, announcement_id: int) -> AnnouncementRead:
    """Mark the announcement read by ``reader`` (where it asks so, this is the confirmation that they have
    read it); the second time changes nothing. ``NotFound`` unless ``reader`` is in its audience."""
    announcement = access.readable_announcements(reader).filter(pk=announcement_id).first()
    if announcement is None:
        raise NotFound()
    found = AnnouncementRead.objects.filter(announcement=announcement, account=reader).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return AnnouncementRead.objects.create(announcement=announcement, account=reader)
    except IntegrityError:  # the same person's second tab won the race: theirs is the read
        return AnnouncementRead.objects.get(announcement=announcement, account=reader)


def unconfirmed_pupils(announcement: Announcement) -> Any:
    """The studying pupils of the announcement's classes whose family (a linked guardian or the pupil) has not
    confirmed reading it."""
    confirmed_by = AnnouncementRead.objects.filter(announcement=announcement).values("account")
    return (
        access.audience_pupils()
        .filter(school_class__announcement_links__announcement=announcement)
        .exclude(access.family_in(confirmed_by))
    )


@transaction.atomic
def remind_unconfirmed(*, author: Any, announcement_id: int) -> int:
    """Remind the families that have not confirmed reading the announcement, once; returns how many families
    (pupils) were reminded. A second reminder is refused: the families are not to be pestered."""
    announcement = access.require(
        author,
        "announcement.manage",
        Announcement.objects.select_for_update().filter(pk=announcement_id).first(),
    )
    if not announcement.needs_confirmation:
        raise DomainError(
            NewsCode.CONFIRMATION_NOT_REQUESTED, gettext_lazy("This announcement does not ask to confirm reading it.")
        )
    if announcement.reminded_at is not None:
        raise Conflict(
            NewsCode.ALREADY_REMINDED,
            gettext_lazy("The reminder has already been sent; it is sent only once."),
            data={"reminded_at": announcement.reminded_at.isoformat()},
        )
    pupil_ids = list(unconfirmed_pupils(announcement).values_list("pk", flat=True))
    accounts = access.related_accounts(pupil_ids, access.CONFIRMERS)
    announcement.reminded_at = timezone.now()
    announcement.save(update_fields=["reminded_at"])
    record_event(actor=author, action="news.announcement_reminded", target=announcement, pupils=len(pupil_ids))
    with in_site_language():
        notify(
            kind=Kind.ANNOUNCEMENT,
            user_ids={account for ids in accounts.values() for account in ids},
            subject=_("Reminder: confirm you have read «%(title)s»") % {"title": announcement.title},
            body=_preview(announcement.body),
            link=_link(announcement),
            school_id=announcement.school_id,
        )
    return len(pupil_ids)
