"""The JSON API v1: one NinjaAPI, routers from each app, and errors shaped in one place.

Every error body is ``{"code", "message", "field"?}`` plus the keys of a domain error's ``data``;
the message follows ``Accept-Language`` (Russian unless the client asks for English). The codes
are the members of each app's code enum, listed in docs/errors.md.
The OpenAPI document says so too: ``DnevnikAPI`` adds the shared error answers to every operation
where they can occur, so no endpoint has to list them (and a client, or the fuzzer of
``tests/api/test_fuzzing.py``, can rely on the document).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.schema import REF_TEMPLATE, OpenAPISchema
from ninja.operation import Operation
from ninja.parser import Parser
from ninja.schema import NinjaGenerateJsonSchema

from core.errors import CoreCode, DomainError, RateLimited
from diary.alerts_api import router as alerts_router
from diary.api import router as diary_router
from diary.errors import DiaryCode
from diary.teacher_api import router as teacher_router
from erasure.errors import ErasureCode
from messaging.api import router as messaging_router
from messaging.errors import MessagingCode
from news.api import router as news_router
from news.errors import NewsCode
from notify.api import router as notify_router
from notify.errors import NotifyCode
from portal.api import router as portal_router
from portal.errors import PortalCode
from portal.oidc import InsufficientScope, InvalidToken, api_auth
from privacy.api import router as privacy_router
from privacy.errors import PrivacyCode
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
    NewsCode,
    MessagingCode,
    ErasureCode,
    PrivacyCode,
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


class ErrorOut(Schema):
    """The body of every error answer."""

    code: str  # stable, for programs: "invalid", "not_found", "insufficient_scope", "invitation_limit_reached"…
    message: str  # for people, in the language of ``Accept-Language``
    field: str | None = None  # the failing input ("marks.0.pupil_id"), when one is at fault; absent otherwise


ERROR_REF = {"$ref": REF_TEMPLATE.format(model="Error")}
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
AUTH_CHALLENGE = {"WWW-Authenticate": {"description": "The bearer challenge of RFC 6750", "schema": {"type": "string"}}}
SHARED_ERRORS: dict[int, tuple[str, dict[str, Any]]] = {
    400: ("Bad input; `field` names the failing one", {}),
    401: ("Not signed in, or the bearer token is missing, invalid or expired", AUTH_CHALLENGE),
    403: ("Signed in, but the token lacks the scope of this method, or the CSRF check failed", AUTH_CHALLENGE),
    404: ("Not found, or not the caller's to see (the two look the same)", {}),
    409: ("The thing is not in a state that allows this", {}),
    429: (
        "Too many attempts",
        {"Retry-After": {"description": "Seconds to wait before trying again", "schema": {"type": "integer"}}},
    ),
}


def shared_errors(operation: Operation) -> list[int]:
    """The shared error statuses ``operation`` can answer.

    400 and 404 need some input (a path, query or body parameter) to be wrong or to name something;
    401 and 403 need authentication; 409 needs a write; a rate limit (429) can stand before any method.
    """
    statuses = [429]
    if any(model.model_fields for model in operation.models):
        statuses += [400, 404]
    if operation.auth_callbacks:
        statuses += [401, 403]
    if WRITE_METHODS & set(operation.methods):
        statuses.append(409)
    return sorted(statuses)


class DnevnikOpenAPISchema(OpenAPISchema):
    def add_schema_definitions(self, definitions: dict[str, Any]) -> None:
        # Ninja names components by class name, so two routers' ``HomeworkOut`` would silently share one
        # definition and the document would lie about one of them.
        for name, definition in definitions.items():
            if self.schemas.get(name, definition) != definition:
                raise ImproperlyConfigured(f"Two API schemas are named {name!r}: rename one of them.")
        super().add_schema_definitions(definitions)

    def responses(self, operation: Operation) -> dict[int, Any]:
        result = super().responses(operation)
        if "Error" not in self.schemas:
            self.schemas["Error"] = ErrorOut.model_json_schema(
                ref_template=REF_TEMPLATE, schema_generator=NinjaGenerateJsonSchema, mode="serialization"
            )
        for status in shared_errors(operation):
            if status in result:  # the operation's own answer (the 409 of stale marks) says more
                continue
            description, headers = SHARED_ERRORS[status]
            result[status] = {"description": description, "content": {"application/json": {"schema": ERROR_REF}}}
            if headers:
                result[status]["headers"] = headers
        return dict(sorted(result.items()))


class ObjectBodyParser(Parser):
    """Every request body of this API is a JSON object.

    Ninja's schemas read the fields of any other value by attribute, so a list or a number came out as
    a payload of defaults: ``POST /notifications/read`` with the body ``5`` marked every notification
    read. Anything but an object is now a 400 before a handler runs.
    """

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = super().parse_body(request)
        if not isinstance(data, dict):
            raise ValueError("the body is not a JSON object")  # Ninja answers 400 "cannot parse"
        return data


class DnevnikAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None) -> Any:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return DnevnikOpenAPISchema(self, path_prefix)


api = DnevnikAPI(
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
    parser=ObjectBodyParser(),
)
# The family's diary first: Django tries the API's paths in this order, and the week is the evening's read.
api.add_router("", diary_router)
api.add_router("", portal_router)
api.add_router("", teacher_router)
api.add_router("", visits_router)
api.add_router("", ingest_router)
api.add_router("", trust_router)
api.add_router("", notify_router)
api.add_router("", alerts_router)
api.add_router("", news_router)
api.add_router("", messaging_router)
api.add_router("", privacy_router)


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


def _names_nothing(error: Mapping[str, Any]) -> bool:
    """A path parameter typed ``UUID`` (a pupil's ``student_id``) that is not one: the path names nothing.

    Such an id is as unknown as a well-formed one nobody has, so it answers the same 404 as a pupil the
    caller may not see (and as the pages' ``<uuid:student_id>``), not a 400 that would tell the two apart.
    Integer ids out of range stay a 400 naming the field.
    """
    location = error.get("loc", ())
    return bool(location) and location[0] == "path" and str(error.get("type", "")).startswith("uuid_")


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, error: ValidationError) -> HttpResponse:
    if any(_names_nothing(part) for part in error.errors):
        return not_found(request, Http404())
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
    if error.status_code == 400:  # Ninja's "Cannot parse request body": not JSON, or not an object
        return api.create_response(request, error_body(CoreCode.INVALID, _("The request is malformed.")), status=400)
    code = CoreCode.FORBIDDEN if error.status_code == 403 else CoreCode.ERROR
    return api.create_response(request, error_body(code, str(error.message)), status=error.status_code)
