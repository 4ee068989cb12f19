"""JSON API of messages (``/api/v1/threads…``): the same selectors and services as the pages.

Scope ``messages``: a conversation with the school is a consent of its own (it quotes what families and
teachers wrote about a child). Reading a thread writes nothing; the app moves its receipt with ``…/read``.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema

from core.bounds import DbId, StudentId
from core.errors import NotFound
from messaging import selectors, services
from portal.oidc import api_auth
from portal.web import api_user

router = Router(tags=["messages"], auth=api_auth("messages"))

# No bound in the schema: the service's own (``message_text_too_long``, field ``text``) answers the API and the
# pages alike; the request body's size is bounded by ``DATA_UPLOAD_MAX_MEMORY_SIZE``.
# The service refuses a text over its limit with a named code; the schema only bounds what a parser accepts.
Text = Field(..., max_length=4 * services.TEXT_MAX_LENGTH, description=f"At most {services.TEXT_MAX_LENGTH} characters")


class ThreadIn(Schema):
    student_id: StudentId
    text: str = Text
    teacher_id: str | None = Field(None, max_length=64)  # a guardian: one of ``recipients``; a teacher: none
    subject_id: DbId | None = None


class MessageIn(Schema):
    text: str = Text


class MuteIn(Schema):
    user_id: str = Field(..., max_length=64)
    muted: bool


class ReadThreadOut(Schema):
    moved: bool


class MuteOut(Schema):
    changed: bool


class MessagePostedOut(Schema):
    thread_id: int
    message_id: int
    # When the family's email and SMS go out, if the school's quiet hours hold them; null: at once.
    family_notified_at: str | None = None


@router.get(
    "/threads", response=list[selectors.ThreadRow], url_name="threads", summary="The caller's threads, latest first"
)
def threads(request: HttpRequest) -> Any:
    return selectors.thread_list(viewer=api_user(request))


def _posted(thread: Any, message_id: int, user: Any) -> dict[str, Any]:
    held = services.family_notified_at(school_id=thread.pupil.school_id) if thread.teacher_id == user.pk else None
    return {"thread_id": thread.pk, "message_id": message_id, "family_notified_at": held.isoformat() if held else None}


@router.post(
    "/threads",
    response={201: MessagePostedOut},
    url_name="thread_start",
    summary="Start a thread about a pupil: a guardian with a teacher by subject, a teacher with the family",
)
def start(request: HttpRequest, payload: ThreadIn) -> Any:
    user = api_user(request)
    thread = services.start_thread(
        author=user,
        student_id=payload.student_id,
        teacher_id=payload.teacher_id,
        subject_id=payload.subject_id,
        text=payload.text,
    )
    return 201, _posted(thread, thread.messages.order_by("pk").values_list("pk", flat=True).first() or 0, user)


@router.get(
    "/threads/recipients",
    response=list[selectors.Recipient],
    url_name="thread_recipients",
    summary="The teachers (by subject) and the form tutor a guardian may write to about the pupil",
)
def recipients(request: HttpRequest, student_id: StudentId) -> Any:
    return selectors.recipients(viewer=api_user(request), student_id=student_id)


@router.get(
    "/threads/{thread_id}",
    response=selectors.ThreadView,
    url_name="thread",
    summary="One thread: messages (withdrawn ones without text), files, and who has read each",
)
def thread(request: HttpRequest, thread_id: DbId) -> Any:
    return selectors.thread_view(viewer=api_user(request), thread_id=thread_id, now=timezone.now())


@router.post(
    "/threads/{thread_id}/messages",
    response={201: MessagePostedOut},
    url_name="thread_post",
    summary="Write in a thread (refused with `muted` for a person the school muted there)",
)
def post(request: HttpRequest, thread_id: DbId, payload: MessageIn) -> Any:
    user = api_user(request)
    message = services.post_message(author=user, thread_id=thread_id, text=payload.text)
    return 201, _posted(message.thread, message.pk, user)


@router.post(
    "/threads/{thread_id}/read",
    response=ReadThreadOut,
    url_name="thread_read",
    summary="Move the caller's read receipt to the thread's last message",
)
def read(request: HttpRequest, thread_id: DbId) -> Any:
    return {"moved": services.mark_thread_read(user=api_user(request), thread_id=thread_id)}


@router.patch(
    "/threads/{thread_id}/messages/{message_id}",
    response=selectors.MessageRow,
    url_name="message_edit",
    summary="Edit one's own message within 15 minutes (then `edit_window_closed`)",
)
def edit(request: HttpRequest, thread_id: DbId, message_id: DbId, payload: MessageIn) -> Any:
    user = api_user(request)
    services.edit_message(author=user, message_id=message_id, text=payload.text)
    return _row(user, thread_id, message_id)


@router.post(
    "/threads/{thread_id}/messages/{message_id}/withdraw",
    response=selectors.MessageRow,
    url_name="message_withdraw",
    summary="Withdraw one's own message: shown as withdrawn, its text and files no longer served",
)
def withdraw(request: HttpRequest, thread_id: DbId, message_id: DbId) -> Any:
    user = api_user(request)
    services.withdraw_message(author=user, message_id=message_id)
    return _row(user, thread_id, message_id)


def _row(user: Any, thread_id: int, message_id: int) -> selectors.MessageRow:
    view = selectors.thread_view(viewer=user, thread_id=thread_id, now=timezone.now())
    row = next((row for row in view.messages if row.id == message_id), None)
    if row is None:
        raise NotFound()
    return row


@router.put(
    "/threads/{thread_id}/mutes",
    response=MuteOut,
    url_name="thread_mute",
    summary="The school side mutes or unmutes a person of the family side in the thread",
)
def mute(request: HttpRequest, thread_id: DbId, payload: MuteIn) -> Any:
    changed = services.set_mute(by=api_user(request), thread_id=thread_id, user_id=payload.user_id, muted=payload.muted)
    return {"changed": changed}
