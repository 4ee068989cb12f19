"""What a cached family read of the diary is keyed by, and the one place that moves it on.

Each pupil and each class carries a ``diary_version`` (``registry.models``). Every write that changes what a
family reads bumps it *in the write's own transaction* (one ``UPDATE … SET diary_version = diary_version + 1``
for all the rows it touched), so a read that sees the new data sees the new version, and a cached answer
keyed by the old version is never found again (``diary.cache``). Nothing is deleted from the cache: an
entry of an old version just ages out.

- the pupil's version: their marks, attendance, homework ticks and finals;
- the class's version: its lessons (topic, cancelled, moved, replaced), homework and attachments, the bell
  schedule and subject names of its school, and every mark of the class (the marks page shows the class's
  average).

Single saves and deletes of lessons, homework, attachments, ticks, finals, bell slots and subjects are caught
by the model signals connected here (``connect``, from ``DiaryConfig.ready``: the services and the back office
alike). Marks and attendance are written only in bulk by their services (``bulk_create`` / ``bulk_update`` /
queryset deletes, which a signal would turn into a query per row), which call ``changed`` themselves, as
``generate_lessons`` does.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import F
from django.db.models.signals import post_delete, post_save

from diary.models import FinalMark, Homework, HomeworkAttachment, HomeworkDone, Lesson, LessonSlot
from registry.models import Pupil, SchoolClass, Subject


def changed(*, pupils: Iterable[int] = (), classes: Iterable[int] = ()) -> None:
    """The diary of these pupils and classes changed: move their versions on (inside the caller's transaction)."""
    pupil_ids, class_ids = sorted(set(pupils)), sorted(set(classes))
    if pupil_ids:
        Pupil.objects.filter(pk__in=pupil_ids).update(diary_version=F("diary_version") + 1)
    if class_ids:
        SchoolClass.objects.filter(pk__in=class_ids).update(diary_version=F("diary_version") + 1)


def _school_changed(school_id: int) -> None:
    SchoolClass.objects.filter(school_id=school_id).update(diary_version=F("diary_version") + 1)


def _lesson_changed(sender: Any, instance: Lesson, **kwargs: Any) -> None:
    changed(classes=[instance.school_class_id])


def _homework_changed(sender: Any, instance: Homework, **kwargs: Any) -> None:
    lesson = Lesson.objects.filter(pk=instance.lesson_id).values_list("school_class_id", flat=True).first()
    changed(classes=[lesson] if lesson is not None else [])


def _attachment_changed(sender: Any, instance: HomeworkAttachment, **kwargs: Any) -> None:
    found = Homework.objects.filter(pk=instance.homework_id).values_list("lesson__school_class_id", flat=True).first()
    changed(classes=[found] if found is not None else [])


def _pupil_row_changed(sender: Any, instance: HomeworkDone | FinalMark, **kwargs: Any) -> None:
    changed(pupils=[instance.pupil_id])


def _school_row_changed(sender: Any, instance: LessonSlot | Subject, **kwargs: Any) -> None:
    _school_changed(instance.school_id)


def connect() -> None:
    receivers: list[tuple[type, Any]] = [
        (Lesson, _lesson_changed),
        (Homework, _homework_changed),
        (HomeworkAttachment, _attachment_changed),
        (HomeworkDone, _pupil_row_changed),
        (FinalMark, _pupil_row_changed),
        (LessonSlot, _school_row_changed),
        (Subject, _school_row_changed),
    ]
    for model, receiver in receivers:
        for signal in (post_save, post_delete):
            signal.connect(
                receiver, sender=model, dispatch_uid=f"diary.versions.{model.__name__}.{signal is post_save}"
            )
