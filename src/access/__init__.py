"""The one module that decides who may read or write what (DESIGN §2).

Every page, API handler, export and notification asks here; none decides on its own. Each action
has one rule in ``RULES``; a refusal raises ``NotFound`` so that "not yours" and "missing" look
the same. Which students a person sees, and through which relation, is ``visible_students``.

The diary is read per subject: the family, the pupil, a trusted person and the form tutor read every
subject; a teacher of the class only the subjects they teach it by the timetable (``get_diary`` for a
pupil, ``get_class`` and ``lesson.read_class`` for the whole class, ``lesson.read`` for a lesson's files).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast

from core.errors import NotFound

if TYPE_CHECKING:
    from django.db.models import Q

    from registry.models import Pupil, SchoolClass

Rule = Callable[[Any, Any], bool]
T = TypeVar("T")

DIARY = "diary"
VISITS_MEALS = "visits_meals"
ALL_SERVICES = (DIARY, VISITS_MEALS)


def _signed_in(viewer: Any) -> bool:
    return bool(viewer.is_authenticated and viewer.is_active)


def _is_self(viewer: Any, account: Any) -> bool:
    return _signed_in(viewer) and viewer.pk == account.pk


def _owns(viewer: Any, record: Any) -> bool:
    return _is_self(viewer, record.user)


def _owns_request(viewer: Any, record: Any) -> bool:
    return _is_self(viewer, record.account)


def registrar_school_ids(viewer: Any) -> set[int]:
    """Schools whose registry ``viewer`` keeps."""
    if not _signed_in(viewer):
        return set()
    from registry.models import StaffMember

    return set(
        StaffMember.objects.filter(account=viewer, role=StaffMember.Role.REGISTRAR).values_list("school_id", flat=True)
    )


def _school_of(obj: Any) -> int | None:
    """The school an object belongs to: a school itself, or anything with ``school_id``."""
    from registry.models import School

    if isinstance(obj, School):
        return int(obj.pk)
    school_id = getattr(obj, "school_id", None)
    if school_id is None and hasattr(obj, "pupil"):
        school_id = obj.pupil.school_id
    return school_id


def _registrar_of(viewer: Any, obj: Any) -> bool:
    return _school_of(obj) in registrar_school_ids(viewer)


RULES: dict[str, Rule] = {
    "account.view": _is_self,
    "account.edit": _is_self,
    "client_consent.revoke": _owns,
    "link_request.view": _owns_request,
    # A registrar keeps the registry of their own school: records, imports, the link queue.
    "registry.manage": _registrar_of,
}


def can(viewer: Any, action: str, obj: Any) -> bool:
    try:
        rule = RULES[action]
    except KeyError:
        raise LookupError(f"No access rule for {action!r}") from None
    return rule(viewer, obj)


def require(viewer: Any, action: str, obj: T | None) -> T:
    """The object, if ``viewer`` may do ``action`` on it; otherwise ``NotFound``, as if it did not exist."""
    if obj is None or not can(viewer, action, obj):
        raise NotFound()
    return obj


@dataclass(frozen=True)
class VisibleStudent:
    """A student a person may see, how they are related, and which services they may use."""

    pupil: Pupil
    relation: str  # "guardian" | "self" | "trusted"
    services: tuple[str, ...]


def visible_students(viewer: Any) -> list[VisibleStudent]:
    """Every student whose data ``viewer`` may read, in three queries whatever their number."""
    if not _signed_in(viewer):
        return []
    from registry.models import Pupil

    related = ("school", "school_class")
    seen: dict[int, VisibleStudent] = {}
    for pupil in Pupil.objects.filter(account=viewer).select_related(*related):
        seen[pupil.pk] = VisibleStudent(pupil=pupil, relation="self", services=ALL_SERVICES)
    guarded = Pupil.objects.filter(guardians__account=viewer).select_related(*related).distinct()
    for pupil in guarded.order_by("birth_date", "pk"):
        seen.setdefault(pupil.pk, VisibleStudent(pupil=pupil, relation="guardian", services=ALL_SERVICES))
    from trust.models import active_grants

    trusted: dict[int, list[str]] = {}
    pupils: dict[int, Pupil] = {}
    for grant in (
        active_grants()
        .filter(invitee=viewer)
        .select_related(*(f"pupil__{name}" for name in related), "pupil")
        .order_by("pupil__birth_date", "pk")
    ):
        if grant.pupil_id not in seen:
            pupils[grant.pupil_id] = grant.pupil
            trusted.setdefault(grant.pupil_id, []).append(grant.service)
    for pupil_id, services in trusted.items():
        ordered = tuple(service for service in ALL_SERVICES if service in services)
        seen[pupil_id] = VisibleStudent(pupil=pupils[pupil_id], relation="trusted", services=ordered)
    return list(seen.values())


# Which services each relation to a student opens (DESIGN §2). A teacher of the class reads no whole
# service: only the diary of the subjects they teach the class (``get_diary``).
SERVICES_BY_RELATION: dict[str, tuple[str, ...]] = {
    "self": ALL_SERVICES,
    "guardian": ALL_SERVICES,
    "form_tutor": ALL_SERVICES,
    "teacher": (),
}


def _tutors(viewer: Any, school_class: Any) -> Any:
    """Rows saying ``viewer`` is the form tutor of ``school_class`` (an id, a class or an ``OuterRef``)."""
    from registry.models import StaffMember

    return StaffMember.objects.filter(account=viewer, role=StaffMember.Role.FORM_TUTOR, school_class=school_class)


def _teaches(viewer: Any, school_class: Any) -> Any:
    """The timetable entries by which ``viewer`` teaches ``school_class``: their subjects are the ones a
    subject teacher reads the class's diary in (DESIGN §2)."""
    from diary.models import TimetableEntry

    return TimetableEntry.objects.filter(teacher=viewer, school_class=school_class)


def _student(viewer: Any, student_id: Any, service: str) -> tuple[Any, bool]:
    """The student with this public id, annotated with the viewer's relations, and whether ``viewer`` may
    use the whole of ``service`` for them; ``NotFound`` when there is no such student. One query.

    A read through a trusted person's grant (and no other relation) is written to the view log the
    guardians see: here, so that no page or endpoint can forget it.
    """
    if not _signed_in(viewer):
        raise NotFound()
    from django.db.models import Exists, OuterRef, Subquery

    from registry.models import Guardian, Pupil
    from trust.models import active_grants

    pupil: Any = (  # annotated with the viewer's relations
        Pupil.objects.by_public_id(student_id)
        .annotate(
            is_guardian=Exists(Guardian.objects.filter(pupil=OuterRef("pk"), account=viewer)),
            is_form_tutor=Exists(_tutors(viewer, OuterRef("school_class"))),
            teaches=Exists(_teaches(viewer, OuterRef("school_class"))),
            trusted_grant_id=Subquery(
                active_grants().filter(pupil=OuterRef("pk"), invitee=viewer, service=service).values("pk")[:1]
            ),
        )
        .select_related("school", "school_class")
        .first()
    )
    if pupil is None:
        raise NotFound()
    relations = [
        name
        for name, holds in (
            ("self", pupil.account_id == viewer.pk),
            ("guardian", pupil.is_guardian),
            ("form_tutor", pupil.is_form_tutor),
            ("teacher", pupil.teaches),
        )
        if holds
    ]
    if any(service in SERVICES_BY_RELATION[relation] for relation in relations):
        return pupil, True
    if pupil.trusted_grant_id is None:
        return pupil, False
    from trust.services import record_view

    record_view(grant_id=pupil.trusted_grant_id, section=service)
    return pupil, True


def get_student(viewer: Any, student_id: Any, *, service: str) -> Pupil:
    """The student with this public id if ``viewer`` may use the whole of ``service`` for them; else
    ``NotFound``. One query whatever the relation, so the evening read stays within its query budget.
    A subject teacher reads only part of the diary: ``get_diary``."""
    pupil, whole = _student(viewer, student_id, service)
    if not whole:
        raise NotFound()
    return cast("Pupil", pupil)


@dataclass(frozen=True)
class Diary:
    """A pupil whose diary a viewer reads, and in which subjects (DESIGN §2)."""

    pupil: Pupil
    # None: every subject (the family, the pupil, a trusted person, the form tutor); else the ids of the
    # subjects the viewer teaches the pupil's class, as a subquery the diary's own queries carry.
    subject_ids: Any = None

    def only(self, subject: str) -> Q:
        """A filter keeping the rows whose subject (the field path ``subject``, e.g. ``lesson__subject_id``)
        the viewer reads."""
        from django.db.models import Q

        return Q() if self.subject_ids is None else Q(**{f"{subject}__in": self.subject_ids})

    def reads(self, subject_id: int) -> bool:
        return self.subject_ids is None or self.subject_ids.filter(subject_id=subject_id).exists()


def get_diary(viewer: Any, student_id: Any) -> Diary:
    """The pupil with this public id and the subjects ``viewer`` reads their diary in; else ``NotFound``.

    One query: a teacher's subjects are not fetched here but filtered on in the caller's queries
    (``Diary.only``), so the week keeps its query budget whoever reads it.
    """
    pupil, whole = _student(viewer, student_id, DIARY)
    if whole:
        return Diary(pupil=pupil)
    if not pupil.teaches:
        raise NotFound()
    return Diary(pupil=pupil, subject_ids=_teaches(viewer, pupil.school_class_id).values("subject_id"))


def get_class(viewer: Any, school_class_id: int, *, subject_id: int) -> SchoolClass:
    """The class if ``viewer`` reads its diary in ``subject_id`` (its form tutor, or a teacher of that subject
    there); else ``NotFound``. One query; annotated with ``teaches`` (a teacher of the subject there, who
    writes, where the form tutor only reads)."""
    if not _signed_in(viewer):
        raise NotFound()
    from django.db.models import Exists, OuterRef

    from registry.models import SchoolClass

    school_class: Any = (
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
    return cast("SchoolClass", school_class)


def _teaches_lesson(viewer: Any, lesson: Any) -> bool:
    return _signed_in(viewer) and lesson.teacher_id == viewer.pk


def _reads_subject(viewer: Any, target: tuple[Any, int]) -> bool:
    """``(school_class, subject_id)``: the class's form tutor and the teachers of that subject there."""
    if not _signed_in(viewer):
        return False
    school_class, subject_id = target
    return bool(
        _tutors(viewer, school_class).exists() or _teaches(viewer, school_class).filter(subject_id=subject_id).exists()
    )


def _reads_class_lesson(viewer: Any, lesson: Any) -> bool:
    """The whole class's marks and attendance at a lesson: its teacher and the staff reading its subject."""
    return _teaches_lesson(viewer, lesson) or _reads_subject(viewer, (lesson.school_class_id, lesson.subject_id))


def _lesson_reader(viewer: Any, lesson: Any) -> tuple[bool, int | None]:
    """Whether ``viewer`` reads the lesson (the class's staff of its subject, or the family of a pupil of the
    class), and the trusted person's grant it is read through when that is the only way."""
    if not _signed_in(viewer):
        return False, None
    if _reads_class_lesson(viewer, lesson):
        return True, None
    from django.db.models import Q

    from registry.models import Pupil
    from trust.models import active_grants

    in_class = Pupil.objects.filter(school_class_id=lesson.school_class_id)
    if in_class.filter(Q(account=viewer) | Q(guardians__account=viewer)).exists():
        return True, None
    grant_id = (
        active_grants()
        .filter(invitee=viewer, service=DIARY, pupil__in=in_class)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    return grant_id is not None, grant_id


def _reads_lesson(viewer: Any, lesson: Any) -> bool:
    return _lesson_reader(viewer, lesson)[0]


def read_lesson(viewer: Any, lesson: T | None) -> T:
    """``lesson`` if ``viewer`` may read it (``lesson.read``); else ``NotFound``. A read through a trusted
    person's grant alone is written to the view log, as ``get_student`` does."""
    if lesson is None:
        raise NotFound()
    allowed, grant_id = _lesson_reader(viewer, lesson)
    if not allowed:
        raise NotFound()
    if grant_id is not None:
        from trust.services import record_view

        record_view(grant_id=grant_id, section=DIARY)
    return lesson


def _ends_link(viewer: Any, record: Any) -> bool:
    """A link of a registry record to an account ends by the linked person or the school's registrar."""
    return (record.account is not None and _is_self(viewer, record.account)) or _registrar_of(viewer, record)


def _sets_final(viewer: Any, target: tuple[Any, int]) -> bool:
    """``(pupil, subject_id)``: the teacher of that subject in the pupil's class sets the finals."""
    if not _signed_in(viewer):
        return False
    pupil, subject_id = target
    return bool(_teaches(viewer, pupil.school_class_id).filter(subject_id=subject_id).exists())


def _guards(viewer: Any, pupil: Any) -> bool:
    """An adult linked guardian of the pupil: may invite, list and revoke the pupil's trusted persons."""
    if not _signed_in(viewer) or viewer.is_minor:
        return False
    from registry.models import Guardian

    return Guardian.objects.filter(pupil=pupil, account=viewer).exists()


def _manages_grant(viewer: Any, grant: Any) -> bool:
    """Every linked guardian of the child sees and manages the same list of its grants."""
    return _guards(viewer, grant.pupil)


def _answers_invitation(viewer: Any, grant: Any) -> bool:
    """The invitation is addressed to ``viewer`` (surname and verified SNILS or confirmed phone), or was accepted
    by them."""
    if not _signed_in(viewer) or viewer.is_minor:
        return False
    if grant.invitee_id is not None:
        return bool(grant.invitee_id == viewer.pk)
    from trust.matching import is_addressed_to

    return is_addressed_to(grant, viewer)


def _holds_grant(viewer: Any, grant: Any) -> bool:
    return _signed_in(viewer) and grant.invitee_id == viewer.pk


def _verifies_snils_of(viewer: Any, account: Any) -> bool:
    """A registrar confirms the SNILS of an account linked to a pupil or guardian record of their own school
    (they see that person, and the document, at the school); of nobody else."""
    schools = registrar_school_ids(viewer)
    if not schools:
        return False
    from django.db.models import Q

    from registry.models import Pupil

    return (
        Pupil.objects.filter(school_id__in=schools).filter(Q(account=account) | Q(guardians__account=account)).exists()
    )


RULES.update(
    {
        "trust.manage": _guards,
        "grant.manage": _manages_grant,
        "subscription.answer": _answers_invitation,
        "grant.leave": _holds_grant,
        "account.snils.verify": _verifies_snils_of,
        "registry.link.end": _ends_link,
        "final.write": _sets_final,
        # A teacher writes marks, homework, attendance and topics only for their own lessons.
        "lesson.write": _teaches_lesson,
        # Families read a lesson of their child's class (``read_lesson`` logs a read through a grant);
        # staff read it in the subjects they teach the class, the form tutor in all.
        "lesson.read": _reads_lesson,
        "lesson.read_class": _reads_class_lesson,
    }
)


def family_readers(pupil_ids: Any, service: str) -> dict[int, set[int]]:
    """For each pupil, the accounts of its family that read ``service``: linked guardians, the pupil's
    own account, and trusted persons whose grant for that service is active. Notifications go to these
    (staff, who also read, are not told of every mark)."""
    from registry.models import Guardian, Pupil
    from trust.models import active_grants

    ids = list(pupil_ids)
    readers: dict[int, set[int]] = {pupil_id: set() for pupil_id in ids}
    for pupil_id, account_id in Pupil.objects.filter(pk__in=ids, account__isnull=False).values_list("pk", "account"):
        readers[pupil_id].add(account_id)
    guardians = Guardian.objects.filter(pupil_id__in=ids, account__isnull=False).values_list("pupil_id", "account")
    for pupil_id, account_id in guardians:
        readers[pupil_id].add(account_id)
    trusted = active_grants().filter(pupil_id__in=ids, service=service).values_list("pupil_id", "invitee")
    for pupil_id, account_id in trusted:
        readers[pupil_id].add(account_id)
    return readers
