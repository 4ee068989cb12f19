"""The one module that decides who may read or write what (DESIGN §2).

Every page, API handler, export and notification asks here; none decides on its own. A refusal raises
``NotFound`` so that "not yours" and "missing" look the same.

**The relation table.** How a person is related to a pupil is written once, in ``RELATIONS``: for each
``Relation`` (the pupil themself, a linked guardian, a trusted person, the form tutor, a subject teacher)
the rows that say so (the pupil's own ``account``, a ``Guardian`` record, an active ``Grant``, the form
tutor's ``StaffMember`` row, a ``TimetableEntry`` of the class), which field of those rows names the pupil
(or the pupil's class) and which the account, and which services the relation opens. ``_rows`` turns one
entry into a subquery correlated with the outer pupil, so every question below is a SQL filter on
``Pupil``, never a loop over fetched rows, and adding a relation is adding a row:

- ``readable_pupils(viewer, service)`` — the pupils whose whole ``service`` the viewer reads, as a queryset
  (NetBox's ``restrict``): lists, pages and exports filter with it;
- ``get_student`` / ``get_diary`` / ``read_lesson`` — fetch and check in one call (Zulip's
  ``access_stream_by_id``), one query, the same ``NotFound`` for missing and not yours;
- ``visible_students`` — the viewer's family relations (self, guardian, trusted person), one query;
- ``related_accounts`` / ``family_readers`` — the same table read from the pupils' side: the accounts
  related to given pupils, the audience of notifications;
- ``related_pupils`` / ``holds`` / ``guarded_pupils`` / ``guardian_record`` — the same relations asked one
  by one (an account's roles, who may invite, for whom).

**Custody limits.** A guardian row opens nothing while a registrar's restriction of it is in force
(``registry.models.unrestricted_guardians``: a ``NOT EXISTS`` in the same statement as the relation itself),
so every question above — pages, API, lists, notifications' audiences, trust, messages, absence notes,
announcements — leaves the restricted guardian out without a check of its own, and lets them back in when the
restriction's last day has passed.

The diary is read per subject: the family, the pupil, a trusted person and the form tutor read every
subject; a teacher of the class only the subjects they teach it by the timetable (``get_diary`` for a
pupil, ``get_class`` and ``lesson.read_class`` for the whole class, ``lesson.read`` for a lesson's files).

**The policy only reads.** A read through a trusted person's grant (and no other relation) belongs in the
view log the guardians see, but ``access`` writes nothing: a read's answer (``Read``, ``LessonRead``)
carries the ``grant_id`` it went through, and the reader's layer sends ``grant_read``
(``diary.selectors.logged``), which the trust app records.

Everything else (accounts, the registry, grants, lessons, finals) is one rule per action in ``RULES``,
asked through ``can`` and ``require``.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import reduce
from typing import Any, TypeAlias, TypeGuard, TypeVar
from uuid import UUID

from django.contrib.auth.models import AnonymousUser
from django.db.models import BooleanField, Exists, ExpressionWrapper, Model, OuterRef, Q, QuerySet, Subquery
from django.dispatch import Signal
from django.utils import timezone

from core.errors import NotFound
from core.prepared import Prepared
from diary.models import AbsenceNote, Lesson, TimetableEntry
from messaging.models import Message, Thread, ThreadMute
from news.models import Announcement, AnnouncementClass
from portal.models import ClientConsent, User
from registry.models import Guardian, LinkRequest, Pupil, School, SchoolClass, StaffMember, unrestricted_guardians
from trust.matching import is_addressed_to
from trust.models import Grant, active_grants

Viewer: TypeAlias = User | AnonymousUser
T = TypeVar("T")

DIARY = "diary"
VISITS_MEALS = "visits_meals"
ALL_SERVICES = (DIARY, VISITS_MEALS)
# Not a service of the catalogue: the family side of the pupil's conversations with the school (``messaging``),
# opened by the pupil's own account and a linked guardian, never by a trusted person.
MESSAGES = "messages"

# Sent by the reader's layer (never by this module) after a read through a trusted person's grant, with
# ``grant_id`` and ``section`` (the service); the trust app writes it to the view log (``TrustConfig.ready``).
grant_read = Signal()


def _signed_in(viewer: Viewer) -> TypeGuard[User]:
    return isinstance(viewer, User) and viewer.is_authenticated and viewer.is_active


def _adult(viewer: Viewer) -> TypeGuard[User]:
    """Only an adult invites, lists and revokes trusted persons, or becomes one (DESIGN §2)."""
    return _signed_in(viewer) and not viewer.is_minor


# --- The relation table -------------------------------------------------------------------------------------


class Relation(StrEnum):
    SELF = "self"
    GUARDIAN = "guardian"
    TRUSTED = "trusted"
    FORM_TUTOR = "form_tutor"
    TEACHER = "teacher"


@dataclass(frozen=True)
class Link:
    """How one relation is stored and what it opens: one row of ``RELATIONS``."""

    # The rows that relate an account to a pupil (or to the pupil's class); a grant's at a given time.
    rows: Callable[..., QuerySet[Any]]
    pupil: str  # the rows' field naming the pupil, or (``by_class``) the pupil's class
    account: str  # the rows' field naming the related account
    opens: tuple[str, ...]  # the services the relation opens wholly
    by_class: bool = False
    by_grant: bool = False  # each row names its one service (a grant) and opens only that one
    dated: bool = False  # ``rows`` takes the time of the question (a grant's dates, a guardian's restriction)
    family: bool = True  # told of the pupil's events, listed among the viewer's children


def _form_tutor_rows() -> QuerySet[StaffMember]:
    return StaffMember.objects.filter(role=StaffMember.Role.FORM_TUTOR)


RELATIONS: dict[Relation, Link] = {
    Relation.SELF: Link(Pupil.objects.all, pupil="pk", account="account", opens=(*ALL_SERVICES, MESSAGES)),
    # A guardian row opens nothing while a registrar's restriction of it is in force (custody limits).
    Relation.GUARDIAN: Link(
        unrestricted_guardians, pupil="pupil", account="account", opens=(*ALL_SERVICES, MESSAGES), dated=True
    ),
    Relation.TRUSTED: Link(
        active_grants, pupil="pupil", account="invitee", opens=ALL_SERVICES, by_grant=True, dated=True
    ),
    Relation.FORM_TUTOR: Link(
        _form_tutor_rows, pupil="school_class", account="account", opens=ALL_SERVICES, by_class=True, family=False
    ),
    # A subject teacher opens no whole service: only the diary in the subjects they teach the class (``get_diary``).
    Relation.TEACHER: Link(
        TimetableEntry.objects.all, pupil="school_class", account="teacher", opens=(), by_class=True, family=False
    ),
}
FAMILY = tuple(relation for relation, link in RELATIONS.items() if link.family)
# The school side of a pupil: the staff relations (a teacher of the class by the timetable, the form tutor).
STAFF = tuple(relation for relation, link in RELATIONS.items() if not link.family)


def _rows(
    relation: Relation,
    viewer: User | int,
    service: str | None = None,
    now: datetime | None = None,
    *,
    through: str = "",
) -> QuerySet[Any]:
    """The rows by which ``viewer`` (an account or its id) holds ``relation`` to the outer query's pupil (for
    ``service``, where the rows name one; a grant's at ``now``, right now by default). ``through`` is the path
    from the outer query's rows to the pupil (``"pupil__"`` for a thread), empty when the outer rows are pupils."""
    link = RELATIONS[relation]
    outer = OuterRef(f"{through}school_class" if link.by_class else f"{through}pk")
    rows = (link.rows(now) if link.dated else link.rows()).filter(**{link.account: viewer, link.pupil: outer})
    return rows.filter(service=service) if link.by_grant and service is not None else rows


def _related(
    viewer: User,
    relations: Iterable[Relation],
    service: str | None = None,
    *,
    through: str = "",
    now: datetime | None = None,
) -> Q:
    """A filter on ``Pupil`` (or, ``through`` a path, on rows naming a pupil): ``viewer`` holds one of
    ``relations`` to the pupil (at ``now``, right now by default)."""
    relations = tuple(relations)
    if not relations:
        return Q(pk__in=[])
    rows = (Q(Exists(_rows(relation, viewer, service, now, through=through))) for relation in relations)
    return Q(**{f"{through}pk__in": _candidates(viewer, relations, service, now=now)}) & reduce(operator.or_, rows)


def _candidates(
    viewer: User | int, relations: tuple[Relation, ...], service: str | None = None, *, now: datetime | None = None
) -> QuerySet[Any]:
    """The ids of the pupils ``viewer`` may hold one of ``relations`` to, found through the indexes on the
    rows' account: a superset that the exact ``Exists`` tests then check.

    Without it the exact tests alone are an OR of correlated subqueries, which PostgreSQL can only evaluate
    row by row over every pupil of the city (a sequential scan at each family page); ``pk IN (… UNION …)`` is
    a semi-join over a handful of ids."""
    sets = []
    for relation in relations:
        link = RELATIONS[relation]
        rows = (link.rows(now) if link.dated else link.rows()).filter(**{link.account: viewer})
        if link.by_grant and service is not None:
            rows = rows.filter(service=service)
        ids = rows.order_by().values(link.pupil)
        sets.append(Pupil.objects.filter(school_class__in=ids).order_by().values("pk") if link.by_class else ids)
    first, *rest = sets
    return first.union(*rest) if rest else first


def _opening(service: str) -> list[Relation]:
    return [relation for relation, link in RELATIONS.items() if service in link.opens]


def readable_pupils(viewer: Viewer, service: str) -> QuerySet[Pupil]:
    """The pupils whose whole ``service`` ``viewer`` reads (DESIGN §2), as a filter to build on. A subject
    teacher reads only part of a diary and is not here: ``get_diary``."""
    if not _signed_in(viewer):
        return Pupil.objects.none()
    return Pupil.objects.filter(_related(viewer, _opening(service), service))


def holds(viewer: Viewer, pupil: Pupil, *relations: Relation) -> bool:
    """Whether ``viewer`` holds one of ``relations`` to ``pupil``; one query."""
    return related_pupils(viewer, *relations).filter(pk=pupil.pk).exists()


def related_pupils(viewer: Viewer, *relations: Relation) -> QuerySet[Pupil]:
    """The pupils ``viewer`` holds one of ``relations`` to, whatever they open (e.g. an account's roles)."""
    if not _signed_in(viewer):
        return Pupil.objects.none()
    return Pupil.objects.filter(_related(viewer, relations))


def guarded_pupils(viewer: Viewer) -> QuerySet[Pupil]:
    """The pupils ``viewer`` may invite, list and revoke trusted persons for: an adult's linked children."""
    return related_pupils(viewer, Relation.GUARDIAN) if _adult(viewer) else Pupil.objects.none()


def exportable_pupil(viewer: Viewer, student_id: UUID | str) -> Pupil:
    """The child whose data ``viewer`` may see listed and export in «Мои данные»: a linked guardian only (a trusted
    person, a teacher or anyone else gets ``NotFound``). One query."""
    pupil = related_pupils(viewer, Relation.GUARDIAN).filter(pk__in=Pupil.objects.by_public_id(student_id)).first()
    if pupil is None:
        raise NotFound()
    return pupil


def guardian_record(viewer: Viewer, student_id: UUID | str) -> Guardian:
    """``viewer``'s guardian record of the pupil with this public id (a minor's too, so that the service can
    say why a minor may not invite); else ``NotFound``. One query."""
    if not _signed_in(viewer):
        raise NotFound()
    guardians = unrestricted_guardians()
    record = guardians.filter(account=viewer, pupil__in=Pupil.objects.by_public_id(student_id)).first()
    if record is None:
        raise NotFound()
    return record


def related_accounts(
    pupil_ids: Iterable[int], relations: Iterable[Relation], service: str | None = None
) -> dict[int, list[int]]:
    """For each pupil, the accounts holding one of ``relations`` to it (for ``service``, where the rows name
    one), in the rows' order: the relation table read from the pupils' side. One query per relation."""
    ids = list(pupil_ids)
    found: dict[int, dict[int, None]] = {pupil_id: {} for pupil_id in ids}
    for relation in relations:
        link = RELATIONS[relation]
        pupil = f"{link.pupil}__pupils" if link.by_class else link.pupil
        rows = link.rows().filter(**{f"{pupil}__in": ids, f"{link.account}__isnull": False})
        if link.by_grant and service is not None:
            rows = rows.filter(service=service)
        for pupil_id, account_id in rows.values_list(pupil, link.account):
            found[pupil_id][account_id] = None
    return {pupil_id: list(accounts) for pupil_id, accounts in found.items()}


def family_readers(pupil_ids: Iterable[int], service: str) -> dict[int, set[int]]:
    """For each pupil, the accounts of its family that read ``service``: linked guardians, the pupil's own
    account, and trusted persons whose grant for that service is active. Notifications go to these (staff,
    who also read, are not told of every mark)."""
    relations = [relation for relation in FAMILY if service in RELATIONS[relation].opens]
    return {pupil_id: set(ids) for pupil_id, ids in related_accounts(pupil_ids, relations, service).items()}


# --- Reading a pupil ------------------------------------------------------------------------------------------


def _holds_field(relation: Relation) -> str:
    return f"holds_{relation}"


def _with_relations(
    pupils: QuerySet[Pupil], viewer: User | int, service: str, now: datetime | None = None
) -> QuerySet[Pupil]:
    """``pupils`` annotated with each relation ``viewer`` holds to them for ``service``: a flag, or for a
    grant the id of the one the read would go through."""
    annotations: dict[str, Any] = {}
    for relation, link in RELATIONS.items():
        rows = _rows(relation, viewer, service, now)
        annotations[_holds_field(relation)] = Subquery(rows.values("pk")[:1]) if link.by_grant else Exists(rows)
    return pupils.annotate(**annotations)


@dataclass(frozen=True)
class Through:
    """How a viewer reads one pupil's ``service``, from the annotations of ``_with_relations``."""

    relations: frozenset[Relation]
    whole: bool  # a relation that is not a grant opens the whole service
    grant_id: int | None  # else the trusted person's grant it goes through, if any

    @classmethod
    def of(cls, pupil: Pupil, service: str) -> Through:
        return cls.found({relation: getattr(pupil, _holds_field(relation)) for relation in RELATIONS}, service)

    @classmethod
    def found(cls, found: dict[Relation, Any], service: str) -> Through:
        relations = frozenset(relation for relation, value in found.items() if value)
        whole = any(service in RELATIONS[r].opens and not RELATIONS[r].by_grant for r in relations)
        grants = [found[r] for r in relations if RELATIONS[r].by_grant and service in RELATIONS[r].opens]
        return cls(relations=relations, whole=whole, grant_id=None if whole or not grants else int(grants[0]))


@dataclass(frozen=True)
class Read:
    """A pupil whose ``service`` a viewer reads, how far, and the grant it goes through (for the view log)."""

    pupil: Pupil
    service: str
    # Set when the read goes through a trusted person's grant and no other relation: the reader logs it.
    grant_id: int | None = None
    # The diary only. None: every subject (the family, the pupil, a trusted person, the form tutor); else the
    # ids of the subjects the viewer teaches the pupil's class, as a subquery the diary's own queries carry.
    subject_ids: QuerySet[TimetableEntry, Any] | None = None
    teacher_id: int | None = None  # the subject teacher whose subjects ``subject_ids`` are

    def only(self, subject: str) -> Q:
        """A filter keeping the rows whose subject (the field path ``subject``, e.g. ``lesson__subject_id``)
        the viewer reads."""
        return Q() if self.subject_ids is None else Q(**{f"{subject}__in": self.subject_ids})

    def reads(self, subject_id: int) -> bool:
        return self.subject_ids is None or self.subject_ids.filter(subject_id=subject_id).exists()


def _fields(model: type[Model]) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields]


_PUPIL, _SCHOOL, _CLASS = _fields(Pupil), _fields(School), _fields(SchoolClass)
_FLAGS_FROM = len(_PUPIL) + len(_SCHOOL) + len(_CLASS)  # where a row's relation flags start


def _pupil_of(row: tuple[Any, ...]) -> Pupil:
    """The pupil with its school and class from a row of ``_PUPIL``, ``_SCHOOL`` and ``_CLASS`` values."""
    db, school_from = Pupil.objects.db, len(_PUPIL)
    pupil = Pupil.from_db(db, _PUPIL, row[:school_from])
    pupil.school = School.from_db(db, _SCHOOL, row[school_from : school_from + len(_SCHOOL)])
    pupil.school_class = SchoolClass.from_db(db, _CLASS, row[school_from + len(_SCHOOL) : _FLAGS_FROM])
    return pupil


def _student_query(service: str) -> Prepared:
    """The pupil with a public id, its school and class, and how a viewer is related to it: one query, compiled
    once per process (``core.prepared``: building and compiling its five subqueries was a fifth of the
    evening read's CPU)."""

    def build(*, viewer: int, public_id: UUID, now: datetime) -> QuerySet[Pupil, Any]:
        pupils = _with_relations(Pupil.objects.filter(public_id=public_id), viewer, service, now)
        return pupils.order_by().values_list(
            *_PUPIL,
            *(f"school__{name}" for name in _SCHOOL),
            *(f"school_class__{name}" for name in _CLASS),
            *(_holds_field(relation) for relation in RELATIONS),
        )[:1]

    return Prepared(build, viewer=int, public_id=UUID, now=datetime)


_STUDENT_QUERIES = {service: _student_query(service) for service in ALL_SERVICES}


def _student(viewer: Viewer, student_id: UUID | str, service: str) -> tuple[Pupil, Through]:
    """The student with this public id and how ``viewer`` is related to them; ``NotFound`` when there is no
    such student. One query."""
    if not _signed_in(viewer):
        raise NotFound()
    try:
        public_id = student_id if isinstance(student_id, UUID) else UUID(str(student_id))
    except ValueError:
        raise NotFound() from None
    found = _STUDENT_QUERIES[service].rows(viewer=viewer.pk, public_id=public_id, now=timezone.now())
    if not found:
        raise NotFound()
    row = found[0]
    pupil = _pupil_of(row)
    held = dict(zip(RELATIONS, row[_FLAGS_FROM:], strict=True))
    return pupil, Through.found(held, service)


def get_student(viewer: Viewer, student_id: UUID | str, *, service: str) -> Read:
    """The student with this public id if ``viewer`` may use the whole of ``service`` for them; else
    ``NotFound``. One query whatever the relation, so the evening read stays within its query budget.
    A subject teacher reads only part of the diary: ``get_diary``."""
    pupil, through = _student(viewer, student_id, service)
    if not (through.whole or through.grant_id is not None):
        raise NotFound()
    return Read(pupil=pupil, service=service, grant_id=through.grant_id)


def get_diary(viewer: Viewer, student_id: UUID | str) -> Read:
    """The pupil with this public id and the subjects ``viewer`` reads their diary in; else ``NotFound``.

    One query: a teacher's subjects are not fetched here but filtered on in the caller's queries
    (``Read.only``), so the week keeps its query budget whoever reads it.
    """
    pupil, through = _student(viewer, student_id, DIARY)
    if through.whole or through.grant_id is not None:
        return Read(pupil=pupil, service=DIARY, grant_id=through.grant_id)
    if Relation.TEACHER not in through.relations or not isinstance(viewer, User):
        raise NotFound()
    subject_ids = _teaches(viewer, pupil.school_class_id).values("subject_id")
    return Read(pupil=pupil, service=DIARY, subject_ids=subject_ids, teacher_id=viewer.pk)


@dataclass(frozen=True)
class VisibleStudent:
    """A student a person sees as family, how they are related, and which services they may use."""

    pupil: Pupil
    relation: Relation  # the closest: self, then guardian, then trusted
    services: tuple[str, ...]
    manages_trust: bool = False  # an adult guardian: invites, lists and revokes the pupil's trusted persons
    # The service a trusted person's grant opens -> that grant's id, unless a closer relation opens it wholly.
    grants: tuple[tuple[str, int], ...] = ()

    def read(self, service: str) -> Read | None:
        """The read of ``service`` this relation opens (as ``get_student`` would answer), else None."""
        if service not in self.services:
            return None
        return Read(pupil=self.pupil, service=service, grant_id=dict(self.grants).get(service))


def _visible_flags() -> dict[str, tuple[Relation, tuple[str, ...]]]:
    """The flags of the family query, by name: the relation each is, and the services it opens."""
    flags: dict[str, tuple[Relation, tuple[str, ...]]] = {}
    for relation in FAMILY:
        link = RELATIONS[relation]
        # A grant opens its own service: one flag per service; any other relation opens all it opens at once.
        groups: list[tuple[str, ...]] = [(service,) for service in link.opens] if link.by_grant else [link.opens]
        for services in groups:
            flags[f"{_holds_field(relation)}_{'_'.join(services)}"] = (relation, services)
    return flags


_VISIBLE_FLAGS = _visible_flags()


def _visible_query() -> Prepared:
    """Every student a viewer reads as family with one flag per relation and service: compiled once per
    process (``core.prepared``), as it is on every family page (the children to switch between)."""

    def build(*, viewer: int, now: datetime) -> QuerySet[Pupil, Any]:
        # A grant's flag is the grant's id (the view log names it), any other relation's a plain ``Exists``.
        annotations: dict[str, Any] = {}
        for name, (relation, services) in _VISIBLE_FLAGS.items():
            if RELATIONS[relation].by_grant:
                grants = _rows(relation, viewer, services[0], now).order_by("pk").values("pk")[:1]
                annotations[name] = Subquery(grants)
            else:
                annotations[name] = Exists(_rows(relation, viewer, None, now))
        held = (
            Q(**{f"{name}__isnull": False}) if isinstance(flag, Subquery) else Q(**{name: True})
            for name, flag in annotations.items()
        )
        return (
            Pupil.objects.filter(pk__in=_candidates(viewer, FAMILY, now=now))
            .annotate(**annotations)
            .filter(reduce(operator.or_, held))
            .select_related("school", "school_class")
            .order_by("birth_date", "pk")
            .values_list(
                *_PUPIL,
                *(f"school__{name}" for name in _SCHOOL),
                *(f"school_class__{name}" for name in _CLASS),
                *annotations,
            )
        )

    return Prepared(build, viewer=int, now=datetime)


_VISIBLE_QUERY = _visible_query()


def visible_students(viewer: Viewer) -> list[VisibleStudent]:
    """Every student whose data ``viewer`` reads as family (``FAMILY`` of the table), the closest relation
    first, then by birth date; one query whatever their number."""
    if not _signed_in(viewer):
        return []
    found = []
    for row in _VISIBLE_QUERY.rows(viewer=viewer.pk, now=timezone.now()):
        pupil = _pupil_of(row)
        held = [(*flag, value) for flag, value in zip(_VISIBLE_FLAGS.values(), row[_FLAGS_FROM:], strict=True) if value]
        relation = min((relation for relation, _services, _value in held), key=FAMILY.index)
        whole = {
            service for relation, services, _value in held if not RELATIONS[relation].by_grant for service in services
        }
        granted = {
            services[0]: int(value)
            for relation, services, value in held
            if RELATIONS[relation].by_grant and services[0] not in whole
        }
        found.append(
            VisibleStudent(
                pupil=pupil,
                relation=relation,
                services=tuple(service for service in ALL_SERVICES if service in whole or service in granted),
                manages_trust=relation == Relation.GUARDIAN and not viewer.is_minor,
                grants=tuple(sorted(granted.items())),
            )
        )
    return sorted(found, key=lambda visible: FAMILY.index(visible.relation))


def read_among(visible: list[VisibleStudent], student_id: UUID | str, service: str) -> Read | None:
    """The family read of ``service`` for ``student_id`` that ``visible`` (``visible_students`` of this very
    request) already decided, so that a family page asks the database once for both its child switcher and its
    access check; None when the family relations do not open it (a teacher's read: ``get_diary``)."""
    wanted = str(student_id)
    child = next((child for child in visible if str(child.pupil.public_id) == wanted), None)
    return child.read(service) if child is not None else None


# --- Classes and lessons ----------------------------------------------------------------------------------------


def _tutors(viewer: User, school_class: Any) -> QuerySet[StaffMember]:
    """Rows saying ``viewer`` is the form tutor of ``school_class`` (an id, a class or an ``OuterRef``)."""
    return _form_tutor_rows().filter(account=viewer, school_class=school_class)


def _teaches(viewer: User, school_class: Any) -> QuerySet[TimetableEntry]:
    """The timetable entries by which ``viewer`` teaches ``school_class``: their subjects are the ones a
    subject teacher reads the class's diary in (DESIGN §2)."""
    return TimetableEntry.objects.filter(teacher=viewer, school_class=school_class)


def taught_entries(viewer: Viewer) -> QuerySet[TimetableEntry]:
    """The timetable entries ``viewer`` teaches: the (class, subject) pairs whose gradebook they write in."""
    if not _signed_in(viewer):
        return TimetableEntry.objects.none()
    return TimetableEntry.objects.filter(teacher=viewer)


def tutored_entries(viewer: Viewer) -> QuerySet[TimetableEntry]:
    """The timetable entries of the classes ``viewer`` is the form tutor of: read, every subject."""
    if not _signed_in(viewer):
        return TimetableEntry.objects.none()
    return TimetableEntry.objects.filter(Exists(_tutors(viewer, OuterRef("school_class"))))


def get_class(viewer: Viewer, school_class_id: int, *, subject_id: int) -> SchoolClass:
    """The class if ``viewer`` reads its diary in ``subject_id`` (its form tutor, or a teacher of that subject
    there); else ``NotFound``. One query; annotated with ``teaches`` (a teacher of the subject there, who
    writes, where the form tutor only reads)."""
    if not _signed_in(viewer):
        raise NotFound()
    school_class = (
        SchoolClass.objects.filter(pk=school_class_id)
        .annotate(
            teaches=Exists(_teaches(viewer, OuterRef("pk")).filter(subject_id=subject_id)),
            tutors=Exists(_tutors(viewer, OuterRef("pk"))),
        )
        .select_related("school")
        .first()
    )
    if school_class is None or not (school_class.teaches or school_class.tutors):
        raise NotFound()
    return school_class


def _teaches_lesson(viewer: Viewer, lesson: Lesson) -> bool:
    return _signed_in(viewer) and lesson.teacher_id == viewer.pk


def _reads_subject(viewer: Viewer, target: tuple[SchoolClass | int, int]) -> bool:
    """``(school_class, subject_id)``: the class's form tutor and the teachers of that subject there."""
    if not _signed_in(viewer):
        return False
    school_class, subject_id = target
    return bool(
        _tutors(viewer, school_class).exists() or _teaches(viewer, school_class).filter(subject_id=subject_id).exists()
    )


def _reads_class_lesson(viewer: Viewer, lesson: Lesson) -> bool:
    """The whole class's marks and attendance at a lesson: its teacher and the staff reading its subject."""
    return _teaches_lesson(viewer, lesson) or _reads_subject(viewer, (lesson.school_class_id, lesson.subject_id))


def _lesson_reader(viewer: Viewer, lesson: Lesson) -> Through | None:
    """How ``viewer`` reads the lesson (the class's staff of its subject, or the family of a pupil of the
    class), preferring a relation to a grant; None when they do not."""
    if not _signed_in(viewer):
        return None
    if _reads_class_lesson(viewer, lesson):
        return Through(relations=frozenset(), whole=True, grant_id=None)
    in_class = readable_pupils(viewer, DIARY).filter(school_class_id=lesson.school_class_id).order_by("pk")
    ways = [Through.of(pupil, DIARY) for pupil in _with_relations(in_class, viewer, DIARY)]
    whole = next((way for way in ways if way.whole), None)
    return whole or min(ways, key=lambda way: way.grant_id or 0, default=None)  # the oldest grant, as before


@dataclass(frozen=True)
class LessonRead:
    """A lesson a viewer reads, and the grant it goes through (for the view log), as ``Read`` for a pupil."""

    lesson: Lesson
    service: str = DIARY
    grant_id: int | None = None


def read_lesson(viewer: Viewer, lesson: Lesson | None) -> LessonRead:
    """``lesson`` if ``viewer`` may read it (``lesson.read``); else ``NotFound``. Two queries at most."""
    way = _lesson_reader(viewer, lesson) if lesson is not None else None
    if lesson is None or way is None:
        raise NotFound()
    return LessonRead(lesson=lesson, grant_id=way.grant_id)


def _reads_lesson(viewer: Viewer, lesson: Lesson) -> bool:
    return _lesson_reader(viewer, lesson) is not None


# --- Absence notes («ребёнок не придёт») --------------------------------------------------------------------------

# A linked guardian files and withdraws a note; the pupil's own account reads the notes about them but files
# none (a note is the family's word to the school, given by an adult who answers for it). Trusted persons,
# whatever their grant, neither read nor file: it is not part of the diary they were let into.
ABSENCE_FILERS = (Relation.GUARDIAN,)
ABSENCE_READERS = (Relation.GUARDIAN, Relation.SELF)


# Alerts on a pupil's diary (issue 17): a linked guardian sets them for the child, and the pupil for
# themselves; a trusted person reads the diary but does not set the family's alerts.
ALERT_SETTERS = (Relation.GUARDIAN, Relation.SELF)


def alerting_pupil(viewer: Viewer, student_id: UUID | str) -> Pupil:
    """The pupil whose alerts ``viewer`` may read and set; else ``NotFound``."""
    return family_pupil(viewer, student_id, ALERT_SETTERS)


def family_pupil(viewer: Viewer, student_id: UUID | str, relations: Iterable[Relation]) -> Pupil:
    """The pupil with this public id if ``viewer`` holds one of ``relations`` to them; else ``NotFound``.
    One query."""
    if not _signed_in(viewer):
        raise NotFound()
    pupil = (
        Pupil.objects.by_public_id(student_id)
        .filter(_related(viewer, relations))
        .select_related("school", "school_class")
        .first()
    )
    if pupil is None:
        raise NotFound()
    return pupil


def tutored_classes(viewer: Viewer) -> QuerySet[SchoolClass]:
    """The classes ``viewer`` is the form tutor of."""
    if not _signed_in(viewer):
        return SchoolClass.objects.none()
    return SchoolClass.objects.filter(Exists(_tutors(viewer, OuterRef("pk"))))


def tutored_class(viewer: Viewer, school_class_id: int) -> SchoolClass:
    """The class if ``viewer`` is its form tutor (who sees the class's absence notes); else ``NotFound``."""
    found = tutored_classes(viewer).filter(pk=school_class_id).select_related("school").first()
    if found is None:
        raise NotFound()
    return found


def _withdraws_note(viewer: Viewer, note: AbsenceNote) -> bool:
    """Every linked guardian of the child may withdraw the child's note, as they share its trusted persons."""
    return _signed_in(viewer) and related_pupils(viewer, *ABSENCE_FILERS).filter(pk=note.pupil_id).exists()


# --- Announcements -----------------------------------------------------------------------------------------------

# Whose confirmation counts for a pupil's family when an announcement asks to confirm reading it: a linked
# guardian or the pupil themself. A trusted person reads the announcement and may mark it read, but does not
# answer for the family.
CONFIRMERS = (Relation.GUARDIAN, Relation.SELF)


def announceable_classes(viewer: Viewer) -> QuerySet[SchoolClass]:
    """The classes ``viewer`` may post an announcement to as staff: those they teach by the timetable and the
    class they are the form tutor of. The whole school or chosen grades: ``registrar_school_ids``."""
    if not _signed_in(viewer):
        return SchoolClass.objects.none()
    return SchoolClass.objects.filter(
        Q(Exists(_teaches(viewer, OuterRef("pk")))) | Q(Exists(_tutors(viewer, OuterRef("pk"))))
    )


def audience_pupils() -> QuerySet[Pupil]:
    """The pupils an announcement to their class reaches: those studying (not those who left)."""
    return Pupil.objects.filter(status=Pupil.Status.STUDYING)


def readable_announcements(viewer: Viewer) -> QuerySet[Announcement]:
    """The announcements ``viewer`` reads as family: those to a class of a studying pupil whose diary they read
    as the pupil, a linked guardian or a trusted person of the diary (``FAMILY``). Staff read their own
    announcements through ``announcement.manage``."""
    if not _signed_in(viewer):
        return Announcement.objects.none()
    relations = [relation for relation in FAMILY if DIARY in RELATIONS[relation].opens]
    pupils = audience_pupils().filter(_related(viewer, relations, DIARY))
    to_them = AnnouncementClass.objects.filter(announcement=OuterRef("pk"), school_class__pupils__in=pupils)
    return Announcement.objects.filter(Exists(to_them))


def family_in(account_ids: QuerySet[Any], relations: Iterable[Relation] = CONFIRMERS) -> Q:
    """A filter on ``Pupil``: one of ``account_ids`` (a subquery of account ids, which may refer to the outer
    query with ``OuterRef(OuterRef(…))``) holds one of ``relations`` to the pupil."""
    found = Q(pk__in=[])
    for relation in relations:
        link = RELATIONS[relation]
        outer = OuterRef("school_class" if link.by_class else "pk")
        found |= Q(Exists(link.rows().filter(**{link.pupil: outer, f"{link.account}__in": account_ids})))
    return found


def _authored(viewer: Viewer, announcement: Announcement) -> bool:
    return _signed_in(viewer) and announcement.author_id == viewer.pk


# --- Conversations between a pupil's family and the school ---------------------------------------------------


class Side(StrEnum):
    """The two sides of a thread about a pupil."""

    FAMILY = "family"  # the pupil's linked guardians and the pupil's own account (``MESSAGES`` of the table)
    SCHOOL = "school"  # the thread's teacher, while a staff relation (``STAFF``) ties them to the pupil


def _thread_sides(viewer: User, now: datetime | None = None) -> tuple[Q, Q]:
    """Filters on ``Thread``: ``viewer`` is on its family side; ``viewer`` is its school side."""
    family = _related(viewer, _opening(MESSAGES), MESSAGES, through="pupil__", now=now)
    school = Q(teacher=viewer) & _related(viewer, STAFF, through="pupil__", now=now)
    return family, school


def visible_threads(viewer: Viewer, now: datetime | None = None) -> QuerySet[Thread]:
    """The threads ``viewer`` reads and writes in (as a filter to build on): those about a pupil whose family
    side they are on, and their own as the pupil's teacher (at ``now``, right now by default: a query compiled
    once passes it as a parameter). A trusted person, a teacher of another class and anyone else: none."""
    if not _signed_in(viewer):
        return Thread.objects.none()
    family, school = _thread_sides(viewer, now)
    return Thread.objects.filter(family | school)


@dataclass(frozen=True)
class ThreadAccess:
    """A thread a viewer is on, which side, and whether the school side muted them there."""

    thread: Thread
    viewer_id: int
    side: Side
    muted: bool


def get_thread(viewer: Viewer, thread_id: int) -> ThreadAccess:
    """The thread if ``viewer`` is on it, with their side and mute; else ``NotFound``. One query."""
    if not _signed_in(viewer):
        raise NotFound()
    family, school = _thread_sides(viewer)
    thread = (
        Thread.objects.filter(family | school, pk=thread_id)
        .annotate(
            on_school=ExpressionWrapper(school, output_field=BooleanField()),
            is_muted=Exists(ThreadMute.objects.filter(thread=OuterRef("pk"), user=viewer)),
        )
        .select_related("pupil__school", "pupil__school_class", "teacher", "subject")
        .first()
    )
    if thread is None:
        raise NotFound()
    side = Side.SCHOOL if thread.on_school else Side.FAMILY
    return ThreadAccess(thread=thread, viewer_id=viewer.pk, side=side, muted=bool(thread.is_muted))


def messaging_pupils(viewer: Viewer) -> QuerySet[Pupil]:
    """The pupils ``viewer`` may start a thread about: a guardian's children, a teacher's pupils."""
    if not _signed_in(viewer):
        return Pupil.objects.none()
    return Pupil.objects.filter(_related(viewer, [Relation.GUARDIAN, *STAFF]))


def pupil_staff(pupil: Pupil) -> QuerySet[TimetableEntry]:
    """The pupil's teachers by subject, from the timetable of the class: whom the family may write to (the
    form tutor too: ``pupil_tutors``)."""
    return TimetableEntry.objects.filter(school_class_id=pupil.school_class_id)


def pupil_tutors(pupil: Pupil) -> QuerySet[StaffMember]:
    return _form_tutor_rows().filter(school_class_id=pupil.school_class_id, account__isnull=False)


@dataclass(frozen=True)
class NewThread:
    """What ``thread.start`` is asked about: a thread about ``pupil`` with ``teacher`` (about ``subject_id``)."""

    pupil: Pupil
    teacher: User
    subject_id: int | None


def _starts_thread(viewer: Viewer, new: NewThread) -> bool:
    """A linked guardian with one of the pupil's teachers in a subject they teach the class (or the form
    tutor); a teacher of the pupil (or the form tutor) with the pupil's family, as themself."""
    if not _signed_in(viewer) or not holds(new.teacher, new.pupil, *STAFF):
        return False
    if (
        new.subject_id is not None
        and not _teaches(new.teacher, new.pupil.school_class_id).filter(subject_id=new.subject_id).exists()
    ):
        return False
    if new.teacher.pk == viewer.pk:
        return True
    return new.subject_id is not None or pupil_tutors(new.pupil).filter(account=new.teacher).exists()


def _guards_for_messages(viewer: Viewer, new: NewThread) -> bool:
    return _signed_in(viewer) and holds(viewer, new.pupil, Relation.GUARDIAN) and _starts_thread(viewer, new)


def _starts_as_school(viewer: Viewer, new: NewThread) -> bool:
    return _signed_in(viewer) and new.teacher.pk == viewer.pk and _starts_thread(viewer, new)


def _writes_in(viewer: Viewer, on: ThreadAccess) -> bool:
    """Everyone on the thread writes, except a person the school side muted there."""
    return _signed_in(viewer) and on.viewer_id == viewer.pk and not on.muted


def _mutes_in(viewer: Viewer, on: ThreadAccess) -> bool:
    """The school side keeps order in its thread: it mutes and unmutes the family side's persons."""
    return _signed_in(viewer) and on.viewer_id == viewer.pk and on.side == Side.SCHOOL


def _sees_receipts(viewer: Viewer, on: ThreadAccess) -> bool:
    """Both sides see who of the thread has read each message."""
    return _signed_in(viewer) and on.viewer_id == viewer.pk


def _wrote(viewer: Viewer, message: Message) -> bool:
    """Only its author edits or withdraws a message (the 15 minutes of an edit are the service's rule)."""
    return _signed_in(viewer) and message.author_id == viewer.pk


def _discloses(viewer: Viewer, thread: Thread) -> bool:
    """The registrar of the pupil's school opens a thread on a written request (an audited action)."""
    return thread.pupil.school_id in registrar_school_ids(viewer)


# --- One rule per action ----------------------------------------------------------------------------------------


def _is_self(viewer: Viewer, account: User) -> bool:
    return _signed_in(viewer) and viewer.pk == account.pk


def _owns(viewer: Viewer, record: ClientConsent) -> bool:
    return _is_self(viewer, record.user)


def _owns_request(viewer: Viewer, record: LinkRequest) -> bool:
    return _is_self(viewer, record.account)


def registrar_school_ids(viewer: Viewer) -> set[int]:
    """Schools whose registry ``viewer`` keeps."""
    if not _signed_in(viewer):
        return set()
    return set(
        StaffMember.objects.filter(account=viewer, role=StaffMember.Role.REGISTRAR).values_list("school_id", flat=True)
    )


# What a registrar's rules are asked about: the school itself, or a record of it.
OfSchool: TypeAlias = School | SchoolClass | Pupil | Guardian | LinkRequest


def _school_of(obj: OfSchool) -> int:
    if isinstance(obj, School):
        return int(obj.pk)
    if isinstance(obj, Guardian):
        return obj.pupil.school_id
    return obj.school_id


def _registrar_of(viewer: Viewer, obj: OfSchool) -> bool:
    return _school_of(obj) in registrar_school_ids(viewer)


def _ends_link(viewer: Viewer, record: Pupil | Guardian) -> bool:
    """A link of a registry record to an account ends by the linked person or the school's registrar."""
    return (record.account is not None and _is_self(viewer, record.account)) or _registrar_of(viewer, record)


def _sets_final(viewer: Viewer, target: tuple[Pupil, int]) -> bool:
    """``(pupil, subject_id)``: the teacher of that subject in the pupil's class sets the finals."""
    if not _signed_in(viewer):
        return False
    pupil, subject_id = target
    return bool(_teaches(viewer, pupil.school_class_id).filter(subject_id=subject_id).exists())


def _guards(viewer: Viewer, pupil: Pupil) -> bool:
    """An adult linked guardian of the pupil: may invite, list and revoke the pupil's trusted persons."""
    return _adult(viewer) and guarded_pupils(viewer).filter(pk=pupil.pk).exists()


def _manages_grant(viewer: Viewer, grant: Grant) -> bool:
    """Every linked guardian of the child sees and manages the same list of its grants."""
    return _guards(viewer, grant.pupil)


def _answers_invitation(viewer: Viewer, grant: Grant) -> bool:
    """The invitation is addressed to ``viewer`` (surname and verified SNILS or confirmed phone), or was accepted
    by them."""
    if not _adult(viewer):
        return False
    if grant.invitee_id is not None:
        return bool(grant.invitee_id == viewer.pk)
    return is_addressed_to(grant, viewer)


def _holds_grant(viewer: Viewer, grant: Grant) -> bool:
    return _signed_in(viewer) and grant.invitee_id == viewer.pk


def _verifies_snils_of(viewer: Viewer, account: User) -> bool:
    """A registrar confirms the SNILS of an account linked to a pupil or guardian record of their own school
    (they see that person, and the document, at the school); of nobody else."""
    schools = registrar_school_ids(viewer)
    if not schools:
        return False
    linked = _related(account, [Relation.SELF, Relation.GUARDIAN])
    return Pupil.objects.filter(linked, school_id__in=schools).exists()


# Each rule takes the viewer and the object of its action (its own type, named in its signature).
Rule: TypeAlias = Callable[[Viewer, Any], bool]

RULES: dict[str, Rule] = {
    "account.view": _is_self,
    "account.edit": _is_self,
    "client_consent.revoke": _owns,
    "link_request.view": _owns_request,
    # A registrar keeps the registry of their own school: records, imports, the link queue.
    "registry.manage": _registrar_of,
    "registry.link.end": _ends_link,
    # Custody limits: a registrar of the pupil's school restricts (and lifts the restriction of) a guardian.
    "guardian.restrict": _registrar_of,
    "account.snils.verify": _verifies_snils_of,
    "trust.manage": _guards,
    "grant.manage": _manages_grant,
    "subscription.answer": _answers_invitation,
    "grant.leave": _holds_grant,
    "final.write": _sets_final,
    # A teacher writes marks, homework, attendance and topics only for their own lessons.
    "lesson.write": _teaches_lesson,
    # Families read a lesson of their child's class (``read_lesson`` also says through which grant);
    # staff read it in the subjects they teach the class, the form tutor in all.
    "lesson.read": _reads_lesson,
    "lesson.read_class": _reads_class_lesson,
    "absence.withdraw": _withdraws_note,
    # The author sees who has read an announcement and reminds those who have not.
    "announcement.manage": _authored,
    # Conversations (``messaging``): who starts, writes, mutes, sees receipts, edits, and discloses.
    "thread.start.family": _guards_for_messages,
    "thread.start.school": _starts_as_school,
    "thread.write": _writes_in,
    "thread.mute": _mutes_in,
    "thread.receipts": _sees_receipts,
    "message.change": _wrote,
    "thread.disclose": _discloses,
}


def can(viewer: Viewer, action: str, obj: object) -> bool:
    try:
        rule = RULES[action]
    except KeyError:
        raise LookupError(f"No access rule for {action!r}") from None
    return rule(viewer, obj)


def require(viewer: Viewer, action: str, obj: T | None) -> T:
    """The object, if ``viewer`` may do ``action`` on it; otherwise ``NotFound``, as if it did not exist."""
    if obj is None or not can(viewer, action, obj):
        raise NotFound()
    return obj


def teaches_anything(account: User) -> bool:
    """Whether the account teaches anything: a timetable entry or a lesson (a replacement), in one query."""
    return User.objects.filter(
        Q(pk=account.pk),
        Exists(TimetableEntry.objects.filter(teacher=OuterRef("pk")))
        | Exists(Lesson.objects.filter(teacher=OuterRef("pk"))),
    ).exists()


# --- Homework answers ----------------------------------------------------------------------------------------------

# Only the pupil's own account hands in an answer; the family (a linked guardian, a trusted person of the diary)
# reads it, as the rest of the diary, and the lesson's teacher reviews it.
ANSWERERS = (Relation.SELF,)


def answering_pupil(viewer: Viewer, school_class_id: int) -> Pupil:
    """The pupil of this class whose own account ``viewer`` is (who may hand in an answer); else ``NotFound``."""
    if not _signed_in(viewer):
        raise NotFound()
    pupil = (
        related_pupils(viewer, *ANSWERERS)
        .filter(school_class_id=school_class_id, status=Pupil.Status.STUDYING)
        .order_by("pk")
        .first()
    )
    if pupil is None:
        raise NotFound()
    return pupil


def answer_reading_pupils(viewer: Viewer, school_class_id: int) -> QuerySet[Pupil]:
    """The pupils of this class whose homework answers ``viewer`` reads as family (the whole diary)."""
    return readable_pupils(viewer, DIARY).filter(school_class_id=school_class_id)


def read_answer(viewer: Viewer, pupil: Pupil, lesson: Lesson) -> Read | LessonRead:
    """A pupil's answer to the homework set at ``lesson`` (its text and files): the lesson's teacher and the staff
    reading its subject in the class (the form tutor too), or a reader of the pupil's diary in that subject (the
    pupil, the family, a trusted person with the diary: the answer tells through which grant); else ``NotFound``."""
    if _signed_in(viewer) and _reads_class_lesson(viewer, lesson):
        return LessonRead(lesson=lesson)
    read = get_diary(viewer, pupil.public_id)
    if not read.reads(lesson.subject_id):
        raise NotFound()
    return read
