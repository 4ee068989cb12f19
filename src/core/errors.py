"""Domain errors: a stable code from an app's enum, a message for people, the field at fault, and data.

Services raise these; each interface (web forms, the JSON API) turns them into its own answer in
one place, so the same rule reads the same everywhere. Every code is a member of one ``StrEnum``
per app (``portal.errors.PortalCode``, ``diary.errors.DiaryCode``, …; ``CoreCode`` here for the
answers of the API itself and of the periods), and every member is listed in ``docs/errors.md``.

``NotFound`` is not a domain error: "missing" and "not yours" are not a refusal the person can act
on, so no handler of domain errors has to let it pass first.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise


class CoreCode(StrEnum):
    """The answers of the API itself, and of the rules of ``core`` (a period's dates), not of one app's."""

    INVALID = "invalid"
    NOT_AUTHENTICATED = "not_authenticated"
    INSUFFICIENT_SCOPE = "insufficient_scope"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    ERROR = "error"
    # ``core.periods``: the diary's and the visits' periods alike
    DATE_OUT_OF_RANGE = "date_out_of_range"
    INVALID_PERIOD = "invalid_period"
    PERIOD_TOO_LONG = "period_too_long"


# The keys every error body has; a domain error's data may not overwrite them.
BODY_KEYS = frozenset({"code", "message", "field"})


class DomainError(Exception):
    """A request the domain refuses, with a reason the person can act on.

    ``data`` is a JSON-serialisable mapping the API adds to the error body beside ``code``,
    ``message`` and ``field`` (e.g. the current marks of a 409), so no interface needs a special case.
    """

    status = 400

    def __init__(
        self,
        code: StrEnum,
        message: StrOrPromise,
        *,
        field: str | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message
        self.field = field
        if data and BODY_KEYS & data.keys():
            raise ValueError(f"The data of a domain error cannot overwrite {sorted(BODY_KEYS & data.keys())}.")
        self.data: Mapping[str, Any] = data or {}


class NotFound(Http404):
    """Missing and not yours look the same, so nobody learns what exists.

    An ``Http404``: a web page that meets it answers with Django's ordinary 404, the API with its
    ``not_found`` body (``dnevnik.api``).
    """

    code = CoreCode.NOT_FOUND
    status = 404

    def __init__(self) -> None:
        super().__init__(str(_("Not found.")))


class RateLimited(DomainError):
    """Too many attempts; retry_after says in how many seconds to try again."""

    status = 429

    def __init__(self, code: StrEnum, message: StrOrPromise, *, retry_after: int, field: str | None = None) -> None:
        super().__init__(code, message, field=field)
        self.retry_after = retry_after


class Conflict(DomainError):
    """The thing exists but is not in a state that allows this (e.g. answering an invitation twice)."""

    status = 409
