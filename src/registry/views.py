"""Cabinet pages of «Передайте свои данные в школу»: thin wrappers that read a form, call one service and render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from portal.web import signed_in_user
from registry import linking, selectors
from registry.forms import LinkRequestForm
from registry.models import LinkRequest


@login_required
def school(request: HttpRequest) -> HttpResponse:
    """The person's links to the registry and their requests, each with its state and what to do."""
    return render(request, "registry/school.html", {"links": selectors.school_links(viewer=signed_in_user(request))})


@login_required
def link(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    form = LinkRequestForm(request.POST if request.method == "POST" else None)
    outcome: list[LinkRequest] = []

    def ask(data: dict[str, Any]) -> None:
        outcome.append(
            linking.request_link(
                user=user,
                kind=data["kind"],
                school_id=data["school"].pk,
                child_surname=data["child_surname"],
                child_given_name=data["child_given_name"],
                child_patronymic=data["child_patronymic"],
                child_birth_date=data["child_birth_date"],
                consent_via="web" if data.get("child_consent") else None,
            )
        )

    if form.is_bound and form.submit(ask):
        if outcome[0].state == LinkRequest.State.LINKED:
            messages.success(
                request, _("Your data matches the school's records: the account is linked."), extra_tags="linked"
            )
        else:
            messages.info(
                request,
                _("Your request is with the school. See below what does not match and what to do."),
                extra_tags="pending",
            )
        return redirect("registry:school")
    return render(
        request,
        "registry/link.html",
        {
            "form": form,
            "contacts_confirmed": user.contacts_confirmed,
            "birth_date_given": user.birth_date is not None,
        },
    )
