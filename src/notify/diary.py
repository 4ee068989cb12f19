"""Telling families what changed in the diary: a new or changed mark, an absence, homework set.

Services call ``announce`` inside their transaction; the message goes out from the task worker after
the commit, to every linked guardian and the pupil's own account that has a confirmed email.
(Per-kind opt-out and other channels come with the notifications issue.)
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

MARK, ABSENCE, HOMEWORK = "mark", "absence", "homework"


def announce(*, event: str, lesson_id: int, pupil_ids: Iterable[int]) -> None:
    ids = sorted(set(pupil_ids))
    if ids:
        transaction.on_commit(lambda: notify_diary_event.enqueue(event=event, lesson_id=lesson_id, pupil_ids=ids))


def _message(event: str, pupil_name: str, subject: str, day: str, details: str) -> tuple[str, str]:
    if event == MARK:
        return (_("New marks for %(pupil)s") % {"pupil": pupil_name},
                _("%(subject)s, %(day)s: %(details)s") % {"subject": subject, "day": day, "details": details})
    if event == ABSENCE:
        return (_("Attendance of %(pupil)s") % {"pupil": pupil_name},
                _("%(subject)s, %(day)s: %(details)s") % {"subject": subject, "day": day, "details": details})
    return (_("Homework for %(pupil)s") % {"pupil": pupil_name},
            _("%(subject)s, %(day)s: %(details)s") % {"subject": subject, "day": day, "details": details})


@task()
def notify_diary_event(*, event: str, lesson_id: int, pupil_ids: list[int]) -> int:
    """Email each family of ``pupil_ids`` about ``event`` on the lesson; returns how many emails went."""
    from diary.models import Attendance, Homework, Lesson, Mark
    from portal.models import User
    from registry.models import Pupil

    lesson = Lesson.objects.select_related("subject").filter(pk=lesson_id).first()
    if lesson is None:
        return 0
    sent = 0
    with translation.override("ru"):
        day = lesson.date.strftime("%d.%m.%Y")
        for pupil in Pupil.objects.filter(pk__in=pupil_ids):
            if event == MARK:
                details = ", ".join(Mark.objects.filter(pupil=pupil, lesson=lesson).values_list("value", flat=True))
            elif event == ABSENCE:
                found = Attendance.objects.filter(pupil=pupil, lesson=lesson).first()
                details = str(found.get_status_display()) if found else _("present")
            else:
                details = "; ".join(Homework.objects.filter(lesson=lesson).values_list("text", flat=True))
            subject, body = _message(event, pupil.full_name, lesson.subject.name, day, details or "—")
            recipients = User.objects.filter(
                Q(pk=pupil.account_id) | Q(guardian_records__pupil=pupil),
                is_active=True, email_confirmed_at__isnull=False,
            ).distinct().values_list("email", flat=True)
            for email in recipients:
                send_mail(subject=subject, message=body, from_email=None, recipient_list=[email])
                sent += 1
    return sent
