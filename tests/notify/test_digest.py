"""Per kind and per child: at once, in the daily digest, or off — and the digest itself, with a moved clock:
six marks in the day with the digest chosen give no email before 19:00 and exactly one at 19:00 with all six;
a day with nothing sends nothing; a person who moves the time gets it at the new time, once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from diary.lessons import generate_lessons
from diary.marks import MarkInput, set_lesson_marks
from diary.models import Lesson
from notify.cadence import ABOUT_A_CHILD, set_cadences
from notify.digest import send_digests
from notify.models import Cadence, DigestEntry, Kind, Notification
from portal.models import User
from tests.diary.conftest import DiarySchool, client_for

MOSCOW = ZoneInfo("Europe/Moscow")
Capture = Callable[..., Any]


def at(hour: int, minute: int = 0, day: int = 9) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=MOSCOW)


@pytest.fixture
def lessons(diary_school: DiarySchool) -> list[Lesson]:
    generate_lessons(term=diary_school.term)
    return list(
        Lesson.objects.filter(school_class=diary_school.class_7a, subject=diary_school.algebra).order_by("date")[:6]
    )


def digest_for(parent: User, pupil_id: int, *, send_at: time = time(19, 0)) -> None:
    set_cadences(user=parent, chosen={(Kind.MARK, pupil_id): Cadence.DIGEST}, send_at=send_at, push_details=False)


def put_mark(diary_school: DiarySchool, lesson: Lesson, value: str, capture: Capture) -> None:
    anna = diary_school.pupils[0]
    with capture(execute=True):
        set_lesson_marks(
            teacher=diary_school.math_teacher, lesson_id=lesson.pk, marks=[MarkInput(pupil_id=anna.pk, value=value)]
        )


def mails_to(user: User) -> list[Any]:
    return [message for message in mail.outbox if user.email in message.to]


def test_six_marks_in_a_day_make_one_email_at_seven_with_all_six(
    diary_school: DiarySchool, lessons: list[Lesson], time_machine: Any, django_capture_on_commit_callbacks: Capture
) -> None:
    parent, anna = diary_school.parent, diary_school.pupils[0]
    digest_for(parent, anna.pk)
    for hour, (lesson, value) in enumerate(zip(lessons, "543254", strict=True), start=9):
        time_machine.move_to(at(hour), tick=False)
        put_mark(diary_school, lesson, value, django_capture_on_commit_callbacks)
    assert mails_to(parent) == []
    assert not Notification.objects.filter(user=parent).exists()
    # The other guardian of nobody here, and the pupil's own account, keep "at once".
    time_machine.move_to(at(18, 59), tick=False)
    assert send_digests() == 0
    assert mails_to(parent) == []

    time_machine.move_to(at(19, 0), tick=False)
    assert send_digests() == 1
    assert send_digests() == 0  # overlapping runs send it once
    [letter] = mails_to(parent)
    assert "6" in letter.subject
    assert anna.full_name in letter.body
    assert letter.body.count("•") == 6
    assert "09.11.2026" in letter.body
    entry = Notification.objects.get(user=parent)
    assert entry.kind == Kind.DIGEST
    assert entry.body == letter.body


def test_a_day_with_nothing_sends_nothing(diary_school: DiarySchool, time_machine: Any) -> None:
    digest_for(diary_school.parent, diary_school.pupils[0].pk)
    time_machine.move_to(at(19, 5), tick=False)
    assert send_digests() == 0
    assert mail.outbox == []


def test_a_person_who_moves_the_time_gets_it_at_the_new_time_once(
    diary_school: DiarySchool, lessons: list[Lesson], time_machine: Any, django_capture_on_commit_callbacks: Capture
) -> None:
    parent, anna = diary_school.parent, diary_school.pupils[0]
    digest_for(parent, anna.pk)
    time_machine.move_to(at(10), tick=False)
    put_mark(diary_school, lessons[0], "5", django_capture_on_commit_callbacks)
    time_machine.move_to(at(18, 30), tick=False)
    digest_for(parent, anna.pk, send_at=time(21, 0))
    time_machine.move_to(at(19, 30), tick=False)
    assert send_digests() == 0
    time_machine.move_to(at(21, 0), tick=False)
    assert send_digests() == 1
    time_machine.move_to(at(21, 0, day=10), tick=False)
    assert send_digests() == 0
    assert len(mails_to(parent)) == 1


def test_the_digest_time_is_school_time(
    diary_school: DiarySchool,
    lessons: list[Lesson],
    settings: Any,
    time_machine: Any,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    settings.TIME_ZONE = "Asia/Yekaterinburg"  # two hours ahead of Moscow
    parent, anna = diary_school.parent, diary_school.pupils[0]
    digest_for(parent, anna.pk)
    time_machine.move_to(at(10), tick=False)
    put_mark(diary_school, lessons[0], "5", django_capture_on_commit_callbacks)
    time_machine.move_to(at(16, 59), tick=False)  # 18:59 in Yekaterinburg
    assert send_digests() == 0
    time_machine.move_to(at(17, 0), tick=False)  # 19:00 there
    assert send_digests() == 1


def test_off_for_one_child_tells_nothing_about_that_child_only(
    diary_school: DiarySchool, lessons: list[Lesson], django_capture_on_commit_callbacks: Capture
) -> None:
    parent, anna = diary_school.parent, diary_school.pupils[0]
    set_cadences(user=parent, chosen={(Kind.MARK, anna.pk): Cadence.OFF}, send_at=time(19, 0), push_details=False)
    put_mark(diary_school, lessons[0], "5", django_capture_on_commit_callbacks)
    assert not Notification.objects.filter(user=parent).exists()
    assert not DigestEntry.objects.exists()
    assert mails_to(parent) == []
    # Вера's own account did not choose anything: it hears at once of its own marks (none here), and the
    # choice of one person changes nothing for another.
    assert (
        set_cadences(user=parent, chosen={(Kind.MARK, anna.pk): Cadence.OFF}, send_at=time(19, 0), push_details=False)
        == 0
    )


def test_the_cadence_page_shows_each_child_and_saves(diary_school: DiarySchool) -> None:
    client = client_for(diary_school.parent)
    page = client.get("/cabinet/notifications/cadence/")
    assert page.status_code == 200
    text = page.content.decode()
    anna, gleb = diary_school.pupils[0], diary_school.stranger_pupil
    assert anna.full_name in text
    assert gleb.full_name in text
    assert diary_school.pupils[1].full_name not in text  # not this parent's child
    data = {f"cadence__{kind}__{pupil}": "instant" for kind in ABOUT_A_CHILD for pupil in (anna.pk, gleb.pk)}
    data |= {f"cadence__mark__{anna.pk}": "digest", "send_at": "20:30", "push_details": "on"}
    answer = client.post("/cabinet/notifications/cadence/", data)
    assert answer.status_code == 302
    again = client.get("/cabinet/notifications/cadence/").content.decode()
    assert 'value="20:30"' in again
    assert '<option value="digest" selected>' in again


def test_a_child_of_someone_else_cannot_be_chosen(diary_school: DiarySchool) -> None:
    client = client_for(diary_school.other_parent)
    anna = diary_school.pupils[0]
    client.post("/cabinet/notifications/cadence/", {f"cadence__mark__{anna.pk}": "off", "send_at": "19:00"})
    from notify.models import CadenceChoice

    assert not CadenceChoice.objects.filter(pupil=anna).exists()


def test_the_digest_is_not_sent_before_the_time_on_a_later_day(
    diary_school: DiarySchool, lessons: list[Lesson], time_machine: Any, django_capture_on_commit_callbacks: Capture
) -> None:
    parent, anna = diary_school.parent, diary_school.pupils[0]
    digest_for(parent, anna.pk)
    time_machine.move_to(at(20, 0), tick=False)  # after today's digest: goes with tomorrow's
    put_mark(diary_school, lessons[0], "5", django_capture_on_commit_callbacks)
    assert send_digests() == 0
    time_machine.move_to(at(18, 0, day=10), tick=False)
    assert send_digests() == 0
    time_machine.move_to(at(19, 0, day=10), tick=False)
    assert send_digests() == 1
    assert date(2026, 11, 10).strftime("%d.%m.%Y") in mails_to(parent)[0].body


def test_six_marks_for_one_digest_wake_the_worker_once(
    diary_school: DiarySchool,
    lessons: list[Lesson],
    time_machine: Any,
    django_capture_on_commit_callbacks: Capture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A deferred wake-up per person and digest moment, not per notification (issue 17)."""
    from notify import cadence

    woken: list[datetime] = []
    monkeypatch.setattr(cadence, "_wake_digests_at", woken.append)
    digest_for(diary_school.parent, diary_school.pupils[0].pk)
    for hour, (lesson, value) in enumerate(zip(lessons[:5], "54325", strict=True), start=9):
        time_machine.move_to(at(hour), tick=False)
        put_mark(diary_school, lesson, value, django_capture_on_commit_callbacks)
    assert woken == [at(19)]
    # After today's moment, the next one is tomorrow's.
    time_machine.move_to(at(20), tick=False)
    put_mark(diary_school, lessons[5], "3", django_capture_on_commit_callbacks)
    assert woken == [at(19), at(19, day=10)]
