"""Reads of messages: the viewer's threads with their unread counts, one thread with read receipts, the
teachers a family may write to, the unread count of the header, and the registrar's disclosed thread.

Every read starts from ``access`` (``visible_threads``, ``get_thread``, ``messaging_pupils``) and answers in a
fixed number of queries whatever the thread holds. The dataclasses are what the API returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db.models import Count, Exists, F, Func, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

import access
from core.errors import NotFound
from core.prepared import Prepared
from messaging.models import Message, MessageAttachment, Thread, ThreadRead
from messaging.services import EDIT_WINDOW, thread_audience
from notify.models import Notification
from portal.models import User
from registry.models import Pupil, StaffMember

LIST_LIMIT = 100


@dataclass(frozen=True)
class ThreadPerson:
    id: UUID  # the account's public id
    name: str


@dataclass(frozen=True)
class ThreadRow:
    id: int
    student_id: UUID
    pupil: str
    teacher: ThreadPerson
    subject: str | None
    last_message_at: datetime
    unread: int


def _unread_of(user: User) -> Q:
    """Messages ``user`` has not read: others', not withdrawn, past their read receipt."""
    read = ThreadRead.objects.filter(thread=OuterRef("thread"), user=user, last_read_id__gte=OuterRef("pk"))
    return Q(withdrawn_at__isnull=True) & ~Q(author=user) & ~Q(Exists(read))


def thread_list(*, viewer: Any) -> list[ThreadRow]:
    """The viewer's threads, the latest first, each with how many of its messages they have not read. One query."""
    unread = (
        Message.objects.filter(_unread_of(viewer), thread=OuterRef("pk"))
        .order_by()
        .values("thread")
        .annotate(n=Count("pk"))
        .values("n")
    )
    threads = (
        access.visible_threads(viewer)
        .annotate(unread=Coalesce(Subquery(unread, output_field=IntegerField()), Value(0)))
        .select_related("pupil", "teacher", "subject")
        .order_by("-last_message_at", "-pk")[:LIST_LIMIT]
    )
    return [
        ThreadRow(
            id=thread.pk,
            student_id=thread.pupil.public_id,
            pupil=thread.pupil.full_name,
            teacher=ThreadPerson(id=thread.teacher.public_id, name=thread.teacher.full_name),
            subject=thread.subject.name if thread.subject else None,
            last_message_at=thread.last_message_at,
            unread=thread.unread,
        )
        for thread in threads
    ]


def _unread_messages(user: Any, now: datetime | None = None) -> QuerySet[Message]:
    return Message.objects.filter(_unread_of(user), thread__in=access.visible_threads(user, now))


def unread_count(*, user: Any) -> int:
    """Messages the person has not read in all their threads. One query."""
    return _unread_messages(user).count()


def _counted(rows: QuerySet[Any]) -> Subquery:
    # COUNT as a plain function, not an aggregate: no GROUP BY, one row whatever the rows are.
    return Subquery(rows.order_by().values(n=Func(F("pk"), function="COUNT")), output_field=IntegerField())


def _header_counts(viewer: int, now: datetime) -> QuerySet[Any]:
    # ``access`` asks an account; the builder is compiled once with a placeholder id (``core.prepared``), and
    # an unsaved active account with that id is all ``visible_threads`` reads of it.
    user = User(pk=viewer, is_active=True)
    notifications = Notification.objects.filter(user=viewer, read_at__isnull=True)
    return (
        User.objects.filter(pk=viewer)
        .annotate(unread_n=_counted(notifications), unread_m=_counted(_unread_messages(user, now)))
        .values_list("unread_n", "unread_m")
    )


# Compiled once: the header is on every signed-in page, and building this query was a third of a week page.
_HEADER_COUNTS = Prepared(_header_counts, viewer=int, now=datetime)


def unread_counts(*, user: Any) -> tuple[int, int]:
    """The header's counts: unread notifications, unread messages. One query."""
    rows = _HEADER_COUNTS.rows(viewer=user.pk, now=timezone.now())
    return (int(rows[0][0] or 0), int(rows[0][1] or 0)) if rows else (0, 0)


@dataclass(frozen=True)
class MessageFile:
    name: str
    url: str
    size: int


@dataclass(frozen=True)
class MessageRow:
    id: int
    author: ThreadPerson
    mine: bool
    text: str | None  # None: withdrawn (its text is no longer served)
    withdrawn: bool
    created_at: datetime
    edited_at: datetime | None
    editable_until: datetime | None  # the viewer's own message, while it may still be edited
    attachments: list[MessageFile]
    read_by: list[ThreadPerson]  # who of the thread (but the author) has read it


@dataclass(frozen=True)
class ThreadView:
    id: int
    student_id: UUID
    pupil: str
    school_id: int
    teacher: ThreadPerson
    subject: str | None
    side: str  # the viewer's: "family" or "school"
    muted: bool  # the viewer may not write here
    can_mute: bool
    family: list[ThreadPerson]  # the family side today
    muted_ids: list[UUID]  # of them, those the school side muted (shown to the school side only)
    messages: list[MessageRow]


def _people(ids: set[int]) -> dict[int, User]:
    return {
        user.pk: user
        for user in User.objects.filter(pk__in=ids).only("pk", "public_id", "surname", "given_name", "patronymic")
    }


def _person(user: User) -> ThreadPerson:
    return ThreadPerson(id=user.public_id, name=user.full_name)


def thread_view(*, viewer: Any, thread_id: int, now: datetime) -> ThreadView:
    """One thread as the viewer sees it: messages (withdrawn ones without their text), files, and who has read
    each. Six queries whatever it holds."""
    on = access.get_thread(viewer, thread_id)
    thread = on.thread
    messages = list(Message.objects.filter(thread=thread).prefetch_related("attachments").order_by("pk"))
    audience = thread_audience(thread)  # the family side (two queries) and the teacher
    reads = dict(ThreadRead.objects.filter(thread=thread, user_id__in=audience).values_list("user_id", "last_read_id"))
    can_mute = access.can(viewer, "thread.mute", on)
    muted = set(thread.mutes.values_list("user_id", flat=True)) if can_mute else set()
    people = _people(audience | {message.author_id for message in messages} | muted)
    family_ids = sorted(audience - {thread.teacher_id})
    rows = []
    for message in messages:
        withdrawn = message.withdrawn_at is not None
        author = people[message.author_id]
        mine = message.author_id == viewer.pk
        readers = [
            _person(people[user_id])
            for user_id in sorted(reads)
            if user_id != message.author_id and reads[user_id] >= message.pk
        ]
        rows.append(
            MessageRow(
                id=message.pk,
                author=_person(author),
                mine=mine,
                text=None if withdrawn else message.text,
                withdrawn=withdrawn,
                created_at=message.created_at,
                edited_at=message.edited_at,
                editable_until=(
                    message.created_at + EDIT_WINDOW
                    if mine and not withdrawn and now < message.created_at + EDIT_WINDOW
                    else None
                ),
                attachments=[]
                if withdrawn
                else [
                    MessageFile(name=a.name, url=reverse("messaging:attachment", args=[a.pk]), size=a.size)
                    for a in message.attachments.all()
                ],
                read_by=readers if access.can(viewer, "thread.receipts", on) else [],
            )
        )
    return ThreadView(
        id=thread.pk,
        student_id=thread.pupil.public_id,
        pupil=thread.pupil.full_name,
        school_id=thread.pupil.school_id,
        teacher=_person(thread.teacher),
        subject=thread.subject.name if thread.subject else None,
        side=str(on.side),
        muted=on.muted,
        can_mute=can_mute,
        family=[_person(people[user_id]) for user_id in family_ids if user_id in people],
        muted_ids=[people[user_id].public_id for user_id in sorted(muted) if user_id in people],
        messages=rows,
    )


@dataclass(frozen=True)
class Recipient:
    """A teacher the family may write to about the pupil: by subject, or as the form tutor."""

    teacher: ThreadPerson
    subject_id: int | None
    subject: str | None  # None: the form tutor


@dataclass(frozen=True)
class MessagingPupil:
    student_id: UUID
    name: str
    school_class: str
    school_id: int
    guardian: bool  # the viewer is the pupil's guardian (writes to a teacher), not their teacher


def messaging_pupils(*, viewer: Any) -> list[MessagingPupil]:
    """The pupils the viewer may start a thread about (a guardian's children, a teacher's pupils), by class."""
    guarded = access.related_pupils(viewer, access.Relation.GUARDIAN).filter(pk=OuterRef("pk"))
    pupils = (
        access.messaging_pupils(viewer)
        .filter(status=Pupil.Status.STUDYING)
        .annotate(guards=Exists(guarded))
        .select_related("school_class")
        .order_by("school_class__grade", "school_class__letter", "surname", "given_name", "pk")
    )
    return [
        MessagingPupil(
            student_id=p.public_id,
            name=p.full_name,
            school_class=str(p.school_class),
            school_id=p.school_id,
            guardian=p.guards,
        )
        for p in pupils
    ]


def recipients(*, viewer: Any, student_id: UUID | str) -> list[Recipient]:
    """The pupil's teachers by subject (from the timetable) and the form tutor, for a guardian of the pupil;
    NotFound for anyone else. Three queries."""
    guarded = access.related_pupils(viewer, access.Relation.GUARDIAN)
    pupil = guarded.filter(pk__in=Pupil.objects.by_public_id(student_id)).first()
    if pupil is None:
        raise NotFound()
    found: dict[tuple[int, int | None], Recipient] = {}
    tutors = access.pupil_tutors(pupil).select_related("account")
    for tutor in tutors:
        if tutor.account is not None and tutor.role == StaffMember.Role.FORM_TUTOR:
            found[(tutor.account.pk, None)] = Recipient(teacher=_person(tutor.account), subject_id=None, subject=None)
    for entry in access.pupil_staff(pupil).select_related("teacher", "subject").order_by("subject__name", "pk"):
        if entry.teacher is not None:
            found.setdefault(
                (entry.teacher.pk, entry.subject_id),
                Recipient(teacher=_person(entry.teacher), subject_id=entry.subject_id, subject=entry.subject.name),
            )
    return list(found.values())


@dataclass(frozen=True)
class DisclosedMessage:
    id: int
    author: str
    text: str
    created_at: datetime
    edited_at: datetime | None
    withdrawn_at: datetime | None
    earlier_texts: list[str]
    files: list[str]


@dataclass(frozen=True)
class Disclosure:
    thread_id: int
    pupil: str
    teacher: str
    subject: str | None
    messages: list[DisclosedMessage]


def disclosed_thread(*, thread: Thread) -> Disclosure:
    """Everything kept of a thread, for the registrar after ``services.disclose_thread`` (which checks and
    audits): withdrawn messages and earlier texts included."""
    messages = (
        Message.objects.filter(thread=thread)
        .select_related("author")
        .prefetch_related("revisions", "attachments")
        .order_by("pk")
    )
    return Disclosure(
        thread_id=thread.pk,
        pupil=thread.pupil.full_name,
        teacher=User.objects.get(pk=thread.teacher_id).full_name,
        subject=thread.subject.name if thread.subject_id and thread.subject else None,
        messages=[
            DisclosedMessage(
                id=m.pk,
                author=m.author.full_name,
                text=m.text,
                created_at=m.created_at,
                edited_at=m.edited_at,
                withdrawn_at=m.withdrawn_at,
                earlier_texts=[r.text for r in m.revisions.all()],
                files=[a.name for a in m.attachments.all()],
            )
            for m in messages
        ],
    )


def attachment_for(*, viewer: Any, attachment_id: int) -> MessageAttachment:
    """A message's file for someone on its thread, while the message is not withdrawn; else NotFound."""
    found = (
        MessageAttachment.objects.filter(
            pk=attachment_id, message__withdrawn_at__isnull=True, message__thread__in=access.visible_threads(viewer)
        )
        .only("pk", "file", "name", "content_type")
        .first()
    )
    if found is None:
        raise NotFound()
    return found
