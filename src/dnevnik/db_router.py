"""Reads on read replicas, without a parent ever missing what they just wrote.

The evening read is nearly all reads, and one PostgreSQL primary is the one part of the service that
cannot be multiplied; streaming replicas can (docs/scaling.md). A replica is a few milliseconds behind
the primary, though, so "read from a replica" is only safe for a read that does not depend on a write
just made. The rule, decided once here:

- **Only a web request that writes nothing reads a replica.** ``ReplicaReadsMiddleware`` opens that
  possibility for GET/HEAD/OPTIONS requests; everything else — a POST/PUT/DELETE from its first query
  (what it reads decides what it writes), the task worker (a task reads the rows of the transaction
  that enqueued it), management commands, migrations — reads and writes the primary.
- **A request that wrote reads the primary from its first write on**, so it reads its own writes.
- **The same session or bearer token reads the primary for a short window after a write**
  (``DATABASE_PRIMARY_AFTER_WRITE_SECONDS``): the marker is kept in the shared cache (Redis in
  production), keyed by a hash of the credential, so the parent who ticks homework done or the teacher
  who puts marks sees them on the next page from any app node.
- Inside ``transaction.atomic()`` reads go to the primary (a service validating before it writes), and
  the sessions of the database backend are always read there (a sign-in's new session must be found).
- Migrations and writes happen only on the primary; a replica alias is a ``TEST.MIRROR`` of it.

The replica of a request is chosen once per request, so all its reads see one replica's state. The
request's state is a context variable: per thread under gunicorn's threads, per task under ASGI.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
MARKER_PREFIX = "dnevnik:primary-after-write:"


@dataclass
class RequestReads:
    """Where the current request reads (``None``: the primary) and whether it has written."""

    replica: str | None
    wrote: bool = False


_request: ContextVar[RequestReads | None] = ContextVar("dnevnik_request_reads", default=None)


def replica_aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias != DEFAULT_DB_ALIAS]


class PrimaryReplicaRouter:
    """Django's database router for the rule above (``DATABASE_ROUTERS``)."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str:
        reads = _request.get()
        if (
            reads is None
            or reads.replica is None
            or model._meta.app_label == "sessions"
            or connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return DEFAULT_DB_ALIAS
        return reads.replica

    def db_for_write(self, model: type[Any], **hints: Any) -> str:
        reads = _request.get()
        if reads is not None and model._meta.app_label != "sessions":
            reads.wrote = True
            reads.replica = None
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # every alias is the same database

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS


def _credential_keys(request: HttpRequest) -> set[str]:
    """The session and bearer token of a request, hashed: markers must not carry credentials."""
    credentials = {
        f"session:{request.COOKIES.get(settings.SESSION_COOKIE_NAME, '')}",
        f"token:{request.META.get('HTTP_AUTHORIZATION', '')}",
    }
    session = getattr(request, "session", None)
    if session is not None and session.session_key:  # a sign-in's new session key
        credentials.add(f"session:{session.session_key}")
    return {
        MARKER_PREFIX + hashlib.sha256(credential.encode()).hexdigest()
        for credential in credentials
        if not credential.endswith(":")
    }


class ReplicaReadsMiddleware:
    """Lets a safe request read a replica unless its credential wrote within the window; marks the
    credential after a request that wrote. Does nothing where no replica is configured."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.replicas = replica_aliases()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not self.replicas:
            return self.get_response(request)
        cache = caches["default"]
        replica = None
        if request.method in SAFE_METHODS:
            keys = _credential_keys(request)
            if not (keys and cache.get_many(list(keys))):
                replica = random.choice(self.replicas)  # noqa: S311  (load spreading, not security)
        reads = RequestReads(replica)
        token = _request.set(reads)
        try:
            response = self.get_response(request)
        finally:
            _request.reset(token)
        if reads.wrote:
            window = settings.DATABASE_PRIMARY_AFTER_WRITE_SECONDS
            cache.set_many(dict.fromkeys(_credential_keys(request), True), timeout=window)
        return response
