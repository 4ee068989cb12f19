"""The diary: the bell schedule, the weekly timetable, dated lessons, marks, homework and attendance.

Lessons are dated instances of the timetable (``diary.timetable`` generates them for a term, skipping
holidays); everything a family reads hangs on a lesson. Dates of lessons are local (Moscow) dates.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.models import Pupil, School, SchoolClass, Subject, Term


class LessonSlot(models.Model):
    """Lesson number N of a school day and its bell times (the bell schedule)."""

    school = models.ForeignKey(School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="lesson_slots")
    number = models.PositiveSmallIntegerField(_("lesson number"))
    starts_at = models.TimeField(_("starts at"))
    ends_at = models.TimeField(_("valid until"))

    class Meta:
        verbose_name = _("bell schedule slot")
        verbose_name_plural = _("bell schedule")
        constraints = [models.UniqueConstraint(fields=["school", "number"], name="diary_slot_unique")]
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number}: {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"


class TimetableEntry(models.Model):
    """A weekly lesson of a class: on a weekday (0 = Monday) in a slot, a subject with a teacher."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    school_class = models.ForeignKey(
        SchoolClass, verbose_name=_("class"), on_delete=models.CASCADE, related_name="timetable"
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    slot = models.ForeignKey(LessonSlot, verbose_name=_("lesson in the bell schedule"), on_delete=models.PROTECT)
    subject = models.ForeignKey(Subject, verbose_name=_("subject"), on_delete=models.PROTECT)
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("teacher"), on_delete=models.PROTECT, related_name="+"
    )
    room = models.CharField(_("room"), max_length=20, blank=True)
    subgroup = models.CharField(_("subgroup"), max_length=20, blank=True, help_text=_("Empty: the whole class."))

    class Meta:
        verbose_name = _("timetable entry")
        verbose_name_plural = _("timetable entries")
        constraints = [
            models.UniqueConstraint(
                fields=["school_class", "weekday", "slot", "subgroup"], name="diary_timetable_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school_class} {self.weekday} #{self.slot.number} {self.subject}"


class Lesson(models.Model):
    """One dated lesson of a class. Moved, replaced or cancelled lessons keep their row and say so."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("scheduled")
        MOVED = "moved", _("moved")
        REPLACED = "replaced", _("replaced")
        CANCELLED = "cancelled", _("cancelled")

    class PlannedKind(models.TextChoices):
        """The announced kinds of work: the mark kinds a family wants to know of in advance."""

        TEST = "test", _("test")
        CONTROL = "control", _("control work")
        EXAM = "exam", _("exam")

    school_class = models.ForeignKey(
        SchoolClass, verbose_name=_("class"), on_delete=models.CASCADE, related_name="lessons"
    )
    term = models.ForeignKey(Term, verbose_name=_("term"), on_delete=models.PROTECT, related_name="lessons")
    timetable_entry = models.ForeignKey(
        TimetableEntry, verbose_name=_("timetable entry"), null=True, blank=True, on_delete=models.SET_NULL
    )
    date = models.DateField(_("date"))
    moved_from = models.DateField(
        _("moved from"), null=True, blank=True, help_text=_("The date the timetable gave, once moved.")
    )
    slot = models.ForeignKey(LessonSlot, verbose_name=_("lesson in the bell schedule"), on_delete=models.PROTECT)
    subject = models.ForeignKey(Subject, verbose_name=_("subject"), on_delete=models.PROTECT)
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("teacher"), on_delete=models.PROTECT, related_name="lessons_taught"
    )
    room = models.CharField(_("room"), max_length=20, blank=True)
    subgroup = models.CharField(_("subgroup"), max_length=20, blank=True)
    topic = models.CharField(_("topic"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    # Planned work the teacher announces for this lesson (the topic plan): a test or a control work, and a note.
    planned_kind = models.CharField(
        _("planned work"), max_length=10, choices=PlannedKind.choices, blank=True, default=""
    )
    planned_note = models.CharField(_("planned work note"), max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")
        indexes = [
            models.Index(fields=["school_class", "date"], name="diary_lesson_class_date"),
            models.Index(fields=["teacher", "date"], name="diary_lesson_teacher_date"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["school_class", "date", "slot", "subgroup"],
                condition=~Q(status="cancelled"),
                name="diary_lesson_one_per_slot",
            ),
        ]
        ordering = ["date", "slot__number"]

    def __str__(self) -> str:
        return f"{self.date} {self.school_class} {self.subject}"


class Mark(models.Model):
    """One mark of a pupil for a lesson. ``version`` grows with each change (a stale write gets 409)."""

    class Scale(models.TextChoices):
        FIVE_POINT = "five", _("5-point")
        PASS_FAIL = "pass_fail", _("pass / fail")
        TEN_POINT = "ten", _("10-point")
        HUNDRED_POINT = "hundred", _("100-point")

    class Kind(models.TextChoices):
        CLASSWORK = "classwork", _("classwork")
        HOMEWORK = "homework", _("homework")
        TEST = "test", _("test")
        CONTROL = "control", _("control work")
        EXAM = "exam", _("exam")

    pupil = models.ForeignKey(Pupil, verbose_name=_("pupil"), on_delete=models.CASCADE, related_name="marks")
    lesson = models.ForeignKey(Lesson, verbose_name=_("lesson"), on_delete=models.CASCADE, related_name="marks")
    scale = models.CharField(_("scale"), max_length=10, choices=Scale.choices, default=Scale.FIVE_POINT)
    value = models.CharField(
        _("mark"), max_length=8, help_text=_("5, 4, 3, 2 on the 5-point scale; pass / fail; 1–10; 0–100.")
    )
    weight = models.PositiveSmallIntegerField(_("weight"), default=1)
    kind = models.CharField(_("kind of work"), max_length=10, choices=Kind.choices, default=Kind.CLASSWORK)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("mark")
        verbose_name_plural = _("marks")
        constraints = [models.UniqueConstraint(fields=["pupil", "lesson", "kind"], name="diary_mark_unique")]
        indexes = [models.Index(fields=["pupil", "lesson"], name="diary_mark_pupil_lesson")]

    def __str__(self) -> str:
        return f"{self.pupil} {self.value} ({self.lesson})"


class MarkChange(models.Model):
    """The history of marks: who set, changed or removed which mark, from what to what."""

    pupil = models.ForeignKey(Pupil, verbose_name=_("pupil"), on_delete=models.CASCADE, related_name="+")
    lesson = models.ForeignKey(Lesson, verbose_name=_("lesson"), on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind of work"), max_length=10)
    old_value = models.CharField(_("old mark"), max_length=8, blank=True)
    new_value = models.CharField(_("new mark"), max_length=8, blank=True)
    old_weight = models.PositiveSmallIntegerField(_("old weight"), null=True)
    new_weight = models.PositiveSmallIntegerField(_("new weight"), null=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("changed by"), on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)
    # Required when a mark is changed or removed more than a day after it was set (``diary.marks``): the
    # family reads it next to «5 → 4».
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("mark change")
        verbose_name_plural = _("mark history")
        ordering = ["changed_at"]

    def __str__(self) -> str:
        return f"{self.old_value or '—'} → {self.new_value or '—'}"


class FinalMark(models.Model):
    """A term or year final set by the teacher; ``term`` empty means the year."""

    pupil = models.ForeignKey(Pupil, verbose_name=_("pupil"), on_delete=models.CASCADE, related_name="final_marks")
    subject = models.ForeignKey(Subject, verbose_name=_("subject"), on_delete=models.PROTECT)
    term = models.ForeignKey(Term, verbose_name=_("term"), null=True, blank=True, on_delete=models.PROTECT)
    value = models.CharField(_("mark"), max_length=8)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("set by"), on_delete=models.PROTECT, related_name="+"
    )
    set_at = models.DateTimeField(_("set at"), default=timezone.now)

    class Meta:
        verbose_name = _("final mark")
        verbose_name_plural = _("final marks")
        constraints = [
            models.UniqueConstraint(fields=["pupil", "subject", "term"], name="diary_final_unique"),
            models.UniqueConstraint(
                fields=["pupil", "subject"], condition=Q(term__isnull=True), name="diary_final_year_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pupil} {self.subject}: {self.value}"


class Homework(models.Model):
    """Homework set at a lesson, due by another lesson (usually the next one of the subject)."""

    lesson = models.ForeignKey(Lesson, verbose_name=_("lesson"), on_delete=models.CASCADE, related_name="homework_set")
    due_lesson = models.ForeignKey(
        Lesson,
        verbose_name=_("due by the lesson"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="homework_due",
    )
    text = models.TextField(_("text"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # The teacher asks for the work to be handed in (``HomeworkSubmission``), optionally with files.
    hand_in = models.BooleanField(_("to hand in"), default=False)
    files_allowed = models.BooleanField(_("files allowed"), default=False)

    class Meta:
        verbose_name = _("homework task")
        verbose_name_plural = _("homework tasks")

    def __str__(self) -> str:
        return self.text[:50]


class HomeworkAttachment(models.Model):
    """A file attached to homework, kept through Django's storage."""

    homework = models.ForeignKey(
        Homework, verbose_name=_("homework task"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to="homework/%Y/%m/")
    name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveIntegerField(_("size, bytes"))
    content_type = models.CharField(_("content type"), max_length=100)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name


class HomeworkDone(models.Model):
    """A pupil's tick: this homework is done."""

    homework = models.ForeignKey(
        Homework, verbose_name=_("homework task"), on_delete=models.CASCADE, related_name="done_marks"
    )
    pupil = models.ForeignKey(Pupil, verbose_name=_("pupil"), on_delete=models.CASCADE, related_name="+")
    done_at = models.DateTimeField(_("done at"), default=timezone.now)

    class Meta:
        verbose_name = _("homework done tick")
        verbose_name_plural = _("homework done ticks")
        constraints = [models.UniqueConstraint(fields=["homework", "pupil"], name="diary_homework_done_unique")]

    def __str__(self) -> str:
        return f"{self.pupil} ✓ {self.homework}"


class HomeworkSubmission(models.Model):
    """A pupil's answer to homework that is to be handed in, and the teacher's review of it.

    Handing in again before the teacher marks it replaces the text (no revisions are kept) and adds files;
    ``late`` says the last hand-in came after the due lesson began. A return for rework opens it again.
    """

    class State(models.TextChoices):
        HANDED_IN = "handed_in", _("handed in")
        RETURNED = "returned", _("returned for rework")
        MARKED = "marked", _("marked")

    homework = models.ForeignKey(
        Homework, verbose_name=_("homework task"), on_delete=models.CASCADE, related_name="submissions"
    )
    pupil = models.ForeignKey(Pupil, verbose_name=_("pupil"), on_delete=models.CASCADE, related_name="+")
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.HANDED_IN)
    text = models.TextField(_("text"), blank=True)
    handed_in_at = models.DateTimeField(_("handed in at"), default=timezone.now)
    late = models.BooleanField(_("late"), default=False)
    reply = models.TextField(_("reply"), blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("replied by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("homework answer")
        verbose_name_plural = _("homework answers")
        constraints = [models.UniqueConstraint(fields=["homework", "pupil"], name="diary_homework_submission_unique")]

    def __str__(self) -> str:
        return f"{self.pupil}: {self.homework}"


class SubmissionFile(models.Model):
    """A file of a pupil's answer, kept through Django's storage (limits of ``core.uploads``)."""

    submission = models.ForeignKey(
        HomeworkSubmission, verbose_name=_("homework answer"), on_delete=models.CASCADE, related_name="files"
    )
    file = models.FileField(_("file"), upload_to="answers/%Y/%m/")
    name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveIntegerField(_("size, bytes"))
    content_type = models.CharField(_("content type"), max_length=100)

    class Meta:
        verbose_name = _("answer file")
        verbose_name_plural = _("answer files")

    def __str__(self) -> str:
        return self.name


class Attendance(models.Model):
    """A pupil's absence or lateness at one lesson (no row: present)."""

    class Status(models.TextChoices):
        ABSENT_ILL = "ill", _("absent: ill")
        ABSENT_EXCUSED = "excused", _("absent: excused")
        ABSENT_UNEXCUSED = "unexcused", _("absent: unexcused")
        LATE = "late", _("late")

    pupil = models.ForeignKey(Pupil, verbose_name=_("pupil"), on_delete=models.CASCADE, related_name="attendance")
    lesson = models.ForeignKey(Lesson, verbose_name=_("lesson"), on_delete=models.CASCADE, related_name="attendance")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    late_minutes = models.PositiveSmallIntegerField(_("minutes late"), null=True, blank=True)
    comment = models.CharField(_("comment"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    # Set while the row is the one a family's absence note pre-set; the teacher's change clears it, and
    # withdrawing the note removes only the rows still carrying it.
    absence_note = models.ForeignKey(
        "AbsenceNote",
        verbose_name=_("absence note"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attendance",
    )

    class Meta:
        verbose_name = _("attendance record")
        verbose_name_plural = _("attendance records")
        constraints = [models.UniqueConstraint(fields=["pupil", "lesson"], name="diary_attendance_unique")]

    def __str__(self) -> str:
        return f"{self.pupil} {self.get_status_display()} ({self.lesson})"


class AbsenceNoteQuerySet(models.QuerySet["AbsenceNote"]):
    def in_force(self, first: Any, last: Any = None) -> AbsenceNoteQuerySet:
        """The notes not withdrawn that cover a day of ``first``…``last`` (one day when ``last`` is None)."""
        return self.filter(withdrawn_at__isnull=True, starts_on__lte=last or first, ends_on__gte=first)


class AbsenceNote(models.Model):
    """A guardian's word to the school that the pupil will miss a day, several days, or some lessons of one
    day («ребёнок не придёт»). ``lessons`` empty: the whole days from ``starts_on`` to ``ends_on``.

    Filing it pre-sets the attendance of those lessons as excused (``Attendance.absence_note``); the teacher
    may still change it. Withdrawn notes keep their row (``withdrawn_at``) for the school's record.
    """

    class Reason(models.TextChoices):
        ILLNESS = "illness", _("illness")
        FAMILY = "family", _("family reasons")
        OTHER = "other", _("other")

    pupil = models.ForeignKey(Pupil, verbose_name=_("pupil"), on_delete=models.CASCADE, related_name="absence_notes")
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    lessons = models.ManyToManyField(Lesson, verbose_name=_("lessons"), blank=True, related_name="absence_notes")
    reason = models.CharField(_("reason"), max_length=10, choices=Reason.choices)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("filed by"), on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField(_("filed at"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("withdrawn by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = AbsenceNoteQuerySet.as_manager()

    class Meta:
        verbose_name = _("absence note")
        verbose_name_plural = _("absence notes")
        ordering = ["-starts_on", "-pk"]
        indexes = [models.Index(fields=["pupil", "starts_on"], name="diary_absence_pupil_start")]

    def __str__(self) -> str:
        return f"{self.pupil} {self.starts_on}–{self.ends_on}"


class Alert(models.Model):
    """One alert a person set on a pupil's diary (issue 17); no row means off (the default).

    ``threshold`` is on the 5-point scale (an average below it, a mark at or below it). The conditions that
    hold now are kept in ``AlertHolding``: an alert fires when a condition starts to hold, and again only
    after it stopped holding. Kept in ``diary`` because every rule is about the diary's data (``notify`` is
    below and knows nothing of marks); the message goes through ``notify`` as kind ``alert``.
    """

    class Rule(models.TextChoices):
        AVERAGE_BELOW = "average_below", _("A subject's average falls below")
        MARK_AT_OR_BELOW = "mark_at_or_below", _("A mark at or below")
        CHANGED_LATE = "changed_late", _("A mark changed after the fact (more than 24 hours after it was set)")
        HOMEWORK_MISSED = "homework_missed", _("Homework not handed in by its due lesson")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.CASCADE, related_name="diary_alerts"
    )
    pupil = models.ForeignKey(Pupil, verbose_name=_("pupil"), on_delete=models.CASCADE, related_name="alerts")
    rule = models.CharField(_("rule"), max_length=20, choices=Rule.choices)
    threshold = models.DecimalField(_("threshold"), max_digits=3, decimal_places=2, null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("diary alert")
        verbose_name_plural = _("diary alerts")
        constraints = [models.UniqueConstraint(fields=["user", "pupil", "rule"], name="diary_alert_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.pupil_id} {self.rule} {self.threshold}"


class AlertHolding(models.Model):
    """A condition of an alert that holds now (``key``: ``subject:<id>``, ``mark:<id>``, ``change:<id>``,
    ``homework:<id>``); deleted when it stops holding, so a later return fires again."""

    alert = models.ForeignKey(Alert, verbose_name=_("alert"), on_delete=models.CASCADE, related_name="holdings")
    key = models.CharField(_("condition"), max_length=40)
    since = models.DateTimeField(_("holds since"), default=timezone.now)

    class Meta:
        verbose_name = _("alert condition that holds")
        verbose_name_plural = _("alert conditions that hold")
        constraints = [models.UniqueConstraint(fields=["alert", "key"], name="diary_alert_holding_unique")]

    def __str__(self) -> str:
        return f"{self.alert_id} {self.key}"
