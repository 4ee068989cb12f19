"""Web pages of the trusted-persons service: the guardian's list of a child's trusted persons (invite,
revoke, the view log), the catalogue service that starts there, and the invitee's «Подписки».

Thin: read the form, call one service or selector (they decide who may; "not yours" is a 404), render.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import DomainError
from diary.family import family_context
from diary.selectors import student_row
from portal.web import signed_in_user
from trust import forms, selectors, services
from trust.models import Grant

LIVE_STATES = {str(state) for state in Grant.LIVE_STATES}


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _invited_message(request: HttpRequest) -> None:
    # Never says whether such an account exists: the inviter must not learn who is registered.
    messages.success(
        request,
        _(
            "The invitation is made. It reaches the person if they have a portal account with this surname and "
            "SNILS or mobile phone (now or once they register); they find it in «Subscriptions». Access opens "
            "within a day after they accept."
        ),
    )


def _section_label(section: str) -> str:
    try:
        return str(Grant.Service(section).label)
    except ValueError:
        return section


@login_required
def student(request: HttpRequest, student_id: UUID) -> HttpResponse:
    """«Добавить доверенных лиц для просмотра дневника»: invite, the list with states, the view log."""
    user = signed_in_user(request)
    pupil, rows = selectors.student_grants(viewer=user, student_id=student_id)
    form = forms.InviteForm(_posted(request))
    if form.is_bound and form.submit(
        lambda data: services.invite_trusted_person(
            inviter=user,
            student_id=student_id,
            **form.invitation(),
        )
    ):
        _invited_message(request)
        return redirect("trust:student", student_id=student_id)
    services.flush_views()  # the reads noted in the spool first: the log is never behind
    views = [
        {"view": view, "section": _section_label(view.section)}
        for view in selectors.view_log(viewer=user, student_id=student_id)
    ]
    return render(
        request,
        "trust/student.html",
        {
            **family_context(request, student_id, "trusted"),
            "student": student_row(pupil),
            "form": form,
            "rows": [{"row": row} for row in rows],
            "live_states": LIVE_STATES,
            "views": views,
        },
    )


@login_required
def service(request: HttpRequest) -> HttpResponse:
    """The catalogue service «Предоставить доступ к электронному дневнику и сведениям о посещении и питании
    ребенка»: choose one's own child, then the same invitation."""
    user = signed_in_user(request)
    children = selectors.invitable_children(user=user)
    if not children:
        return render(request, "trust/service.html", {"form": None, "is_minor": user.is_minor})
    form = forms.ServiceInviteForm(_posted(request), children=children)
    if form.is_bound and form.submit(
        lambda data: services.invite_trusted_person(
            inviter=user,
            student_id=data["student"],
            **form.invitation(),
        )
    ):
        _invited_message(request)
        return redirect("trust:student", student_id=form.cleaned_data["student"])
    return render(request, "trust/service.html", {"form": form, "is_minor": False})


@login_required
@require_POST
def revoke(request: HttpRequest, grant_id: int) -> HttpResponse:
    user = signed_in_user(request)
    try:
        grant = services.revoke_grant(user=user, grant_id=grant_id)
    except DomainError as error:  # already ended, e.g. revoked by the other guardian a moment ago
        messages.error(request, error.message, extra_tags=error.code)
        return _back_to_student(request.POST.get("student_id", ""))
    messages.success(request, _("Access is revoked. The trusted person no longer sees the child's data."))
    return redirect("trust:student", student_id=grant.pupil.public_id)


def _back_to_student(raw: str) -> HttpResponse:
    """The list the revoke came from; the page itself checks who may see it."""
    try:
        return redirect("trust:student", student_id=UUID(raw))
    except ValueError:
        return redirect("diary:home")


def _subscription(row: selectors.GrantRow) -> dict[str, Any]:
    """An entry of «Подписки» with the link to what it opens (the selector names the child only while open)."""
    link = ""
    if row.student_id:
        public_id = UUID(row.student_id)
        if row.service == Grant.Service.DIARY:
            link = reverse("diary:week", args=[public_id])
        else:
            link = reverse("visits:visits", args=[public_id])
    return {"row": row, "link": link}


@login_required
def subscriptions(request: HttpRequest) -> HttpResponse:
    """«Подписки»: invitations addressed to the person and the access they hold."""
    groups: dict[str, list[dict[str, Any]]] = {"invitations": [], "current": [], "ended": []}
    for row in selectors.inbox(user=signed_in_user(request)):
        # The row's state is as shown: past its end date a grant is "ended", an old invitation "expired".
        if row.state == Grant.State.PENDING:
            groups["invitations"].append(_subscription(row))
        elif row.state in LIVE_STATES:
            groups["current"].append(_subscription(row))
        else:
            groups["ended"].append({"row": row})
    return render(request, "trust/subscriptions.html", groups)


def _answer(request: HttpRequest, action: Any, grant_id: int, done: str) -> HttpResponse:
    try:
        action(user=signed_in_user(request), grant_id=grant_id)
    except DomainError as error:  # answered already, or a minor who may not be trusted
        messages.error(request, error.message, extra_tags=error.code)
    else:
        messages.success(request, done)
    return redirect("trust:subscriptions")


@login_required
@require_POST
def accept(request: HttpRequest, grant_id: int) -> HttpResponse:
    return _answer(
        request,
        services.accept_invitation,
        grant_id,
        _("The invitation is accepted. Access opens within a day; we will let you know."),
    )


@login_required
@require_POST
def decline(request: HttpRequest, grant_id: int) -> HttpResponse:
    return _answer(request, services.decline_invitation, grant_id, _("The invitation is declined."))


@login_required
@require_POST
def leave(request: HttpRequest, grant_id: int) -> HttpResponse:
    return _answer(request, services.leave_grant, grant_id, _("You have given up the access."))
