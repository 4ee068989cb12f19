"""Who may start, read and write a thread, see receipts, mute; the edit window; withdrawing; through the pages
and the services, against the database."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from audit.models import AuditEvent
from core.errors import Conflict, DomainError, NotFound
from messaging import services
from messaging.errors import MessagingCode
from messaging.models import Message
from notify.models import Notification
from tests.diary.conftest import client_for
from tests.messaging.conftest import Talk, mother_writes_to_math

pytestmark = pytest.mark.django_db


def test_a_guardian_writes_to_a_teacher_of_the_child_by_subject(
    talk: Talk, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        thread = mother_writes_to_math(talk)
    assert thread.teacher == talk.school.math_teacher
    assert thread.subject == talk.school.algebra
    # The teacher is told in the app at once; the other guardian too (the family side); not the author.
    told = set(Notification.objects.filter(kind="message").values_list("user_id", flat=True))
    assert told == {talk.school.math_teacher.pk, talk.father.pk}
    subject = Notification.objects.filter(user=talk.school.math_teacher).get().subject
    assert subject == "Новое сообщение об Андреевой Анне"
    assert AuditEvent.objects.filter(action="messaging.thread_started").exists()


@pytest.mark.parametrize(
    ("teacher", "subject"),
    [
        ("russian_teacher", "algebra"),  # teaches the class, but not that subject
        ("math_teacher", None),  # not the form tutor
        ("form_tutor", "algebra"),  # the tutor teaches nothing
    ],
)
def test_a_guardian_cannot_pick_a_teacher_outside_the_childs_timetable(
    talk: Talk, teacher: str, subject: str | None
) -> None:
    with pytest.raises(DomainError) as refused:
        services.start_thread(
            author=talk.mother,
            student_id=talk.anna_id,
            teacher_id=str(getattr(talk.school, teacher).public_id),
            subject_id=getattr(talk.school, subject).pk if subject else None,
            text="?",
        )
    assert refused.value.code == MessagingCode.INVALID_RECIPIENT
    assert refused.value.field == "teacher_id"


def test_a_guardian_writes_to_the_form_tutor(talk: Talk) -> None:
    thread = services.start_thread(
        author=talk.mother,
        student_id=talk.anna_id,
        teacher_id=str(talk.school.form_tutor.public_id),
        text="Здравствуйте",
    )
    assert thread.teacher == talk.school.form_tutor
    assert thread.subject is None


def test_a_teacher_of_another_class_cannot_be_chosen_nor_start(talk: Talk) -> None:
    # Глеб (7Б) is the mother's child too; the math teacher does not teach 7Б.
    with pytest.raises(DomainError):
        services.start_thread(
            author=talk.mother,
            student_id=str(talk.school.stranger_pupil.public_id),
            teacher_id=str(talk.school.math_teacher.public_id),
            subject_id=talk.school.algebra.pk,
            text="?",
        )
    with pytest.raises(NotFound):
        services.start_thread(
            author=talk.school.math_teacher, student_id=str(talk.school.stranger_pupil.public_id), text="?"
        )


def test_a_trusted_person_and_a_stranger_cannot_start(talk: Talk) -> None:
    for author in (talk.trusted, talk.school.other_parent):
        with pytest.raises(NotFound):
            services.start_thread(
                author=author,
                student_id=talk.anna_id,
                teacher_id=str(talk.school.math_teacher.public_id),
                subject_id=talk.school.algebra.pk,
                text="?",
            )


def test_a_teacher_starts_a_thread_with_the_family_of_a_pupil_they_teach(talk: Talk) -> None:
    thread = services.start_thread(author=talk.school.russian_teacher, student_id=talk.anna_id, text="Анна молодец")
    assert thread.teacher == talk.school.russian_teacher
    for reader in (talk.mother, talk.father, talk.school.russian_teacher):
        assert client_for(reader).get(f"/messages/{thread.pk}/").status_code == 200


@pytest.mark.parametrize("who", ["mother", "father", "pupil", "teacher"])
def test_the_family_side_and_the_teacher_read_the_thread(talk: Talk, who: str) -> None:
    thread = mother_writes_to_math(talk)
    if who == "pupil":  # Вера's own account: her thread
        thread = services.start_thread(
            author=talk.school.math_teacher, student_id=str(talk.school.pupils[2].public_id), text="Вера, зайди"
        )
        reader = talk.school.pupil_account
    else:
        reader = {"mother": talk.mother, "father": talk.father, "teacher": talk.school.math_teacher}[who]
    page = client_for(reader).get(f"/messages/{thread.pk}/")
    assert page.status_code == 200
    assert thread.pk in [row["id"] for row in client_for(reader).get("/api/v1/threads").json()]


@pytest.mark.parametrize("who", ["trusted", "russian_teacher", "form_tutor", "other_parent", "stranger_teacher"])
def test_everyone_else_gets_404(talk: Talk, who: str) -> None:
    from diary.models import TimetableEntry
    from tests.diary.conftest import make_account  # a teacher of 7Б only, created here

    thread = mother_writes_to_math(talk)
    if who == "stranger_teacher":
        reader = make_account("b@example.ru", "+79000000299", "Другая", "Дарья")
        TimetableEntry.objects.create(
            school_class=talk.school.class_7b,
            weekday=3,
            slot=talk.school.slots[2],
            subject=talk.school.algebra,
            teacher=reader,
        )
    elif who in ("trusted",):
        reader = talk.trusted
    else:
        reader = getattr(talk.school, who)
    client = client_for(reader)
    assert client.get(f"/messages/{thread.pk}/").status_code == 404
    assert client.post(f"/messages/{thread.pk}/", {"text": "Я тоже"}).status_code == 404
    assert client.get(f"/api/v1/threads/{thread.pk}").status_code == 404
    assert client.get("/api/v1/threads").json() == []
    assert not Message.objects.filter(text="Я тоже").exists()


def test_a_guardian_whose_link_ended_no_longer_reads(talk: Talk) -> None:
    thread = mother_writes_to_math(talk)
    talk.anna.guardians.filter(account=talk.father).delete()
    assert client_for(talk.father).get(f"/messages/{thread.pk}/").status_code == 404


def test_reading_moves_the_receipt_and_both_sides_see_who_read(talk: Talk) -> None:
    thread = mother_writes_to_math(talk)
    teacher = client_for(talk.school.math_teacher)
    assert teacher.get("/api/v1/threads").json()[0]["unread"] == 1
    before = client_for(talk.mother).get(f"/api/v1/threads/{thread.pk}").json()
    assert before["messages"][0]["read_by"] == []
    page = teacher.get(f"/messages/{thread.pk}/")  # opening the page is reading it
    assert "Математикова Мария" in page.content.decode()
    after = client_for(talk.mother).get(f"/api/v1/threads/{thread.pk}").json()
    assert [p["name"] for p in after["messages"][0]["read_by"]] == ["Математикова Мария"]
    assert teacher.get("/api/v1/threads").json()[0]["unread"] == 0
    # The father has not read it yet; the API reads without moving the receipt until it says so.
    father = client_for(talk.father)
    father.get(f"/api/v1/threads/{thread.pk}")
    assert father.get("/api/v1/threads").json()[0]["unread"] == 1
    assert father.post(f"/api/v1/threads/{thread.pk}/read").json() == {"moved": True}
    assert father.get("/api/v1/threads").json()[0]["unread"] == 0


def test_the_header_counts_unread_messages(talk: Talk) -> None:
    mother_writes_to_math(talk)
    services.start_thread(author=talk.school.math_teacher, student_id=talk.anna_id, text="И ещё")
    page = client_for(talk.father).get("/cabinet/").content.decode()
    assert 'data-testid="unread-messages">2<' in page


def test_text_is_bounded_with_a_named_field(talk: Talk) -> None:
    thread = mother_writes_to_math(talk)
    client = client_for(talk.mother)
    answer = client.post(
        f"/api/v1/threads/{thread.pk}/messages",
        {"text": "я" * (services.TEXT_MAX_LENGTH + 1)},
        content_type="application/json",
    )
    assert answer.status_code == 400
    assert (answer.json()["code"], answer.json()["field"]) == ("message_text_too_long", "text")
    answer = client.post(f"/api/v1/threads/{thread.pk}/messages", {"text": "  "}, content_type="application/json")
    assert (answer.json()["code"], answer.json()["field"]) == ("message_text_required", "text")
    page = client.post(f"/messages/{thread.pk}/", {"text": "я" * (services.TEXT_MAX_LENGTH + 1)})
    assert page.status_code == 200
    assert 'data-field="text"' in page.content.decode()
    assert Message.objects.count() == 1


def test_attachments_obey_the_homework_limits_and_are_served_to_the_thread_only(talk: Talk) -> None:
    thread = mother_writes_to_math(talk)
    client = client_for(talk.mother)
    bad = SimpleUploadedFile("virus.pdf", b"MZ\x90\x00", content_type="application/pdf")
    page = client.post(f"/messages/{thread.pk}/", {"text": "Справка", "attachment": bad})
    assert (
        "Only PDF" in page.content.decode()
        or "только файлы" in page.content.decode().lower()
        or page.status_code == 200
    )
    assert Message.objects.count() == 1
    good = SimpleUploadedFile("справка.pdf", b"%PDF-1.4 note", content_type="application/pdf")
    assert client.post(f"/messages/{thread.pk}/", {"text": "Справка", "attachment": good}).status_code == 302
    message = Message.objects.latest("pk")
    url = f"/messages/attachments/{message.attachments.get().pk}/"
    assert client_for(talk.school.math_teacher).get(url).status_code == 200
    for stranger in (talk.trusted, talk.school.russian_teacher, talk.school.other_parent):
        assert client_for(stranger).get(url).status_code == 404
    services.withdraw_message(author=talk.mother, message_id=message.pk)
    assert client_for(talk.school.math_teacher).get(url).status_code == 404


def test_mute_stops_posting_and_the_muted_person_sees_it(talk: Talk) -> None:
    thread = mother_writes_to_math(talk)
    teacher = client_for(talk.school.math_teacher)
    # The family side cannot mute; the school side can.
    assert (
        client_for(talk.father)
        .post(f"/messages/{thread.pk}/mute/", {"user": str(talk.mother.public_id), "muted": "1"})
        .status_code
        == 404
    )
    assert client_for(talk.mother).post(f"/messages/{thread.pk}/", {"text": "ещё"}).status_code == 302
    answer = teacher.put(
        f"/api/v1/threads/{thread.pk}/mutes",
        {"user_id": str(talk.mother.public_id), "muted": True},
        content_type="application/json",
    )
    assert answer.json() == {"changed": True}
    assert AuditEvent.objects.filter(action="messaging.muted").count() == 1
    mother = client_for(talk.mother)
    page = mother.get(f"/messages/{thread.pk}/").content.decode()
    assert 'data-testid="muted"' in page
    assert 'data-testid="reply-form"' not in page
    refused = mother.post(f"/api/v1/threads/{thread.pk}/messages", {"text": "Почему?"}, content_type="application/json")
    assert (refused.status_code, refused.json()["code"]) == (409, "muted")
    # The father is not muted, and the teacher cannot mute themselves or a stranger.
    assert (
        client_for(talk.father)
        .post(f"/api/v1/threads/{thread.pk}/messages", {"text": "Я"}, content_type="application/json")
        .status_code
        == 201
    )
    other = teacher.put(
        f"/api/v1/threads/{thread.pk}/mutes",
        {"user_id": str(talk.trusted.public_id), "muted": True},
        content_type="application/json",
    )
    assert (other.status_code, other.json()["field"]) == (400, "user_id")
    teacher.post(f"/messages/{thread.pk}/mute/", {"user": str(talk.mother.public_id), "muted": "0"})
    assert (
        mother.post(
            f"/api/v1/threads/{thread.pk}/messages", {"text": "Спасибо"}, content_type="application/json"
        ).status_code
        == 201
    )


def test_the_family_side_cannot_mute(talk: Talk) -> None:
    thread = mother_writes_to_math(talk)
    answer = client_for(talk.father).put(
        f"/api/v1/threads/{thread.pk}/mutes",
        {"user_id": str(talk.mother.public_id), "muted": True},
        content_type="application/json",
    )
    assert answer.status_code == 404


def test_a_message_is_edited_only_within_15_minutes(talk: Talk) -> None:
    with time_machine.travel(timezone.now(), tick=False) as clock:
        thread = mother_writes_to_math(talk, text="Первый текст")
        message = thread.messages.get()
        client = client_for(talk.mother)
        clock.shift(timedelta(minutes=14))
        edited = client.patch(
            f"/api/v1/threads/{thread.pk}/messages/{message.pk}",
            {"text": "Исправленный"},
            content_type="application/json",
        )
        assert edited.status_code == 200
        assert edited.json()["text"] == "Исправленный"
        clock.shift(timedelta(minutes=2))
        late = client.patch(
            f"/api/v1/threads/{thread.pk}/messages/{message.pk}", {"text": "Поздно"}, content_type="application/json"
        )
        assert (late.status_code, late.json()["code"]) == (409, "edit_window_closed")
        # Someone else's message is nobody's to edit.
        other = client_for(talk.father).patch(
            f"/api/v1/threads/{thread.pk}/messages/{message.pk}", {"text": "Чужое"}, content_type="application/json"
        )
        assert other.status_code == 404
    message.refresh_from_db()
    assert message.text == "Исправленный"
    assert list(message.revisions.values_list("text", flat=True)) == ["Первый текст"]


def test_a_withdrawn_message_is_shown_as_withdrawn_and_its_text_not_served(talk: Talk) -> None:
    thread = mother_writes_to_math(talk, text="Секретный текст")
    message = thread.messages.get()
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        answer = client_for(talk.mother).post(f"/api/v1/threads/{thread.pk}/messages/{message.pk}/withdraw")
    assert answer.status_code == 200
    assert answer.json()["withdrawn"] is True
    assert answer.json()["text"] is None
    page = client_for(talk.school.math_teacher).get(f"/messages/{thread.pk}/").content.decode()
    assert "Сообщение отозвано" in page
    assert "Секретный текст" not in page
    api = client_for(talk.father).get(f"/api/v1/threads/{thread.pk}").json()
    assert api["messages"][0]["text"] is None
    assert Message.objects.get(pk=message.pk).text == "Секретный текст"  # kept for the retention period
    with pytest.raises(Conflict):
        services.edit_message(author=talk.mother, message_id=message.pk, text="снова")
