"""Alerts a family sets on a pupil's diary (issue 17): a subject's average below a value, a mark at or
below a value, a mark changed after the fact, homework not handed in by its due lesson.

Every alert fires once when its condition starts to hold and again only after it stopped holding: the
conditions that hold are kept (``AlertHolding``) and each evaluation compares. Marks are evaluated after a
mark write by the diary's notification task (``notify_diary_event``), homework by ``run_sweeps``. A new
alert is seeded silently with what already holds: it tells of what happens from now on, not of the past.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

import access
from audit.services import record_event
from core.errors import DomainError
from diary.answer_selectors import MISSING, answer_states
from diary.answers import lesson_starts
from diary.errors import DiaryCode
from diary.grading import REASON_AFTER, to_five_point, weighted_average
from diary.models import Alert, AlertHolding, Homework, Mark, MarkChange
from notify.models import Kind
from notify.services import in_site_language, notify
from registry.models import Pupil

Rule = Alert.Rule
WITH_THRESHOLD = frozenset({Rule.AVERAGE_BELOW, Rule.MARK_AT_OR_BELOW})
MIN_THRESHOLD, MAX_THRESHOLD = Decimal(1), Decimal(5)


def homework_submissions_available() -> bool:
    """Whether the diary records pupils' answers to homework (``diary.answers``): the cabinet offers the rule."""
    return True


def missed_homework(pupil_id: int) -> dict[int, str]:
    """This pupil's to-hand-in homework whose due lesson has begun without an answer handed in: homework id →
    the subject's name. An answer handed in late ends it (``answer_selectors.answer_states``). Two queries."""
    now = timezone.now()
    due = [
        (homework.pk, homework.lesson.subject.name)
        for homework in Homework.objects.filter(
            hand_in=True,
            lesson__school_class_id=Subquery(Pupil.objects.filter(pk=pupil_id).values("school_class_id")),
            due_lesson__date__lte=timezone.localdate(now),
        ).select_related("lesson__subject", "due_lesson__slot")
        if homework.due_lesson is not None and lesson_starts(homework.due_lesson) <= now
    ]
    if not due:
        return {}
    states = answer_states(pupil_id=pupil_id, homework_ids=[pk for pk, _name in due])
    return {pk: name for pk, name in due if states[pk].state == MISSING}


def available_rules() -> list[str]:
    rules: list[str] = [Rule.AVERAGE_BELOW, Rule.MARK_AT_OR_BELOW, Rule.CHANGED_LATE]
    return [*rules, Rule.HOMEWORK_MISSED] if homework_submissions_available() else rules


def alerts_of(*, viewer: Any, student_id: Any) -> tuple[Pupil, dict[str, Alert | None]]:
    """The pupil and every rule with the viewer's alert on it (``None``: off); ``NotFound`` for a pupil
    the viewer may not set alerts for."""
    pupil = access.alerting_pupil(viewer, student_id)
    found = {alert.rule: alert for alert in Alert.objects.filter(user=viewer, pupil=pupil)}
    return pupil, {rule: found.get(rule) for rule in Rule.values}


def parse_threshold(rule: str, raw: Any, *, field: str) -> Decimal:
    """A threshold from 1 to 5 (the 5-point scale, «3,5» or «3.5»); a named error otherwise."""
    try:
        value = Decimal(str(raw).strip().replace(",", ".")) if raw not in (None, "") else None
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise DomainError(DiaryCode.ALERT_THRESHOLD_INVALID, _("Enter a number from 1 to 5."), field=field)
    if not MIN_THRESHOLD <= value <= MAX_THRESHOLD or value != value.quantize(Decimal("0.01")):
        raise DomainError(
            DiaryCode.ALERT_THRESHOLD_INVALID,
            _("The threshold is a number from 1 to 5 with at most two decimal places."),
            field=field,
        )
    return value


@transaction.atomic
def set_alerts(*, user: Any, student_id: Any, chosen: dict[str, Decimal | bool | None]) -> dict[str, Alert | None]:
    """Turn the rules named in ``chosen`` on (a threshold for the rules that take one, ``True`` for the
    others) or off (``None`` / ``False``); rules not named stay as they were. Audited; a new or changed
    alert is seeded with what holds now."""
    pupil = access.alerting_pupil(user, student_id)
    for rule, value in chosen.items():
        if rule not in Rule.values:
            raise DomainError(DiaryCode.ALERT_RULE_UNKNOWN, _("Unknown alert."), field="rule")
        if rule not in available_rules() and value not in (None, False):
            raise DomainError(DiaryCode.ALERT_RULE_UNAVAILABLE, _("This alert is not available yet."), field=rule)
        if rule in WITH_THRESHOLD and value not in (None, False) and not isinstance(value, Decimal):
            raise DomainError(DiaryCode.ALERT_THRESHOLD_INVALID, _("Enter a number from 1 to 5."), field=rule)
    current = {alert.rule: alert for alert in Alert.objects.select_for_update().filter(user=user, pupil=pupil)}
    changes: list[dict[str, Any]] = []
    seed: list[Alert] = []
    for rule, value in chosen.items():
        alert = current.get(rule)
        if value in (None, False):
            if alert is not None:
                alert.delete()
                changes.append({"rule": rule, "on": False})
            continue
        threshold = value if isinstance(value, Decimal) else None
        if alert is None:
            alert = Alert.objects.create(user=user, pupil=pupil, rule=rule, threshold=threshold)
        elif alert.threshold != threshold:
            alert.threshold = threshold
            alert.save(update_fields=["threshold"])
            alert.holdings.all().delete()
        else:
            continue
        seed.append(alert)
        changes.append({"rule": rule, "on": True, "threshold": str(threshold) if threshold is not None else None})
    if changes:
        record_event(actor=user, action="diary.alerts_set", target=pupil, changes=changes)
    for alert in seed:
        AlertHolding.objects.bulk_create(
            [AlertHolding(alert=alert, key=key) for key in _holding(alert, _facts(alert.pupil_id))],
            ignore_conflicts=True,
        )
    return alerts_of(viewer=user, student_id=student_id)[1]


class _Facts:
    """What the rules look at for one pupil, read once: the marks with their subjects, the late changes."""

    def __init__(self, pupil_id: int) -> None:
        self.marks = list(
            Mark.objects.filter(pupil_id=pupil_id).values_list(
                "pk", "value", "scale", "weight", "lesson__subject_id", "lesson__subject__name"
            )
        )
        self.subjects = {subject_id: name for *_rest, subject_id, name in self.marks}
        # When each mark was set: the mark's own time, or for a removed one its first entry in the history.
        set_at: dict[tuple[int, str], Any] = {}
        changes = list(
            MarkChange.objects.filter(pupil_id=pupil_id).select_related("lesson__subject").order_by("changed_at", "pk")
        )
        for change in changes:
            if not change.old_value:
                set_at.setdefault((change.lesson_id, change.kind), change.changed_at)
        set_at.update(
            {
                (lesson_id, kind): created
                for lesson_id, kind, created in Mark.objects.filter(pupil_id=pupil_id).values_list(
                    "lesson_id", "kind", "created_at"
                )
            }
        )
        self.late_changes = {change.pk: change for change in changes if change.old_value and _late(change, set_at)}
        self.pupil_id = pupil_id
        self._missed: dict[int, str] | None = None

    @property
    def missed(self) -> dict[int, str]:
        if self._missed is None:
            self._missed = missed_homework(self.pupil_id)
        return self._missed


def _facts(pupil_id: int) -> _Facts:
    return _Facts(pupil_id)


def _late(change: MarkChange, set_at: dict[tuple[int, str], Any]) -> bool:
    created = set_at.get((change.lesson_id, change.kind))
    return created is not None and change.changed_at - created > REASON_AFTER


def _holding(alert: Alert, facts: _Facts) -> dict[str, str]:
    """The conditions of ``alert`` that hold now: key → what to say about it."""
    threshold = alert.threshold
    if alert.rule == Rule.AVERAGE_BELOW and threshold is not None:
        by_subject: dict[int, list[tuple[str, str, int]]] = defaultdict(list)
        for _pk, value, scale, weight, subject_id, _name in facts.marks:
            by_subject[subject_id].append((value, scale, weight))
        found = {}
        for subject_id, marks in by_subject.items():
            average = weighted_average(marks)
            if average is not None and average < threshold:
                found[f"subject:{subject_id}"] = _("%(subject)s: the average is %(average)s, below %(threshold)s") % {
                    "subject": facts.subjects[subject_id],
                    "average": number_format(average, 2),
                    "threshold": number_format(threshold.normalize()),
                }
        return found
    if alert.rule == Rule.MARK_AT_OR_BELOW and threshold is not None:
        found = {}
        for pk, value, scale, _weight, _subject_id, name in facts.marks:
            points = to_five_point(value, scale)
            if points is not None and points <= threshold:
                found[f"mark:{pk}"] = _("%(subject)s: mark %(value)s") % {"subject": name, "value": value}
        return found
    if alert.rule == Rule.CHANGED_LATE:
        return {
            f"change:{pk}": _("%(subject)s: mark changed %(old)s → %(new)s")
            % {
                "subject": change.lesson.subject.name,
                "old": change.old_value,
                "new": change.new_value or "—",
            }
            for pk, change in facts.late_changes.items()
        }
    if alert.rule == Rule.HOMEWORK_MISSED:
        return {
            f"homework:{pk}": _("%(subject)s: homework not handed in") % {"subject": name}
            for pk, name in facts.missed.items()
        }
    return {}


def evaluate(pupil_ids: Iterable[int]) -> int:
    """Compare every alert on these pupils with what holds now; tell of each condition that started to
    hold, forget those that stopped. Returns how many alerts fired. Called after the commit (a task)."""
    alerts = list(Alert.objects.filter(pupil_id__in=set(pupil_ids)).select_related("pupil").order_by("pk"))
    if not alerts:
        return 0
    readers = access.family_readers({alert.pupil_id for alert in alerts}, access.DIARY)
    held: dict[int, set[str]] = defaultdict(set)
    for alert_id, key in AlertHolding.objects.filter(alert__in=alerts).values_list("alert_id", "key"):
        held[alert_id].add(key)
    facts: dict[int, _Facts] = {}
    fired = 0
    with in_site_language():
        for alert in alerts:
            pupil_facts = facts.setdefault(alert.pupil_id, _facts(alert.pupil_id))
            now_holding = _holding(alert, pupil_facts)
            started = [key for key in now_holding if key not in held[alert.pk]]
            stopped = held[alert.pk] - set(now_holding)
            with transaction.atomic():
                if stopped:
                    AlertHolding.objects.filter(alert=alert, key__in=stopped).delete()
                created = AlertHolding.objects.bulk_create(
                    [AlertHolding(alert=alert, key=key, since=timezone.now()) for key in started],
                    ignore_conflicts=True,
                )
            if started and created and alert.user_id in readers.get(alert.pupil_id, set()):
                _tell(alert, [now_holding[key] for key in started])
                fired += 1
    return fired


def _tell(alert: Alert, what: list[str]) -> None:
    pupil = alert.pupil
    notify(
        kind=Kind.ALERT,
        user_ids={alert.user_id},
        subject=_("Alert: %(pupil)s") % {"pupil": pupil.full_name},
        body="\n".join(what),
        link=reverse("diary:marks", kwargs={"student_id": pupil.public_id}),
        school_id=pupil.school_id,
        pupil_id=pupil.pk,
        push_title=str(Rule(alert.rule).label),
    )


def evaluate_homework() -> int:
    """The periodic sweep's part: the homework alerts of every pupil who has one."""
    if not homework_submissions_available():
        return 0
    pupil_ids = Alert.objects.filter(rule=Rule.HOMEWORK_MISSED).values_list("pupil_id", flat=True).distinct()
    return evaluate(list(pupil_ids))
