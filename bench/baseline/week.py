"""The family's week from hand-written SQL: what the hardware gives for the answer of
``GET /api/v1/students/{id}/diary`` without the framework in between.

The same five statements the product needs (the token with the pupil and the access check, the lessons,
the marks, the homework with attachments and ticks, the attendance), written by hand, and the same JSON
(``tests/bench/test_baseline.py`` keeps the two equal). It answers families only — the pupil themself, a
linked guardian, a trusted person with an active diary grant — which is who reads the week in the evening;
a teacher's subject filter and the trusted person's view log are the product's and are not modelled here.

Portable SQL with ``%s`` parameters: psycopg in the bench's server, Django's cursor (SQLite or PostgreSQL)
in the test.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol
from uuid import UUID
from zoneinfo import ZoneInfo

# The one pure function of the product the baseline borrows: Russian declension (petrovich) of who changed a mark.
from portal.names import decline

SCOPE = "diary.read"
# The Russian labels of the product's choices (diary.models, locale/ru); the equality test catches a drift.
KIND_LABELS = {
    "classwork": "классная работа",
    "homework": "домашнее задание",
    "test": "самостоятельная работа",
    "control": "контрольная работа",
    "exam": "экзамен",
}
ATTENDANCE_LABELS = {
    "ill": "пропуск по болезни",
    "excused": "пропуск по уважительной причине",
    "unexcused": "пропуск без уважительной причины",
    "late": "опоздание",
}
SCHOOL_ZONE = ZoneInfo("Europe/Moscow")  # the product's TIME_ZONE
DIVISORS = {"five": Decimal(1), "ten": Decimal(2), "hundred": Decimal(20)}


class Cursor(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ...) -> Any: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...


PUPIL_SQL = """
SELECT p.id, p.public_id, p.surname, p.given_name, p.patronymic, s.name, c.grade, c.letter, p.school_class_id,
       t.scope
FROM oauth2_provider_accesstoken t
JOIN portal_user u ON u.id = t.user_id AND u.is_active
JOIN registry_pupil p ON p.public_id = %s
JOIN registry_school s ON s.id = p.school_id
JOIN registry_schoolclass c ON c.id = p.school_class_id
WHERE t.token_checksum = %s AND t.expires > %s
  AND (p.account_id = u.id
       OR EXISTS (SELECT 1 FROM registry_guardian g WHERE g.pupil_id = p.id AND g.account_id = u.id
                  AND NOT EXISTS (SELECT 1 FROM registry_guardianrestriction x WHERE x.guardian_id = g.id
                                  AND x.lifted_at IS NULL AND x.starts_at <= %s
                                  AND (x.ends_at IS NULL OR x.ends_at > %s)))
       OR EXISTS (SELECT 1 FROM trust_grant r WHERE r.pupil_id = p.id AND r.invitee_id = u.id
                  AND r.service = 'diary' AND r.state = 'active' AND (r.ends_at IS NULL OR r.ends_at > %s)))
"""
LESSONS_SQL = """
SELECT l.id, l.date, sl.number, sl.starts_at, sl.ends_at, sb.name, u.surname, u.given_name, u.patronymic,
       l.room, l.topic, l.status, l.planned_kind, l.planned_note
FROM diary_lesson l
JOIN diary_lessonslot sl ON sl.id = l.slot_id
JOIN registry_subject sb ON sb.id = l.subject_id
JOIN portal_user u ON u.id = l.teacher_id
WHERE l.school_class_id = %s AND l.date BETWEEN %s AND %s
ORDER BY l.date, sl.number, l.id
"""
# The marks and, in the same statement, the changes that altered them (``changed_at`` set on those rows).
MARKS_SQL = """
SELECT m.id, m.lesson_id, m.kind, m.value, m.scale, m.weight, m.comment, NULL, NULL, NULL, NULL
FROM diary_mark m JOIN diary_lesson l ON l.id = m.lesson_id
WHERE m.pupil_id = %s AND l.school_class_id = %s AND l.date BETWEEN %s AND %s
UNION ALL
SELECT c.id, c.lesson_id, c.kind, c.old_value, c.new_value, c.new_weight, c.reason, c.changed_at,
       u.surname, u.given_name, u.patronymic
FROM diary_markchange c JOIN diary_lesson l ON l.id = c.lesson_id JOIN portal_user u ON u.id = c.changed_by_id
WHERE c.pupil_id = %s AND l.school_class_id = %s AND l.date BETWEEN %s AND %s AND c.old_value <> ''
"""
PLANNED_LABELS = {"test": KIND_LABELS["test"], "control": KIND_LABELS["control"], "exam": KIND_LABELS["exam"]}
HOMEWORK_SQL = """
SELECT h.id, h.lesson_id, h.text, d.date,
       EXISTS (SELECT 1 FROM diary_homeworkdone k WHERE k.homework_id = h.id AND k.pupil_id = %s),
       a.id, a.name, a.size, h.hand_in
FROM diary_homework h
JOIN diary_lesson l ON l.id = h.lesson_id
JOIN diary_lessonslot sl ON sl.id = l.slot_id
LEFT JOIN diary_lesson d ON d.id = h.due_lesson_id
LEFT JOIN diary_homeworkattachment a ON a.homework_id = h.id
WHERE l.school_class_id = %s AND l.date BETWEEN %s AND %s
ORDER BY l.date, sl.number, h.id, a.id
"""
ATTENDANCE_SQL = """
SELECT a.lesson_id, a.status, a.late_minutes, a.comment
FROM diary_attendance a JOIN diary_lesson l ON l.id = a.lesson_id
WHERE a.pupil_id = %s AND l.school_class_id = %s AND l.date BETWEEN %s AND %s
"""


def _iso_date(value: date | str | None) -> str | None:
    return value.isoformat() if isinstance(value, date) else value


def _iso_time(value: time | str) -> str:
    return value.isoformat() if isinstance(value, time) else value


def _five_point(value: str, scale: str) -> str | None:
    divisor = DIVISORS.get(scale)
    if divisor is None:
        return None
    try:
        number = Decimal(value.strip().replace(",", "."))
    except InvalidOperation:
        return None
    return str(number / divisor) if number.is_finite() else None


def _change_text(
    old: str, new: str, _weight: int | None, reason: str, at: datetime | str, surname: str, given: str, patronymic: str
) -> str:
    """«5 → 4, изменена 02.12.2026 Ивановой Е. П.: причина» (``diary.mark_history.change_text``, in Russian)."""
    moment = at if isinstance(at, datetime) else datetime.fromisoformat(at).replace(tzinfo=UTC)
    day = moment.astimezone(SCHOOL_ZONE).strftime("%d.%m.%Y")
    declined = decline(surname=surname, given_name=given, patronymic=patronymic or "", case="instrumental")
    who = " ".join([declined.split(" ")[0], *(f"{part[0]}." for part in (given, patronymic) if part)])
    text = f"{old} → —, удалена {day} {who}" if not new else f"{old} → {new}, изменена {day} {who}"
    return f"{text}: {reason}" if reason else text


def _name(*parts: str | None) -> str:
    return " ".join(part for part in parts if part)


def diary_week(
    cursor: Cursor, *, token: str, student_id: UUID, start: date, end: date, now: datetime, sqlite: bool = False
) -> dict[str, Any] | None:
    """The week as the product's JSON (a dict), or None when the token may not read this pupil's diary.

    ``sqlite``: the parameters as Django stores them there (a UUID as 32 hex digits, a moment as naive UTC
    text) — only the equality test runs on SQLite."""
    checksum = hashlib.sha256(token.encode()).hexdigest()
    moment: datetime | str = now
    if sqlite:
        moment = now.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
    cursor.execute(PUPIL_SQL, [student_id.hex if sqlite else student_id, checksum, moment, moment, moment, moment])
    found = cursor.fetchone()
    if found is None or SCOPE not in found[9].split():
        return None
    pupil_id, public_id, surname, given, patronymic, school, grade, letter, class_id, _scope = found
    period = [class_id, start, end]

    cursor.execute(MARKS_SQL, [pupil_id, *period, pupil_id, *period])
    rows = cursor.fetchall()
    history: dict[tuple[int, str], list[str]] = {}
    for change in sorted((row for row in rows if row[7] is not None), key=lambda row: (str(row[7]), row[0])):
        history.setdefault((change[1], change[2]), []).append(_change_text(*change[3:]))
    marks: dict[int, list[dict[str, Any]]] = {}
    for _pk, lesson_id, kind, value, scale, weight, comment, *_none in sorted(row for row in rows if row[7] is None):
        marks.setdefault(lesson_id, []).append(
            {
                "value": value,
                "scale": scale,
                "five_point": _five_point(value, scale),
                "weight": weight,
                "kind": kind,
                "kind_label": KIND_LABELS.get(kind, kind),
                "comment": comment,
                "history": history.get((lesson_id, kind), []),
            }
        )
    cursor.execute(HOMEWORK_SQL, [pupil_id, *period])
    homework: dict[int, list[dict[str, Any]]] = {}
    seen: dict[int, dict[str, Any]] = {}
    for pk, lesson_id, text, due, done, attachment_id, name, size, hand_in in cursor.fetchall():
        if pk not in seen:
            seen[pk] = {
                "id": pk,
                "text": text,
                "due_date": _iso_date(due),
                "done": bool(done),
                "attachments": [],
                "hand_in": bool(hand_in),
            }
            homework.setdefault(lesson_id, []).append(seen[pk])
        if attachment_id:
            url = f"/diary/attachments/{attachment_id}/"
            seen[pk]["attachments"].append({"name": name, "url": url, "size": size or 0})
    cursor.execute(ATTENDANCE_SQL, [pupil_id, *period])
    attendance = {
        lesson_id: {
            "status": status,
            "status_label": ATTENDANCE_LABELS.get(status, status),
            "late_minutes": late,
            "comment": comment,
        }
        for lesson_id, status, late, comment in cursor.fetchall()
    }
    days: dict[str, list[dict[str, Any]]] = {
        (start + timedelta(days=n)).isoformat(): [] for n in range((end - start).days + 1)
    }
    cursor.execute(LESSONS_SQL, period)
    for (
        pk,
        day,
        number,
        starts,
        ends,
        subject,
        t_surname,
        t_given,
        t_patronymic,
        room,
        topic,
        status,
        planned_kind,
        planned_note,
    ) in cursor.fetchall():
        days[_iso_date(day) or ""].append(
            {
                "id": pk,
                "number": number,
                "starts_at": _iso_time(starts),
                "ends_at": _iso_time(ends),
                "subject": subject,
                "teacher": _name(t_surname, t_given, t_patronymic),
                "room": room,
                "topic": topic,
                "status": status,
                "cancelled": status == "cancelled",
                "homework": homework.get(pk, []),
                "marks": marks.get(pk, []),
                "attendance": attendance.get(pk),
                "planned_kind": planned_kind,
                "planned_kind_label": PLANNED_LABELS.get(planned_kind, planned_kind),
                "planned_note": planned_note,
            }
        )
    return {
        "student": {
            "student_id": str(public_id if isinstance(public_id, UUID) else UUID(public_id)),
            "full_name": _name(surname, given, patronymic),
            "school": school,
            "class_name": f"{grade}{letter}",
        },
        "start": start.isoformat(),
        "end": end.isoformat(),
        "days": [{"date": day, "lessons": lessons} for day, lessons in days.items()],
    }
