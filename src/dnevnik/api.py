"""The JSON API v1: one NinjaAPI, routers from each app, and errors shaped in one place.

Every error body is ``{"code", "message", "field"?}`` plus the keys of a domain error's ``data``;
the message follows ``Accept-Language`` (Russian unless the client asks for English). The codes
are the members of each app's code enum, listed in docs/errors.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError

from core.errors import CoreCode, DomainError, RateLimited
from diary.api import router as diary_router
from diary.errors import DiaryCode
from diary.teacher_api import router as teacher_router
from notify.api import router as notify_router
from notify.errors import NotifyCode
from portal.api import router as portal_router
from portal.errors import PortalCode
from portal.oidc import InsufficientScope, InvalidToken, api_auth
from registry.errors import RegistryCode
from trust.api import router as trust_router
from trust.errors import TrustCode
from visits.api import router as visits_router
from visits.errors import VisitsCode
from visits.ingest_api import router as ingest_router

# Every app's codes, in the order of docs/errors.md (a test checks that no app's enum is missing here).
ERROR_CODES: tuple[type[StrEnum], ...] = (
    CoreCode,
    PortalCode,
    RegistryCode,
    DiaryCode,
    TrustCode,
    VisitsCode,
    NotifyCode,
)


def _errors_description() -> str:
    lines = [
        "Every error answer is `{code, message, field?}` plus, for some codes, more keys (`current` on "
        "`marks_stale`, `errors` on a refused marks write); `message` follows `Accept-Language`. The codes "
        "(their meaning and HTTP status: docs/errors.md):",
        "",
    ]
    lines += [f"- {enum.__name__}: " + ", ".join(f"`{code}`" for code in enum) for enum in ERROR_CODES]
    return "\n".join(lines)


api = NinjaAPI(
    title="Dnevnik API",
    version="1",
    description=_errors_description(),
    urls_namespace="api",
    # Every router or endpoint declares its scope (``portal.oidc.api_auth``); one that forgets gets this
    # default, which refuses every token and lets only the session in.
    auth=api_auth(),
    docs_url="/docs",
    # Swagger UI from the site's own static files (``ninja`` is an installed app); no call to the online
    # validator, which the Content-Security-Policy would block anyway.
    docs=Swagger(settings={"validatorUrl": None}),
    openapi_url="/openapi.json",
)
api.add_router("", portal_router)
api.add_router("", diary_router)
api.add_router("", teacher_router)
api.add_router("", visits_router)
api.add_router("", ingest_router)
api.add_router("", trust_router)
api.add_router("", notify_router)


def error_body(
    code: str, message: str, field: str | None = None, data: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"code": str(code), "message": message}
    if field:
        body["field"] = field
    body.update(data or {})
    return body


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, error: DomainError) -> HttpResponse:
    response = api.create_response(
        request, error_body(error.code, str(error.message), error.field, error.data), status=error.status
    )
    if isinstance(error, RateLimited):
        response["Retry-After"] = str(error.retry_after)
    return response


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, error: ValidationError) -> HttpResponse:
    first = error.errors[0] if error.errors else {}
    location = [str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path", "payload")]
    field = ".".join(location) or None
    message = _("Check the field “%(field)s”.") % {"field": field} if field else _("The request is malformed.")
    return api.create_response(request, error_body(CoreCode.INVALID, message, field), status=400)


@api.exception_handler(AuthenticationError)
def authentication_error(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    response = api.create_response(
        request, error_body(CoreCode.NOT_AUTHENTICATED, _("Sign in to use this method.")), status=401
    )
    response["WWW-Authenticate"] = "Bearer"  # RFC 6750 §3: no credentials came, so no error code
    return response


@api.exception_handler(InvalidToken)
def invalid_token(request: HttpRequest, error: InvalidToken) -> HttpResponse:
    message = _("The access token is invalid or has expired. Sign in to the application again.")
    response = api.create_response(request, error_body(CoreCode.NOT_AUTHENTICATED, message), status=401)
    response["WWW-Authenticate"] = error.www_authenticate
    return response


@api.exception_handler(InsufficientScope)
def insufficient_scope(request: HttpRequest, error: InsufficientScope) -> HttpResponse:
    if error.scopes:
        message = _("The application was not allowed this: it needs the permission “%(scope)s”.") % {
            "scope": " ".join(error.scopes)
        }
    else:
        message = _("This method is available only on the portal's site, not to applications.")
    response = api.create_response(request, error_body(CoreCode.INSUFFICIENT_SCOPE, message), status=403)
    response["WWW-Authenticate"] = error.www_authenticate
    return response


@api.exception_handler(Http404)
def not_found(request: HttpRequest, error: Http404) -> HttpResponse:
    return api.create_response(request, error_body(CoreCode.NOT_FOUND, _("Not found.")), status=404)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    code = CoreCode.FORBIDDEN if error.status_code == 403 else CoreCode.ERROR
    return api.create_response(request, error_body(code, str(error.message)), status=error.status_code)
