"""«Мои данные» in the JSON API: the export of one's own data or a child's, and the processing terms.

The same services and access as the pages (``privacy.services``): a person exports their own data, a linked
guardian a child's (anyone else: 404); the archive is downloaded once, within 24 hours, by the requester only.
An archive holds everything the service keeps (the diary, visits, messages, notifications…), more than any
other scope reads, so it has a scope of its own, ``export``. Accepting the terms is a legal act of the person,
not part of "recognising you" (``openid``): it has the scope ``consent``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status

from core.bounds import StudentId
from portal.oidc import api_auth
from portal.web import api_user
from privacy import selectors, services
from privacy.selectors import ExportRow, TermsStatus

exports = Router(tags=["privacy"], auth=api_auth("export"))
terms = Router(tags=["privacy"], auth=api_auth("consent"))
router = Router()
router.add_router("", exports)
router.add_router("", terms)


@exports.post(
    "/me/exports",
    response={202: ExportRow},
    url_name="my_exports",
    summary="Ask for an archive of all the data about the caller; the task worker builds it",
)
def request_own_export(request: HttpRequest) -> Any:
    export = services.request_export(account=api_user(request))
    return Status(202, selectors.export_row(export))


@exports.post(
    "/students/{student_id}/exports",
    response={202: ExportRow},
    url_name="student_exports",
    summary="Ask for an archive of all the data about a child (a linked guardian only)",
)
def request_child_export(request: HttpRequest, student_id: UUID) -> Any:
    export = services.request_export(account=api_user(request), student_id=student_id)
    return Status(202, selectors.export_row(export))


@exports.get(
    "/exports/{export_id}",
    response=ExportRow,
    url_name="export",
    summary="The state and progress of the caller's export; the one-time download link once it is ready",
)
def export(request: HttpRequest, export_id: UUID) -> ExportRow:
    return selectors.export_row(services.own_export(account=api_user(request), export_id=export_id))


@exports.post(
    "/exports/{export_id}/retry",
    response={202: ExportRow},
    url_name="export_retry",
    summary="Build a failed export again (409 export_not_failed otherwise)",
)
def retry(request: HttpRequest, export_id: UUID) -> Any:
    export = services.retry_export(account=api_user(request), export_id=export_id)
    return Status(202, selectors.export_row(export))


@exports.get(
    "/exports/{export_id}/download",
    response={200: None},
    url_name="export_download",
    summary="The archive (application/zip), once: the link works a single time and for 24 hours",
    openapi_extra={"responses": {200: {"description": "The ZIP archive", "content": {"application/zip": {}}}}},
)
def download(request: HttpRequest, export_id: UUID) -> HttpResponse:
    content = services.take_download(account=api_user(request), export_id=export_id)
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="dnevnik-data-{export_id}.zip"'
    response["Cache-Control"] = "no-store"
    return response


class AcceptIn(Schema):
    version: str = Field(..., min_length=1, max_length=32)  # the version the person was shown
    student_id: StudentId | None = None  # a guardian's consent for this child's data; absent: for oneself


class AcceptanceOut(Schema):
    version: str
    for_child: bool
    student_id: str | None
    at: datetime
    via: str


@terms.get(
    "/terms",
    response=TermsStatus,
    url_name="terms",
    summary="The current processing terms, whether the caller accepted them, and children still without consent",
)
def current_terms(request: HttpRequest) -> TermsStatus:
    return selectors.terms_status(viewer=api_user(request))


@terms.post(
    "/terms/accept",
    response=AcceptanceOut,
    url_name="terms_accept",
    summary="Accept the current terms (recorded «how: api»): for oneself, or as a guardian for a child's data",
)
def accept(request: HttpRequest, payload: AcceptIn) -> AcceptanceOut:
    acceptance = services.accept_terms(
        account=api_user(request), via="api", version=payload.version, student_id=payload.student_id
    )
    return AcceptanceOut(
        version=payload.version,  # the current one: an older one is refused
        for_child=acceptance.for_child,
        student_id=str(acceptance.pupil.public_id) if acceptance.pupil else None,
        at=acceptance.at,
        via=acceptance.via,
    )
