"""Pages of announcements. Thin: read the form, call one service or selector, render.

Reading a page writes nothing: an announcement is marked read (and, where it asks so, its reading
confirmed) by the reader's own button, a POST.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

import access
from core.errors import DomainError, NotFound
from news import selectors, services
from news.forms import AnnouncementForm
from notify.quiet import held_until
from registry.models import SchoolClass


def _postable(user: Any) -> tuple[list[SchoolClass], bool]:
    """The classes the person may post to (as staff or registrar), and whether they are a registrar."""
    schools = access.registrar_school_ids(user)
    classes = SchoolClass.objects.filter(pk__in=access.announceable_classes(user).values("pk"))
    if schools:
        classes = classes | SchoolClass.objects.filter(school_id__in=schools)
    return list(classes.select_related("school").order_by("school__name", "grade", "letter")), bool(schools)


def posted_message(school_id: int) -> str:
    """What the author is told on posting: in the school's quiet hours, when the email and SMS will go."""
    release = held_until(school_id)
    if release is None:
        return _("The announcement is posted; the families are notified now.")
    return _(
        "The announcement is posted and is in the families' cabinets now; it is the school's quiet hours, so "
        "email and SMS will go at %(time)s on %(date)s."
    ) % {
        "time": timezone.localtime(release).strftime("%H:%M"),
        "date": timezone.localtime(release).strftime("%d.%m.%Y"),
    }


@login_required
@require_GET
def feed(request: HttpRequest) -> HttpResponse:
    """The school's announcements to the person's family, newest first; for staff also their own, with the
    read counts, and the button to write one."""
    classes, registrar = _postable(request.user)
    return render(
        request,
        "news/feed.html",
        {
            "feed": selectors.feed(viewer=request.user),
            "authored": selectors.authored(viewer=request.user),
            "can_post": bool(classes) or registrar,
        },
    )


@login_required
def new(request: HttpRequest) -> HttpResponse:
    classes, registrar = _postable(request.user)
    if not classes and not registrar:
        raise NotFound()
    form = AnnouncementForm(request.POST or None, classes=classes, registrar=registrar)
    posted: dict[str, Any] = {}

    def post(data: dict[str, Any]) -> None:
        posted["announcement"] = services.post_announcement(
            author=request.user,
            title=data["title"],
            body=data["body"],
            class_ids=data["class_ids"],
            grades=data.get("grades") or [],
            whole_school=bool(data.get("whole_school")),
            school_id=classes[0].school_id if registrar and classes else None,
            needs_confirmation=data["needs_confirmation"],
        )

    if request.method == "POST" and form.submit(post):
        announcement = posted["announcement"]
        messages.success(request, posted_message(announcement.school_id))
        if announcement.needs_confirmation:
            return redirect("news:receipts", announcement_id=announcement.pk)
        return redirect("news:feed")
    return render(request, "news/new.html", {"form": form})


@login_required
@require_POST
def read(request: HttpRequest, announcement_id: int) -> HttpResponse:
    services.mark_read(reader=request.user, announcement_id=announcement_id)
    return redirect(f"{reverse('news:feed')}#announcement-{announcement_id}")


@login_required
@require_GET
def receipts(request: HttpRequest, announcement_id: int) -> HttpResponse:
    found = selectors.receipts(viewer=request.user, announcement_id=announcement_id)
    return render(request, "news/receipts.html", {"receipts": found})


@login_required
@require_POST
def remind(request: HttpRequest, announcement_id: int) -> HttpResponse:
    try:
        families = services.remind_unconfirmed(author=request.user, announcement_id=announcement_id)
    except DomainError as error:
        messages.error(request, error.message, extra_tags=error.code)
    else:
        messages.success(
            request,
            ngettext(
                "The reminder is sent to %(count)d family.", "The reminder is sent to %(count)d families.", families
            )
            % {"count": families},
        )
    return redirect("news:receipts", announcement_id=announcement_id)
