"""«Мои данные» (``/cabinet/data/``): what is kept, consents, audit events; the export and its download."""

from __future__ import annotations

from uuid import UUID

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from core.errors import DomainError
from portal.web import signed_in_user
from privacy import selectors, services
from privacy.models import DataExport


@login_required
def my_data(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    data = selectors.my_data(viewer=user, page=request.GET.get("page", 1))
    exports = DataExport.objects.filter(account=user).select_related("pupil")[:5]
    return render(request, "privacy/my_data.html", {"data": data, "exports": exports})


@login_required
@require_POST
def request_export(request: HttpRequest) -> HttpResponse:
    """All the data about the signed-in person."""
    services.request_export(account=signed_in_user(request))
    return redirect("privacy:my_data")


@login_required
@require_POST
def request_child_export(request: HttpRequest, student_id: UUID) -> HttpResponse:
    """All the data about a child, for a linked guardian (404 for anyone else)."""
    services.request_export(account=signed_in_user(request), student_id=student_id)
    return redirect("privacy:my_data")


@login_required
@require_POST
def retry_export(request: HttpRequest, export_id: UUID) -> HttpResponse:
    """Build a failed archive again (the requester's own; 404 for anyone else's). One that is not failed (a
    second click after the first retry) is said so on the page."""
    try:
        services.retry_export(account=signed_in_user(request), export_id=export_id)
    except DomainError as error:
        messages.error(request, str(error.message))
    return redirect("privacy:my_data")


class ChildConsentForm(forms.Form):
    consent = forms.BooleanField()


@login_required
@require_POST
def child_consent(request: HttpRequest, student_id: UUID) -> HttpResponse:
    """A linked guardian's consent to the processing of the child's data, given in «Мои данные» (404 for anyone
    who is not the child's linked guardian, with the box ticked or not)."""
    user = signed_in_user(request)
    if not ChildConsentForm(request.POST).is_valid():
        services.consenting_guardian(account=user, student_id=student_id)  # a stranger learns nothing: 404
        messages.error(request, _("Tick the box to give the consent."))
        return redirect("privacy:my_data")
    services.accept_terms(account=user, via="web", student_id=student_id)
    messages.success(request, _("Thank you: your consent for the child's data is recorded."))
    return redirect("privacy:my_data")


@login_required
@never_cache
def export_status(request: HttpRequest, export_id: UUID) -> JsonResponse:
    """What the page polls while the worker builds the archive."""
    export = services.own_export(account=signed_in_user(request), export_id=export_id)
    return JsonResponse({"state": export.state, "progress": export.progress})


@login_required
@never_cache
def download(request: HttpRequest, export_id: UUID) -> HttpResponse:
    content = services.take_download(account=signed_in_user(request), export_id=export_id)
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="dnevnik-data-{export_id}.zip"'
    return response
