"""Domain errors: a stable code, a message for people and, when one input is at fault, its field.

Services raise these; each interface (web forms, the JSON API) turns them into its own answer in
one place, so the same rule reads the same everywhere.
"""

from __future__ import annotations

from django.http import Http404
from django_stubs_ext import StrOrPromise


class DomainError(Exception):
    """A request the domain refuses, with a reason the person can act on."""

    status = 400

    def __init__(self, code: str, message: StrOrPromise, *, field: str | None = None) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message
        self.field = field


class NotFound(DomainError, Http404):
    """Missing and not yours look the same, so nobody learns what exists.

    Also an ``Http404``, so a web page that meets it answers with Django's ordinary 404.
    """

    status = 404

    def __init__(self) -> None:
        from django.utils.translation import gettext_lazy as _

        super().__init__("not_found", _("Not found."))


class RateLimited(DomainError):
    """Too many attempts; retry_after says in how many seconds to try again."""

    status = 429

    def __init__(self, code: str, message: StrOrPromise, *, retry_after: int, field: str | None = None) -> None:
        super().__init__(code, message, field=field)
        self.retry_after = retry_after


class Conflict(DomainError):
    """The thing exists but is not in a state that allows this (e.g. answering an invitation twice)."""

    status = 409
