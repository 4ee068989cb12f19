"""What the schools' turnstile and canteen systems send: batches of passes and meals, stored once.

A batch is up to ``MAX_BATCH`` events. Each event is checked on its own and a bad one is reported by
its index while the good ones are stored. An event is known by ``(school, event_id)``: the same id
with the same content again is a duplicate (nothing changes), with other content a conflict (reported,
never overwritten). So re-sending a batch changes nothing, the balance included.

Counting only what this batch inserted, also when the same batch arrives twice at once:
- rows are inserted with ``ignore_conflicts`` and a ``received_at`` marker of this call; a re-read
  tells which of them this call inserted (marker) from what a concurrent call stored first;
- for meals that is not left to the marker: the meal accounts of the batch's pupils are locked
  (``select_for_update``, in pupil order) before the stored ids are read, so a second call for the same
  pupil waits and then sees the first call's rows as duplicates. On SQLite, transactions are
  ``IMMEDIATE`` (settings), which serialises them in the same way.
Balances change by one set-based ``UPDATE … SET balance = balance + CASE …`` from the inserted rows.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Generic, Literal, TypeVar
from uuid import UUID

from django.db import transaction
from django.db.models import BigIntegerField, Case, F, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from oauth2_provider.models import get_application_model
from pydantic import AwareDatetime, BaseModel, ConfigDict, StrictInt, StringConstraints
from pydantic import ValidationError as PydanticError

from audit.services import record_event
from core.errors import CoreCode, DomainError
from registry.models import Pupil, School
from visits.alerts import check_low_balances
from visits.errors import VisitsCode
from visits.models import Card, IngestClient, MealAccount, MealEvent, Pass

MAX_BATCH = 1000
FUTURE_TOLERANCE = timedelta(minutes=5)  # the systems' clocks drift a little
MAX_AGE = timedelta(days=400)  # a school year and its summer, with room for a late upload
MAX_AMOUNT = 10_000_000  # kopecks (100 000 ₽) in one event: more is a unit mistake, not a meal


# --- Registering a school's system -------------------------------------------------------------------


@dataclass(frozen=True)
class RegisteredIngestClient:
    ingest_client: IngestClient
    client_id: str
    client_secret: str  # shown once: the application keeps only its hash


@transaction.atomic
def register_ingest_client(*, school: School, name: str) -> RegisteredIngestClient:
    """A confidential client-credentials application bound to ``school``, for its turnstile or canteen."""
    application_model = get_application_model()
    secret = secrets.token_urlsafe(32)
    application = application_model(
        name=name,
        client_type=application_model.CLIENT_CONFIDENTIAL,
        authorization_grant_type=application_model.GRANT_CLIENT_CREDENTIALS,
        algorithm=application_model.NO_ALGORITHM,
        client_secret=secret,
    )
    application.full_clean(exclude=["client_secret", "user"])
    application.save()
    ingest_client = IngestClient.objects.create(application=application, school=school)
    record_event(
        actor=None,
        action="visits.register_ingest_client",
        target=ingest_client,
        school=school.code,
        client_id=application.client_id,
        name=name,
    )
    return RegisteredIngestClient(ingest_client=ingest_client, client_id=application.client_id, client_secret=secret)


def ingest_client_of(application: Any) -> IngestClient | None:
    """The school system behind a client-credentials application, if it is one."""
    if application is None or application.authorization_grant_type != application.GRANT_CLIENT_CREDENTIALS:
        return None
    return IngestClient.objects.select_related("school").filter(application=application).first()


# --- Cards: the school's card numbers, mapped to its pupils in the back office ----------------------------


@transaction.atomic
def save_card(*, actor: Any, card: Card) -> Card:
    """Create or change a card; ``Card.clean`` (in ``full_clean``) holds it to a pupil of the card's school."""
    created = card.pk is None
    card.full_clean()
    card.save()
    record_event(
        actor=actor,
        action="visits.add_card" if created else "visits.change_card",
        target=card,
        number=card.number,
        pupil=card.pupil_id,
    )
    return card


@transaction.atomic
def delete_card(*, actor: Any, card: Card) -> None:
    record_event(actor=actor, action="visits.delete_card", target=card, number=card.number, pupil=card.pupil_id)
    card.delete()


# --- What one event looks like -----------------------------------------------------------------------

# No control characters (a NUL would even fail the whole batch on PostgreSQL): such an event is
# rejected alone, like any other bad field.
PRINTABLE = r"^[^\x00-\x1f\x7f]*$"
Text = Annotated[str, StringConstraints(min_length=1, max_length=255, pattern=PRINTABLE)]


class EventIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    event_id: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=PRINTABLE)]
    student_id: UUID | None = None
    card: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32, pattern=PRINTABLE)] | None
    ) = None
    occurred_at: AwareDatetime


class PassIn(EventIn):
    direction: Literal["in", "out"]
    entrance: Annotated[str, StringConstraints(max_length=255, pattern=PRINTABLE)] = ""


class ItemIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: Text
    quantity: StrictInt
    price: StrictInt  # kopecks per piece


class MealIn(EventIn):
    type: Literal["purchase", "top_up"]
    amount: StrictInt | None = None
    items: list[ItemIn] = []


@dataclass(frozen=True)
class Rejection:
    index: int
    event_id: str | None
    code: str
    message: str
    field: str | None = None


@dataclass
class IngestReport:
    accepted: int = 0
    duplicates: int = 0
    rejected: list[Rejection] = field(default_factory=list)


class Rejected(Exception):
    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(code)
        self.code, self.message, self.field = code, message, field


def invalid(field_name: str | None) -> Rejected:
    if field_name is None:
        return Rejected("invalid", _("An event must be a JSON object."))
    return Rejected("invalid", _("Check the field “%(field)s”.") % {"field": field_name}, field_name)


E = TypeVar("E", bound=EventIn)
R = TypeVar("R", Pass, MealEvent)


@dataclass
class Candidate(Generic[R]):
    """A valid event of the batch, resolved to its pupil, with the row it would be stored as."""

    index: int
    row: R
    content: Hashable


# --- The two services --------------------------------------------------------------------------------


@transaction.atomic
def ingest_passes(*, client: IngestClient, events: list[Any]) -> IngestReport:
    """Store a batch of turnstile passes of the client's school."""
    marker = timezone.now()

    def build(event: PassIn, pupil_id: int) -> Pass:
        return Pass(
            school_id=client.school_id,
            event_id=event.event_id,
            pupil_id=pupil_id,
            occurred_at=event.occurred_at.astimezone(UTC),
            direction=event.direction,
            entrance=event.entrance,
            received_at=marker,
        )

    report, candidates = _prepare(client=client, events=events, schema=PassIn, build=build, now=marker)
    _store(Pass, client=client, candidates=candidates, report=report, marker=marker)
    _audit(client, "passes", report)
    return report


@transaction.atomic
def ingest_meals(*, client: IngestClient, events: list[Any]) -> IngestReport:
    """Store a batch of canteen purchases and top-ups of the client's school and move the balances."""
    marker = timezone.now()

    def build(event: MealIn, pupil_id: int) -> MealEvent:
        return MealEvent(
            school_id=client.school_id,
            event_id=event.event_id,
            pupil_id=pupil_id,
            kind=event.type,
            occurred_at=event.occurred_at.astimezone(UTC),
            amount=_meal_amount(event),
            items=[item.model_dump() for item in event.items],
            received_at=marker,
        )

    report, candidates = _prepare(client=client, events=events, schema=MealIn, build=build, now=marker)
    pupil_ids = sorted({candidate.row.pupil_id for candidate in candidates})
    if pupil_ids:
        MealAccount.objects.bulk_create([MealAccount(pupil_id=pk) for pk in pupil_ids], ignore_conflicts=True)
        list(MealAccount.objects.select_for_update().filter(pk__in=pupil_ids).order_by("pk").values_list("pk"))
    inserted = _store(MealEvent, client=client, candidates=candidates, report=report, marker=marker)
    deltas: dict[int, int] = {}
    for row in inserted:
        sign = 1 if row.kind == MealEvent.Kind.TOP_UP else -1
        deltas[row.pupil_id] = deltas.get(row.pupil_id, 0) + sign * row.amount
    changed = sorted(pk for pk, delta in deltas.items() if delta)
    if changed:
        MealAccount.objects.filter(pk__in=changed).update(
            balance=F("balance")
            + Case(*[When(pk=pk, then=Value(deltas[pk])) for pk in changed], output_field=BigIntegerField()),
            updated_at=marker,
        )
        transaction.on_commit(lambda: check_low_balances.enqueue(pupil_ids=changed))
    _audit(client, "meals", report)
    return report


# --- Steps shared by both ----------------------------------------------------------------------------


def _prepare(
    *, client: IngestClient, events: list[Any], schema: type[E], build: Callable[[E, int], R], now: datetime
) -> tuple[IngestReport, list[Candidate[R]]]:
    if not events:
        raise DomainError(CoreCode.INVALID, _("Send at least one event."), field="events")
    if len(events) > MAX_BATCH:
        raise DomainError(
            VisitsCode.BATCH_TOO_LARGE,
            _("Send at most %(count)d events at once.") % {"count": MAX_BATCH},
            field="events",
        )
    report = IngestReport()
    parsed: list[tuple[int, E]] = []
    for index, raw in enumerate(events):
        try:
            parsed.append((index, _parse(raw, schema, now)))
        except Rejected as rejected:
            report.rejected.append(_rejection(index, raw, rejected))
    pupils = _resolve_pupils(client.school_id, [event for _index, event in parsed])
    seen: dict[str, Hashable] = {}
    candidates: list[Candidate[R]] = []
    for index, event in parsed:
        try:
            row = build(event, _pupil_of(event, pupils))
        except Rejected as rejected:
            report.rejected.append(_rejection(index, {"event_id": event.event_id}, rejected))
            continue
        content = _content(row)
        if event.event_id in seen:
            if seen[event.event_id] == content:
                report.duplicates += 1
            else:
                report.rejected.append(
                    _rejection(
                        index,
                        {"event_id": event.event_id},
                        Rejected("duplicate_in_batch", _("Another event of this batch has the same id."), "event_id"),
                    )
                )
            continue
        seen[event.event_id] = content
        candidates.append(Candidate(index=index, row=row, content=content))
    return report, candidates


def _store(
    model: type[R], *, client: IngestClient, candidates: list[Candidate[R]], report: IngestReport, marker: datetime
) -> list[R]:
    """Insert what is new; returns the rows this call inserted. Fills the report's counts."""
    by_id = {candidate.row.event_id: candidate for candidate in candidates}
    stored = model.objects.filter(school_id=client.school_id, event_id__in=list(by_id))
    new = dict(by_id)
    for row in stored:
        candidate = new.pop(row.event_id)
        _compare(candidate, row, report)
    if not new:
        report.rejected.sort(key=lambda rejection: rejection.index)
        return []
    model.objects.bulk_create([candidate.row for candidate in new.values()], ignore_conflicts=True)
    inserted: list[R] = []
    for row in model.objects.filter(school_id=client.school_id, event_id__in=list(new)):
        candidate = new[row.event_id]
        if row.received_at == marker and _content(row) == candidate.content:
            report.accepted += 1
            inserted.append(row)
        else:  # stored by a concurrent batch between our read and our insert
            _compare(candidate, row, report)
    report.rejected.sort(key=lambda rejection: rejection.index)
    return inserted


def _compare(candidate: Candidate[Any], stored: Pass | MealEvent, report: IngestReport) -> None:
    if _content(stored) == candidate.content:
        report.duplicates += 1
    else:
        report.rejected.append(
            _rejection(
                candidate.index,
                {"event_id": stored.event_id},
                Rejected(
                    "event_id_conflict",
                    _("An event with this id is already stored with different content."),
                    "event_id",
                ),
            )
        )


def _content(row: Pass | MealEvent) -> Hashable:
    """What makes two reports of one event the same; instants compare in UTC whatever the offset sent."""
    occurred_at = row.occurred_at.astimezone(UTC)
    if isinstance(row, Pass):
        return (row.pupil_id, occurred_at, row.direction, row.entrance)
    items = tuple((item.get("name"), item.get("quantity"), item.get("price")) for item in row.items or ())
    return (row.pupil_id, occurred_at, row.kind, row.amount, items)


def _parse(raw: Any, schema: type[E], now: datetime) -> E:
    if not isinstance(raw, dict):
        raise invalid(None)
    try:
        event = schema.model_validate(raw)
    except PydanticError as error:
        location = error.errors()[0]["loc"]
        raise invalid(".".join(str(part) for part in location) or None) from error
    if event.student_id is None and event.card is None:
        raise invalid("student_id")
    if event.occurred_at > now + FUTURE_TOLERANCE:
        raise Rejected("time_in_future", _("The event is in the future."), "occurred_at")
    if event.occurred_at < now - MAX_AGE:
        raise Rejected(
            "time_too_old", _("The event is older than %(days)d days.") % {"days": MAX_AGE.days}, "occurred_at"
        )
    if isinstance(event, MealIn):
        _check_meal(event)
    return event


def _check_meal(event: MealIn) -> None:
    for position, item in enumerate(event.items):
        if item.price < 0:
            raise Rejected("negative_price", _("A price cannot be negative."), f"items.{position}.price")
        if item.price > MAX_AMOUNT:
            raise Rejected("invalid_amount", _("The amount is out of range."), f"items.{position}.price")
        if not 1 <= item.quantity <= 1000:
            raise invalid(f"items.{position}.quantity")
    if event.amount is not None and not 0 <= event.amount <= MAX_AMOUNT:
        raise Rejected("invalid_amount", _("The amount is out of range."), "amount")
    if event.type == "top_up":
        if event.items:
            raise invalid("items")
        if not event.amount:
            raise Rejected("invalid_amount", _("A top-up must be positive."), "amount")
        return
    if event.amount is None and not event.items:
        raise invalid("amount")
    if not event.items and event.amount == 0:
        # A free meal still names what was served; a bare zero is a reader's misfire, not a purchase.
        raise Rejected("empty_purchase", _("A purchase without items must have an amount."), "items")
    if event.items and event.amount is not None and event.amount != _items_total(event):
        raise Rejected("items_total_mismatch", _("The amount differs from the sum of the items."), "amount")
    if _meal_amount(event) > MAX_AMOUNT:
        raise Rejected("invalid_amount", _("The amount is out of range."), "amount")


def _items_total(event: MealIn) -> int:
    return sum(item.quantity * item.price for item in event.items)


def _meal_amount(event: MealIn) -> int:
    return event.amount if event.amount is not None else _items_total(event)


@dataclass
class PupilIndex:
    by_public_id: dict[UUID, int]
    by_card: dict[str, int]


def _resolve_pupils(school_id: int, events: list[EventIn]) -> PupilIndex:
    """Two queries whatever the batch holds; only this school's pupils and cards are ever found."""
    public_ids = {event.student_id for event in events if event.student_id is not None}
    cards = {event.card for event in events if event.card is not None}
    by_public_id = (
        dict(Pupil.objects.filter(school_id=school_id, public_id__in=public_ids).values_list("public_id", "pk"))
        if public_ids
        else {}
    )
    by_card = (
        dict(
            Card.objects.filter(school_id=school_id, pupil__school_id=school_id, number__in=cards).values_list(
                "number", "pupil_id"
            )
        )
        if cards
        else {}
    )
    return PupilIndex(by_public_id=by_public_id, by_card=by_card)


def _pupil_of(event: EventIn, pupils: PupilIndex) -> int:
    # Another school's pupil is not told apart from one who does not exist.
    unknown = _("No pupil of this school has this id or card.")
    from_id = pupils.by_public_id.get(event.student_id) if event.student_id is not None else None
    if event.student_id is not None and from_id is None:
        raise Rejected("unknown_pupil", unknown, "student_id")
    from_card = pupils.by_card.get(event.card) if event.card is not None else None
    if event.card is not None and (from_card is None or (from_id is not None and from_id != from_card)):
        raise Rejected("unknown_pupil", unknown, "card")
    return from_id or from_card or 0  # one of them is set: _parse requires student_id or card


def _rejection(index: int, raw: Any, rejected: Rejected) -> Rejection:
    event_id = raw.get("event_id") if isinstance(raw, dict) else None
    return Rejection(
        index=index,
        event_id=event_id if isinstance(event_id, str) else None,
        code=rejected.code,
        message=rejected.message,
        field=rejected.field,
    )


def _audit(client: IngestClient, kind: str, report: IngestReport) -> None:
    record_event(
        actor=None,
        action="visits.ingest",
        target=client,
        kind=kind,
        accepted=report.accepted,
        duplicates=report.duplicates,
        rejected=len(report.rejected),
    )
