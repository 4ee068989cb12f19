"""The registrar's access to a thread on a written request: a page of the registry's back office.

There is no list of threads to browse: the registrar types the thread's number and the reference of the
written request (a court's, the family's, the guardianship authority's), and only then sees the thread, with
withdrawn messages and earlier texts; the request is an audit event (``messaging.thread_disclosed``).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from core.forms import DomainForm
from messaging import selectors, services
from registry.backoffice import backoffice


class DisclosureForm(DomainForm):
    thread = forms.IntegerField(label=_("Conversation number"), min_value=1, max_value=2**63 - 1)
    reference = forms.CharField(
        label=_("Written request"),
        max_length=services.REFERENCE_MAX_LENGTH,
        help_text=_("The number and date of the written request, e.g. «вх. № 12/3 от 01.12.2026»."),
    )


def disclose_view(request: HttpRequest) -> HttpResponse:
    form = DisclosureForm(request.POST or None)
    context: dict[str, Any] = {
        **backoffice.each_context(request),
        "form": form,
        "title": _("A conversation on a written request"),
    }
    found: list[Any] = []
    if request.method == "POST" and form.submit(
        lambda data: found.append(
            services.disclose_thread(registrar=request.user, thread_id=data["thread"], reference=data["reference"])
        )
    ):
        context["disclosure"] = selectors.disclosed_thread(thread=found[0])
        context["reference"] = form.cleaned_data["reference"]
    return TemplateResponse(request, "messaging/backoffice/disclose.html", context)


backoffice.register_page("messages/disclose/", disclose_view, "messaging_disclose")
