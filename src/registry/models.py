"""The school registry: schools, their years and classes, pupils, guardians and staff.

The registry is the school's truth about who studies where; a portal account gets a child's data
only through a link to a record here (``Pupil.account``, ``Guardian.account``), made by matching
(see ``registry.linking``). Names are compared by ``fio_key`` (case-insensitive, ё = е).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.identity import name_key


def fio_key(surname: str, given_name: str, patronymic: str) -> str:
    return "|".join(name_key(part) for part in (surname, given_name, patronymic))


class School(models.Model):
    """One school of the city; ``code`` is how imports and integrations name it."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=255)
    # Email, SMS and push of notifications created in these hours go out when they end (``notify.quiet``);
    # empty: the service's default (``settings.QUIET_HOURS``, 19:00–08:00); start == end: no quiet hours.
    quiet_hours_start = models.TimeField(_("quiet hours start"), null=True, blank=True)
    quiet_hours_end = models.TimeField(_("quiet hours end"), null=True, blank=True)

    class Meta:
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SchoolYear(models.Model):
    """One school year of one school, from 1 September to the end of its last term."""

    school = models.ForeignKey(School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="years")
    name = models.CharField(_("name"), max_length=20, help_text="2026/2027")
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))

    class Meta:
        verbose_name = _("school year")
        verbose_name_plural = _("school years")
        constraints = [models.UniqueConstraint(fields=["school", "starts_on"], name="registry_year_unique")]
        ordering = ["-starts_on"]

    def __str__(self) -> str:
        return f"{self.school.code} {self.name}"


class Term(models.Model):
    """A quarter or trimester of a school year."""

    year = models.ForeignKey(SchoolYear, verbose_name=_("school year"), on_delete=models.CASCADE, related_name="terms")
    number = models.PositiveSmallIntegerField(_("number"))
    name = models.CharField(_("name"), max_length=50)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))

    class Meta:
        verbose_name = _("term")
        verbose_name_plural = _("terms")
        constraints = [models.UniqueConstraint(fields=["year", "number"], name="registry_term_unique")]
        ordering = ["starts_on"]

    def __str__(self) -> str:
        return self.name


class Holiday(models.Model):
    """Days without lessons within a school year (holidays between terms, public holidays)."""

    year = models.ForeignKey(
        SchoolYear, verbose_name=_("school year"), on_delete=models.CASCADE, related_name="holidays"
    )
    name = models.CharField(_("name"), max_length=100)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")

    def __str__(self) -> str:
        return self.name


class SchoolClass(models.Model):
    """A class such as «7А»: a grade (1–11) and a letter, in one school."""

    school = models.ForeignKey(School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="classes")
    grade = models.PositiveSmallIntegerField(_("grade"))
    letter = models.CharField(_("letter"), max_length=4)
    # Grows with every change of the class's lessons, homework or marks: the diary's cached reads of the class
    # are keyed by it (``diary.versions``), so a change is seen on the next read.
    diary_version = models.PositiveBigIntegerField(_("diary version"), default=0, db_default=0, editable=False)

    class Meta:
        verbose_name = _("class")
        verbose_name_plural = _("classes")
        constraints = [
            models.UniqueConstraint(fields=["school", "grade", "letter"], name="registry_class_unique"),
        ]
        ordering = ["grade", "letter"]

    def __str__(self) -> str:
        return f"{self.grade}{self.letter}"


class Subject(models.Model):
    """A subject taught in a school («Алгебра», «Русский язык»)."""

    school = models.ForeignKey(School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="subjects")
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("subject")
        verbose_name_plural = _("subjects")
        constraints = [models.UniqueConstraint(fields=["school", "name"], name="registry_subject_unique")]

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    """Name fields shared by pupils and guardians; ``fio_key`` is kept for matching."""

    surname = models.CharField(_("surname"), max_length=100)
    given_name = models.CharField(_("given name"), max_length=100)
    patronymic = models.CharField(_("patronymic"), max_length=100, blank=True)
    fio_key = models.CharField(_("name key"), max_length=310, editable=False)

    class Meta:
        abstract = True

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.surname, self.given_name, self.patronymic) if part)

    def refresh_fio_key(self) -> None:
        self.fio_key = fio_key(self.surname, self.given_name, self.patronymic)


class PupilQuerySet(models.QuerySet["Pupil"]):
    def by_public_id(self, value: object) -> PupilQuerySet:
        """The pupil with this public id (``student_id`` in URLs and the API); a value that is not a UUID
        finds nobody instead of raising, so a malformed id is as unknown as a missing one."""
        try:
            return self.filter(public_id=uuid.UUID(str(value)))
        except ValueError:
            return self.none()


class Pupil(Person):
    """A pupil as the school's registry knows them. ``account`` is their own portal account, once linked."""

    class Status(models.TextChoices):
        STUDYING = "studying", _("studying")
        LEFT = "left", _("left the school")
        GRADUATED = "graduated", _("graduated")

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    school = models.ForeignKey(School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="pupils")
    school_class = models.ForeignKey(
        SchoolClass, verbose_name=_("class"), on_delete=models.PROTECT, related_name="pupils"
    )
    birth_date = models.DateField(_("birth date"))
    snils = models.CharField(_("SNILS"), max_length=11, null=True, blank=True, unique=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.STUDYING)
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pupil_record",
    )
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    # Grows with every change of the pupil's marks, attendance or homework ticks (``diary.versions``).
    diary_version = models.PositiveBigIntegerField(_("diary version"), default=0, db_default=0, editable=False)

    objects = PupilQuerySet.as_manager()

    class Meta:
        verbose_name = _("pupil")
        verbose_name_plural = _("pupils")
        indexes = [models.Index(fields=["school", "birth_date", "fio_key"], name="registry_pupil_match")]
        ordering = ["surname", "given_name"]

    def __str__(self) -> str:
        return self.full_name


class Guardian(Person):
    """One guardian of one pupil (a parent of two children is two rows, linked to one account)."""

    class Relation(models.TextChoices):
        MOTHER = "mother", _("mother")
        FATHER = "father", _("father")
        GUARDIAN = "guardian", _("guardian")
        LEGAL_REPRESENTATIVE = "legal_representative", _("legal representative")

    pupil = models.ForeignKey(Pupil, verbose_name=_("pupil"), on_delete=models.CASCADE, related_name="guardians")
    relation = models.CharField(_("relation"), max_length=24, choices=Relation.choices)
    phone = models.CharField(_("mobile phone"), max_length=16, blank=True)
    email = models.EmailField(_("email"), blank=True)
    snils = models.CharField(_("SNILS"), max_length=11, blank=True)
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="guardian_records",
    )

    class Meta:
        verbose_name = pgettext_lazy("model", "guardian")
        verbose_name_plural = _("guardians")
        constraints = [
            models.UniqueConstraint(fields=["pupil", "fio_key"], name="registry_guardian_once_per_pupil"),
            models.UniqueConstraint(
                fields=["pupil", "account"],
                condition=Q(account__isnull=False),
                name="registry_guardian_account_once_per_pupil",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.get_relation_display()})"


class GuardianRestriction(models.Model):
    """A registrar's limit on one guardian of one pupil (a court order, a guardianship authority's act):
    while it is in force the guardian relation opens nothing (``access``), from ``starts_at`` until
    ``ends_at``, unless lifted. Its dates are what the registrar entered; ``starts_at`` / ``ends_at`` are the
    same days as moments in the site's time zone (the start of the first day, the start of the day after the
    last), which the access rule compares with the time of the read, so access returns by itself."""

    guardian = models.ForeignKey(
        Guardian, verbose_name=pgettext_lazy("model", "guardian"), on_delete=models.CASCADE, related_name="restrictions"
    )
    reason = models.TextField(_("reason"))
    document = models.CharField(_("document"), max_length=255, help_text=_("The document the restriction rests on."))
    starts_on = models.DateField(_("first day"), null=True, blank=True)
    ends_on = models.DateField(_("last day"), null=True, blank=True)
    starts_at = models.DateTimeField(_("in force from"))
    ends_at = models.DateTimeField(_("in force until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("restricted by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # When what the restriction ends (the guardian's grants for the child) was ended: at once, or by the sweep
    # when a restriction with a later first day comes into force.
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("lifted by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The sweep wrote the audit event "restriction ended" (once) after ``ends_at``.
    end_recorded_at = models.DateTimeField(_("end recorded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("guardian restriction")
        verbose_name_plural = _("guardian restrictions")
        ordering = ["-starts_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.guardian_id} {self.starts_at:%Y-%m-%d}"

    def in_force(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.lifted_at is None and self.starts_at <= now and (self.ends_at is None or now < self.ends_at)


def restrictions_in_force(now: datetime | None = None) -> models.QuerySet[GuardianRestriction]:
    """Restrictions in force at ``now`` (right now by default): the one definition the access module uses."""
    now = now or timezone.now()
    return GuardianRestriction.objects.filter(lifted_at__isnull=True, starts_at__lte=now).filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=now)
    )


def unrestricted_guardians(now: datetime | None = None) -> models.QuerySet[Guardian]:
    """Guardian rows that open what a guardian relation opens at ``now``: those with no restriction in force
    (one ``NOT EXISTS`` in the same statement)."""
    return Guardian.objects.filter(~Exists(restrictions_in_force(now).filter(guardian=OuterRef("pk"))))


class StaffMember(models.Model):
    """A portal account working at a school as a teacher, a form tutor or a registrar."""

    class Role(models.TextChoices):
        TEACHER = "teacher", _("teacher")
        FORM_TUTOR = "form_tutor", _("form tutor")
        REGISTRAR = "registrar", _("registrar")

    school = models.ForeignKey(School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="staff")
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.CASCADE, related_name="staff_roles"
    )
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    school_class = models.ForeignKey(
        SchoolClass,
        verbose_name=_("class"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        help_text=_("The class of a form tutor."),
    )

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff members")
        constraints = [
            models.UniqueConstraint(
                fields=["school", "account", "role", "school_class"], name="registry_staff_role_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} — {self.get_role_display()}, {self.school.code}"


class LinkRequest(models.Model):
    """A person's request to be linked to the registry («Передайте свои данные в школу») and its outcome.

    ``differences`` lists the field codes that did not match (``surname``, ``birth_date``, ``snils``…),
    never the registry's values: the person is told *what* differs, not what the school has.
    """

    class Kind(models.TextChoices):
        PUPIL = "pupil", _("as a pupil")
        GUARDIAN = "guardian", _("as a guardian")

    class State(models.TextChoices):
        PENDING = "pending", _("waiting for the registrar")
        LINKED = "linked", _("linked")
        REJECTED = "rejected", _("rejected")

    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.CASCADE, related_name="link_requests"
    )
    school = models.ForeignKey(School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="link_requests")
    kind = models.CharField(_("request kind"), max_length=10, choices=Kind.choices)
    child_surname = models.CharField(_("child's surname"), max_length=100, blank=True)
    child_given_name = models.CharField(_("child's given name"), max_length=100, blank=True)
    child_patronymic = models.CharField(_("child's patronymic"), max_length=100, blank=True)
    child_birth_date = models.DateField(_("child's birth date"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    differences = models.JSONField(_("differences"), default=list, blank=True)
    pupil = models.ForeignKey(
        Pupil, verbose_name=_("pupil"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    guardian = models.ForeignKey(
        Guardian,
        verbose_name=pgettext_lazy("model", "guardian"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("link request")
        verbose_name_plural = _("link requests")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["school", "state"], name="registry_linkrequest_queue")]

    def __str__(self) -> str:
        return f"{self.account} {self.get_kind_display()} → {self.school.code}: {self.get_state_display()}"
