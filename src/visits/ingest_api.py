"""Ingest API for the school's turnstile and canteen systems (OAuth2 client credentials).

``POST /api/v1/ingest/passes`` and ``POST /api/v1/ingest/meals`` with ``{"events": [...]}``, 1 to 1000
events. Authentication is only ``Authorization: Bearer`` with a token from ``/o/token/``
(``grant_type=client_credentials``, scope ``ingest``) of an application registered by
``manage.py register_ingest_client``; the token names the school. A person's token, a client without a
school, or a session cookie get 401 ``not_authenticated``. No cookie is read, so no CSRF check applies.

The answer is 200 with ``{"accepted", "duplicates", "rejected": [{"index", "event_id", "code", "message",
"field"}]}``; only a malformed body (not JSON, ``events`` not a list, too many events) is a 400.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.security import HttpBearer
from oauth2_provider.oauth2_backends import get_oauthlib_core

from visits import ingest
from visits.models import IngestClient


class IngestToken(HttpBearer):
    """A client-credentials token with scope ``ingest`` of an application bound to a school."""

    def authenticate(self, request: HttpRequest, token: str) -> IngestClient | None:
        valid, oauth_request = get_oauthlib_core().verify_request(request, scopes=["ingest"])
        if not valid or oauth_request.user is not None:
            return None
        return ingest.ingest_client_of(oauth_request.client)


router = Router(tags=["ingest"], auth=IngestToken())


class BatchIn(Schema):
    # Each event is checked on its own and reported by index, so the list itself accepts anything. Its
    # size is documented here and checked by ``ingest`` (``batch_too_large`` is more useful than "invalid").
    events: list[Any] = Field(..., json_schema_extra={"minItems": 1, "maxItems": ingest.MAX_BATCH})


class RejectionOut(Schema):
    index: int
    event_id: str | None
    code: str
    message: str
    field: str | None


class ReportOut(Schema):
    accepted: int
    duplicates: int
    rejected: list[RejectionOut]


@router.post("/ingest/passes", response=ReportOut, summary="Store turnstile passes")
def post_passes(request: HttpRequest, payload: BatchIn) -> ingest.IngestReport:
    """Events: ``event_id``, ``student_id`` (the pupil's id) or ``card``, ``occurred_at`` (ISO 8601 with an
    offset), ``direction`` (``in`` | ``out``), ``entrance``."""
    return ingest.ingest_passes(client=request.auth, events=payload.events)  # type: ignore[attr-defined]


@router.post("/ingest/meals", response=ReportOut, summary="Store canteen purchases and top-ups")
def post_meals(request: HttpRequest, payload: BatchIn) -> ingest.IngestReport:
    """Events: ``event_id``, ``student_id`` or ``card``, ``occurred_at``, ``type`` (``purchase`` | ``top_up``),
    ``amount`` in kopecks (for a purchase it may be left out, then it is the sum of the items), ``items``:
    ``[{"name", "quantity", "price"}]`` with prices in kopecks."""
    return ingest.ingest_meals(client=request.auth, events=payload.events)  # type: ignore[attr-defined]
