"""The messages pages: the list of threads, a thread with its read receipts, a new thread (pick the child,
then the teacher by subject), and the thread's actions (reply, edit, withdraw, mute). Thin: every page asks
``selectors`` or ``services``, which ask ``access``; anyone not on a thread gets 404."""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError
from core.uploads import serve
from messaging import selectors, services
from messaging.forms import MessageForm, NewThreadForm
from messaging.models import Message, Thread
from portal.web import signed_in_user


@login_required
@require_GET
def thread_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    return render(request, "messaging/list.html", {"threads": selectors.thread_list(viewer=user)})


def _told_when(request: HttpRequest, thread: Thread) -> None:
    """A teacher writing in the school's quiet hours learns when the family's email and SMS go out."""
    held = services.family_notified_at(school_id=thread.pupil.school_id)
    if held is not None:
        messages.info(request, _quiet_note(held))


def _quiet_note(held: datetime) -> str:
    return _("The family will get the notification by email and SMS at %(time)s.") % {
        "time": timezone.localtime(held).strftime("%H:%M")
    }


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def new_thread(request: HttpRequest) -> HttpResponse:
    """Step one: the child (or the pupil); step two, for a guardian: the teacher by subject, and the message."""
    user = signed_in_user(request)
    pupils = selectors.messaging_pupils(viewer=user)
    chosen = request.GET.get("student", "")
    pupil = next((p for p in pupils if str(p.student_id) == chosen), None)
    if pupil is None:
        if len(pupils) == 1 and not chosen:
            pupil = pupils[0]
        else:
            return render(request, "messaging/choose_pupil.html", {"pupils": pupils})
    guardian = pupil.guardian
    recipients = selectors.recipients(viewer=user, student_id=pupil.student_id) if guardian else []
    data, files = (request.POST, request.FILES) if request.method == "POST" else (None, None)
    form: MessageForm = NewThreadForm(data, files, recipients=recipients) if guardian else MessageForm(data, files)
    created: list[Thread] = []

    def start(cleaned: dict[str, object]) -> None:
        teacher_id, subject_id = form.recipient() if isinstance(form, NewThreadForm) else (None, None)
        thread = services.start_thread(
            author=user,
            student_id=pupil.student_id,
            teacher_id=teacher_id,
            subject_id=subject_id,
            text=str(cleaned["text"]),
            files=form.uploads(),
        )
        created.append(thread)

    if form.is_bound and form.submit(start):
        if not guardian:
            _told_when(request, created[0])
        return redirect("messaging:thread", thread_id=created[0].pk)
    held = None if guardian else services.family_notified_at(school_id=pupil.school_id)
    context = {"form": form, "pupil": pupil, "guardian": guardian, "pupils": pupils}
    return render(request, "messaging/new.html", {**context, "quiet_note": _quiet_note(held) if held else ""})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def thread(request: HttpRequest, thread_id: int) -> HttpResponse:
    """The thread; opening it moves the reader's receipt (a write the reader's own page makes, nowhere else)."""
    user = signed_in_user(request)
    form = MessageForm(request.POST if request.method == "POST" else None, request.FILES or None)
    posted: list[Message] = []
    if form.is_bound:
        if form.submit(
            lambda data: posted.append(
                services.post_message(author=user, thread_id=thread_id, text=str(data["text"]), files=form.uploads())
            )
        ):
            if posted[0].thread.teacher_id == user.pk:
                _told_when(request, posted[0].thread)
            return redirect("messaging:thread", thread_id=thread_id)
    else:
        services.mark_thread_read(user=user, thread_id=thread_id)
    view = selectors.thread_view(viewer=user, thread_id=thread_id, now=timezone.now())
    # Said before the teacher writes, too: the school's quiet hours hold the family's email and SMS.
    held = services.family_notified_at(school_id=view.school_id) if view.side == "school" else None
    return render(
        request,
        "messaging/thread.html",
        {"thread": view, "form": form, "quiet_note": _quiet_note(held) if held else ""},
    )


@login_required
@require_POST
def edit(request: HttpRequest, thread_id: int, message_id: int) -> HttpResponse:
    user = signed_in_user(request)
    selectors.thread_view(viewer=user, thread_id=thread_id, now=timezone.now())  # 404 when not on the thread
    try:
        services.edit_message(author=user, message_id=message_id, text=request.POST.get("text", ""))
    except DomainError as error:
        messages.error(request, str(error.message))
    return redirect("messaging:thread", thread_id=thread_id)


@login_required
@require_POST
def withdraw(request: HttpRequest, thread_id: int, message_id: int) -> HttpResponse:
    user = signed_in_user(request)
    services.withdraw_message(author=user, message_id=message_id)
    messages.success(request, _("The message has been withdrawn."))
    return redirect("messaging:thread", thread_id=thread_id)


@login_required
@require_POST
def mute(request: HttpRequest, thread_id: int) -> HttpResponse:
    user = signed_in_user(request)
    try:
        services.set_mute(
            by=user, thread_id=thread_id, user_id=request.POST.get("user", ""), muted=request.POST.get("muted") == "1"
        )
    except DomainError as error:
        messages.error(request, str(error.message))
    return redirect("messaging:thread", thread_id=thread_id)


@login_required
@require_GET
def attachment(request: HttpRequest, attachment_id: int) -> FileResponse:
    """A message's file, for those on its thread while the message stands (never a public media URL)."""
    found = selectors.attachment_for(viewer=signed_in_user(request), attachment_id=attachment_id)
    return serve(found.file, name=found.name, content_type=found.content_type)
