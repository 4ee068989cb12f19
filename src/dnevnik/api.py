"""The JSON API v1: one NinjaAPI, routers from each app, and errors shaped in one place.

Every error body is ``{"code", "message", "field"?}``; the message follows ``Accept-Language``
(Russian unless the client asks for English).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError

from diary.api import router as diary_router
from diary.teacher_api import router as teacher_router
from dnevnik.errors import DomainError, RateLimited
from notify.api import router as notify_router
from portal.api import router as portal_router
from portal.oidc import InsufficientScope, InvalidToken, api_auth
from trust.api import router as trust_router
from visits.api import router as visits_router
from visits.ingest_api import router as ingest_router

api = NinjaAPI(
    title="Dnevnik API",
    version="1",
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


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if field:
        body["field"] = field
    return body


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, error: DomainError) -> HttpResponse:
    response = api.create_response(
        request, error_body(error.code, str(error.message), error.field), status=error.status
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
    return api.create_response(request, error_body("invalid", message, field), status=400)


@api.exception_handler(AuthenticationError)
def authentication_error(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    response = api.create_response(
        request, error_body("not_authenticated", _("Sign in to use this method.")), status=401
    )
    response["WWW-Authenticate"] = "Bearer"  # RFC 6750 §3: no credentials came, so no error code
    return response


@api.exception_handler(InvalidToken)
def invalid_token(request: HttpRequest, error: InvalidToken) -> HttpResponse:
    message = _("The access token is invalid or has expired. Sign in to the application again.")
    response = api.create_response(request, error_body("not_authenticated", message), status=401)
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
    response = api.create_response(request, error_body("insufficient_scope", message), status=403)
    response["WWW-Authenticate"] = error.www_authenticate
    return response


@api.exception_handler(Http404)
def not_found(request: HttpRequest, error: Http404) -> HttpResponse:
    return api.create_response(request, error_body("not_found", _("Not found.")), status=404)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    code = "forbidden" if error.status_code == 403 else "error"
    return api.create_response(request, error_body(code, str(error.message)), status=error.status_code)
