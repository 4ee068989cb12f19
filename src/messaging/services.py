"""Writes of messages: start a thread, post, edit (within 15 minutes), withdraw, mark read, mute, and the
registrar's disclosure of a thread on a written request.

Who may do each is a rule of ``access`` (``thread.*``, ``message.change``); what makes a message acceptable
(its text, its files, the edit window) is said here, with ``MessagingCode``. Each write is one transaction
with an audit event; the other side is told through ``notify`` after the commit (in-app at once; email and
SMS as ``notify`` delivers them).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import access
from audit.services import record_event
from core.errors import Conflict, DomainError, NotFound
from core.uploads import UploadCodes, check_files, content_type, stored_name
from messaging.errors import MessagingCode
from messaging.models import Message, MessageAttachment, MessageRevision, Thread, ThreadMute, ThreadRead
from notify.models import Kind
from notify.quiet import held_until
from notify.services import in_site_language, notify
from portal.models import User
from portal.names import about
from registry.models import Pupil

TEXT_MAX_LENGTH = 4000
EDIT_WINDOW = timedelta(minutes=15)
REFERENCE_MAX_LENGTH = 200
PREVIEW_LENGTH = 200
ATTACHMENT_CODES = UploadCodes(
    too_many=MessagingCode.TOO_MANY_ATTACHMENTS,
    empty=MessagingCode.ATTACHMENT_EMPTY,
    too_large=MessagingCode.ATTACHMENT_TOO_LARGE,
    wrong_type=MessagingCode.ATTACHMENT_TYPE,
    too_many_message=gettext_lazy("At most 5 files can be attached to a message."),
)


def _clean_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise DomainError(MessagingCode.MESSAGE_TEXT_REQUIRED, _("Write the message."), field="text")
    if len(text) > TEXT_MAX_LENGTH:
        raise DomainError(
            MessagingCode.MESSAGE_TEXT_TOO_LONG,
            _("A message can be at most %(limit)d characters long.") % {"limit": TEXT_MAX_LENGTH},
            field="text",
        )
    return text


def _add_message(*, thread: Thread, author: User, text: str, files: Sequence[UploadedFile]) -> Message:
    check_files(files, already=0, codes=ATTACHMENT_CODES)
    now = timezone.now()
    message = Message.objects.create(thread=thread, author=author, text=text, created_at=now)
    names = []
    for upload in files:
        attachment = MessageAttachment(
            message=message, name=stored_name(upload), size=upload.size or 0, content_type=content_type(upload)
        )
        # Everything is validated before the first file is stored (as homework files are).
        attachment.file.save(attachment.name, upload, save=False)
        attachment.save()
        names.append(attachment.name)
    Thread.objects.filter(pk=thread.pk).update(last_message_at=now)
    # The author has read their own message: their receipt moves with it.
    ThreadRead.objects.update_or_create(thread=thread, user=author, defaults={"last_read": message, "read_at": now})
    record_event(
        actor=author, action="messaging.message_posted", target=message, thread_id=thread.pk, files_added=names
    )
    _announce(thread=thread, message=message)
    return message


def thread_audience(thread: Thread) -> set[int]:
    """Everyone on the thread now: the pupil's family side and the thread's teacher."""
    family = access.family_readers([thread.pupil_id], access.MESSAGES)[thread.pupil_id]
    return {*family, thread.teacher_id}


def _announce(*, thread: Thread, message: Message) -> None:
    pupil = thread.pupil
    author = message.author
    with in_site_language():
        notify(
            kind=Kind.MESSAGE,
            user_ids=thread_audience(thread) - {author.pk},
            subject=_("New message %(about)s") % {"about": about(pupil.full_name)},
            body=f"{author.full_name}: {message.text[:PREVIEW_LENGTH]}",
            link=reverse("messaging:thread", args=[thread.pk]),
            # Email and SMS written in the school's quiet hours wait for the morning; the in-app entry does not.
            school_id=pupil.school_id,
        )


def family_notified_at(*, school_id: int, at: datetime | None = None) -> datetime | None:
    """When the email and SMS about a message written ``at`` (now) in a thread of the school go out, if its
    quiet hours hold them; None: at once."""
    return held_until(school_id, at)


@transaction.atomic
def start_thread(
    *,
    author: User,
    student_id: UUID | str,
    text: str,
    teacher_id: UUID | str | None = None,
    subject_id: int | None = None,
    files: Sequence[UploadedFile] = (),
) -> Thread:
    """Open a thread about the pupil with its first message.

    A guardian names the teacher (``teacher_id``, their public id) and the subject they teach the pupil (none:
    the form tutor); a teacher of the pupil names nobody (the thread is theirs, with the family).
    """
    pupil = access.messaging_pupils(author).filter(pk__in=Pupil.objects.by_public_id(student_id)).first()
    if pupil is None:
        raise NotFound()
    text = _clean_text(text)
    if teacher_id is None or str(teacher_id) == str(author.public_id):
        new = access.NewThread(pupil=pupil, teacher=author, subject_id=subject_id)
        allowed = access.can(author, "thread.start.school", new)
    else:
        teacher_uuid = _uuid(teacher_id)
        teacher = User.objects.filter(public_id=teacher_uuid, is_active=True).first() if teacher_uuid else None
        new = access.NewThread(pupil=pupil, teacher=teacher or author, subject_id=subject_id)
        allowed = teacher is not None and access.can(author, "thread.start.family", new)
    if not allowed:
        raise DomainError(
            MessagingCode.INVALID_RECIPIENT,
            _("Choose one of the pupil's teachers and the subject they teach."),
            field="teacher_id",
        )
    thread = Thread.objects.create(pupil=pupil, teacher=new.teacher, subject_id=subject_id, started_by=author)
    record_event(actor=author, action="messaging.thread_started", target=thread, pupil_id=pupil.pk)
    _add_message(thread=thread, author=author, text=text, files=files)
    return thread


def _uuid(value: UUID | str) -> UUID | None:
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except ValueError:
        return None


def _on_thread(user: User, thread_id: int) -> access.ThreadAccess:
    return access.get_thread(user, thread_id)


@transaction.atomic
def post_message(*, author: User, thread_id: int, text: str, files: Sequence[UploadedFile] = ()) -> Message:
    """A new message in a thread the author is on; a muted person is refused (``muted``)."""
    on = _on_thread(author, thread_id)
    if not access.can(author, "thread.write", on):
        raise Conflict(MessagingCode.MUTED, _("The school has muted you in this conversation."))
    return _add_message(thread=on.thread, author=author, text=_clean_text(text), files=files)


def _own_message(author: User, message_id: int) -> Message:
    message = (
        Message.objects.select_for_update(of=("self",))
        .filter(thread__in=access.visible_threads(author), pk=message_id)
        .first()
    )
    return access.require(author, "message.change", message)


@transaction.atomic
def edit_message(*, author: User, message_id: int, text: str) -> Message:
    """Change the text of one's own message within 15 minutes of writing it; the earlier text is kept."""
    message = _own_message(author, message_id)
    if message.withdrawn_at is not None:
        raise Conflict(MessagingCode.MESSAGE_WITHDRAWN, _("The message has been withdrawn."))
    now = timezone.now()
    if now - message.created_at > EDIT_WINDOW:
        raise Conflict(
            MessagingCode.EDIT_WINDOW_CLOSED,
            _("A message can be edited only within 15 minutes of sending it; it can still be withdrawn."),
        )
    text = _clean_text(text)
    if text == message.text:
        return message
    MessageRevision.objects.create(message=message, text=message.text, replaced_at=now)
    message.text, message.edited_at = text, now
    message.save(update_fields=["text", "edited_at"])
    record_event(actor=author, action="messaging.message_edited", target=message, thread_id=message.thread_id)
    return message


@transaction.atomic
def withdraw_message(*, author: User, message_id: int) -> Message:
    """Withdraw one's own message: the thread shows «Сообщение отозвано»; the text and files are kept for the
    school's retention, but served to nobody but the registrar on a written request."""
    message = _own_message(author, message_id)
    if message.withdrawn_at is None:
        message.withdrawn_at = timezone.now()
        message.save(update_fields=["withdrawn_at"])
        record_event(actor=author, action="messaging.message_withdrawn", target=message, thread_id=message.thread_id)
    return message


def mark_thread_read(*, user: User, thread_id: int) -> bool:
    """Move the person's read receipt to the thread's last message; False when there was nothing new.

    Called by the thread page (the page a person reads it on) and the API's ``read``; no audit: a receipt is
    the record itself.
    """
    on = _on_thread(user, thread_id)
    last = Message.objects.filter(thread=on.thread).order_by("-pk").values_list("pk", flat=True).first()
    if last is None:
        return False
    moved = ThreadRead.objects.filter(thread=on.thread, user=user, last_read_id__lt=last).update(
        last_read_id=last, read_at=timezone.now()
    )
    if moved:
        return True
    _, created = ThreadRead.objects.get_or_create(thread=on.thread, user=user, defaults={"last_read_id": last})
    return created


@transaction.atomic
def set_mute(*, by: User, thread_id: int, user_id: UUID | str, muted: bool) -> bool:
    """The school side mutes (or unmutes) a person of the thread's family side; returns whether it changed."""
    on = access.require(by, "thread.mute", _on_thread(by, thread_id))
    target_uuid = _uuid(user_id)
    target = User.objects.filter(public_id=target_uuid).first() if target_uuid else None
    family = access.family_readers([on.thread.pupil_id], access.MESSAGES)[on.thread.pupil_id]
    if target is None or target.pk not in family:
        raise DomainError(
            MessagingCode.NOT_MUTABLE, _("Only a person of the family side can be muted."), field="user_id"
        )
    if muted:
        changed = ThreadMute.objects.get_or_create(thread=on.thread, user=target, defaults={"muted_by": by})[1]
    else:
        changed = ThreadMute.objects.filter(thread=on.thread, user=target).delete()[0] > 0
    if changed:
        record_event(
            actor=by,
            action="messaging.muted" if muted else "messaging.unmuted",
            target=on.thread,
            user_id=target.pk,
        )
    return changed


@transaction.atomic
def disclose_thread(*, registrar: Any, thread_id: int, reference: str) -> Thread:
    """The registrar opens a thread of their school on a written request (its reference is required and kept
    in the audit event): every message, withdrawn and earlier texts too. No list leads here."""
    thread = access.require(
        registrar, "thread.disclose", Thread.objects.select_related("pupil").filter(pk=thread_id).first()
    )
    reference = (reference or "").strip()
    if not reference:
        raise DomainError(
            MessagingCode.REQUEST_REFERENCE_REQUIRED,
            _("State the reference of the written request (its number and date)."),
            field="reference",
        )
    if len(reference) > REFERENCE_MAX_LENGTH:
        raise DomainError(MessagingCode.REQUEST_REFERENCE_REQUIRED, _("The reference is too long."), field="reference")
    record_event(
        actor=registrar,
        action="messaging.thread_disclosed",
        target=thread,
        reference=reference,
        pupil_id=thread.pupil_id,
    )
    return thread
