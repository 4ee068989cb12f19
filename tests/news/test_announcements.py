"""Announcements through the API: who may post to what, who reads, read confirmations («прочитали …»), the
one reminder, and the notifications."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from audit.models import AuditEvent
from news.models import Announcement
from news.selectors import read_count
from notify.models import Notification
from registry.models import Pupil
from tests.diary.conftest import client_for, make_account
from tests.news.conftest import NewsSchool, api, post


def classes(announcement_id: int) -> list[str]:
    found = Announcement.objects.get(pk=announcement_id).links.select_related("school_class")
    return sorted(str(link.school_class) for link in found)


def feed_titles(user: Any) -> list[str]:
    response = client_for(user).get(reverse("api:announcements"))
    assert response.status_code == 200
    return [item["title"] for item in response.json()["items"]]


# ---------------------------------------------------------------- who may post to what


def test_a_teacher_posts_to_the_classes_they_teach_only(news: NewsSchool) -> None:
    ds = news.ds
    ok = post(ds.math_teacher, class_ids=[ds.class_7a.pk])
    assert ok.status_code == 201, ok.content
    assert (ok.json()["audience"], classes(ok.json()["id"])) == ("classes", ["7А"])
    refused = post(ds.math_teacher, class_ids=[ds.class_7a.pk, ds.class_7b.pk])
    assert refused.status_code == 400
    assert (refused.json()["code"], refused.json()["field"]) == ("announcement_class_not_allowed", "class_ids[1]")
    both = post(ds.russian_teacher, class_ids=[ds.class_7a.pk, ds.class_7b.pk])
    assert classes(both.json()["id"]) == ["7А", "7Б"]
    assert Announcement.objects.count() == 2


def test_the_form_tutor_posts_to_the_class(news: NewsSchool) -> None:
    ds = news.ds
    assert post(ds.form_tutor, class_ids=[ds.class_7a.pk]).status_code == 201
    assert post(ds.form_tutor, class_ids=[ds.class_7b.pk]).json()["code"] == "announcement_class_not_allowed"


@pytest.mark.parametrize("who", ["math_teacher", "form_tutor", "parent"])
def test_only_the_registrar_posts_to_grades_or_the_whole_school(news: NewsSchool, who: str) -> None:
    user = getattr(news.ds, who)
    grades = post(user, grades=[7])
    assert (grades.status_code, grades.json()["code"], grades.json()["field"]) == (
        400,
        "announcement_grades_not_allowed",
        "grades",
    )
    school = post(user, whole_school=True)
    assert (school.json()["code"], school.json()["field"]) == ("announcement_school_not_allowed", "school_id")
    assert post(user, class_ids=[news.ds.class_7b.pk]).json()["code"] == "announcement_class_not_allowed"
    assert not Announcement.objects.exists()


def test_the_registrar_posts_to_grades_or_the_whole_school(news: NewsSchool) -> None:
    grades = post(news.registrar, grades=[7])
    assert grades.status_code == 201, grades.content
    assert (grades.json()["audience"], classes(grades.json()["id"])) == ("grades", ["7А", "7Б"])
    school = post(news.registrar, whole_school=True)
    assert classes(school.json()["id"]) == ["5А", "7А", "7Б"]
    missing = post(news.registrar, grades=[7, 9])
    assert (missing.json()["code"], missing.json()["field"]) == ("announcement_grade_invalid", "grades[1]")
    # Another school's registrar keeps nothing here.
    assert post(news.other_registrar, class_ids=[news.ds.class_7a.pk]).status_code == 400
    foreign = post(news.other_registrar, whole_school=True, school_id=news.ds.school.pk)
    assert foreign.json()["code"] == "announcement_school_not_allowed"
    event = AuditEvent.objects.filter(action="news.announcement_posted").first()
    assert event is not None
    assert event.actor == news.registrar


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"title": "  "}, "announcement_title_required", "title"),
        ({"title": "я" * 201}, "announcement_title_too_long", "title"),
        ({"body": ""}, "announcement_body_required", "body"),
        ({"body": "я" * 4001}, "announcement_body_too_long", "body"),
        ({}, "announcement_audience_required", "audience"),
        ({"class_ids": [1], "grades": [7]}, "announcement_audience_required", "audience"),
        ({"class_ids": [999999]}, "announcement_class_not_allowed", "class_ids[0]"),
    ],
)
def test_bad_input_names_the_field(news: NewsSchool, body: dict[str, Any], code: str, field: str) -> None:
    response = post(news.ds.math_teacher, **body)
    assert response.status_code == 400, response.content
    assert (response.json()["code"], response.json()["field"]) == (code, field)
    assert not response.json()["message"].isascii(), "Russian by default"
    assert not Announcement.objects.exists()


def test_a_stranger_and_the_anonymous_cannot_post(news: NewsSchool) -> None:
    assert post(None, class_ids=[news.ds.class_7a.pk]).status_code == 401
    stranger = make_account("stranger@example.ru", "+79000000599")
    assert post(stranger, class_ids=[news.ds.class_7a.pk]).status_code == 400


# ---------------------------------------------------------------- who reads


def test_the_audience_is_the_families_pupils_and_trusted_persons_of_the_diary(news: NewsSchool, run: Any) -> None:
    ds = news.ds
    posted = run(lambda: post(ds.math_teacher, class_ids=[ds.class_7a.pk]))
    announcement_id = posted.json()["id"]
    readers = [ds.parent, ds.other_parent, ds.pupil_account, news.trusted_diary]
    for reader in readers:
        assert feed_titles(reader) == ["Родительское собрание"], reader.email
    stranger = make_account("stranger@example.ru", "+79000000599")
    for outsider in (news.trusted_visits, stranger, ds.math_teacher, ds.form_tutor, news.registrar):
        assert feed_titles(outsider) == [], outsider.email
        assert api(client_for(outsider), "announcement_read", announcement_id).status_code == 404
    # Each reader is told in the cabinet at once; the author and the outsiders are not.
    told = Notification.objects.filter(kind="announcement")
    assert sorted(n.user.email for n in told) == sorted(reader.email for reader in readers)
    notice = told.get(user=ds.parent)
    assert notice.subject == "Объявление: Родительское собрание"
    assert notice.body == "В четверг в 19:00, кабинет 21."
    assert notice.link == f"/news/#announcement-{announcement_id}"


def test_a_family_reads_only_its_classes_and_a_pupil_who_left_takes_it_away(news: NewsSchool) -> None:
    ds = news.ds
    post(ds.russian_teacher, class_ids=[ds.class_7b.pk], title="Для 7Б")
    assert feed_titles(ds.parent) == ["Для 7Б"], "Ольга is Глеб's mother too"
    assert feed_titles(ds.other_parent) == []
    Pupil.objects.filter(pk=ds.stranger_pupil.pk).update(status=Pupil.Status.LEFT)
    assert feed_titles(ds.parent) == []


def test_the_feed_is_newest_first_with_the_unread_marked(news: NewsSchool, time_machine: Any) -> None:
    ds = news.ds
    first = post(ds.math_teacher, class_ids=[ds.class_7a.pk], title="Первое").json()["id"]
    time_machine.move_to(timezone.now() + timedelta(minutes=1))
    post(news.registrar, whole_school=True, title="Второе")
    reader = client_for(ds.parent)
    assert api(reader, "announcement_read", first).status_code == 200
    assert api(reader, "announcement_read", first).status_code == 200, "a second read changes nothing"
    body = reader.get(reverse("api:announcements")).json()
    assert [(item["title"], item["read"]) for item in body["items"]] == [("Второе", False), ("Первое", True)]
    assert body["unread"] == 1
    assert body["items"][0]["audience"] == "вся школа"
    assert body["items"][1]["author"] == "Математикова Мария"


# ---------------------------------------------------------------- receipts and the one reminder


def test_receipts_count_the_families_that_confirmed(news: NewsSchool, run: Any) -> None:
    ds = news.ds
    _anna, _boris, _vera = ds.pupils
    teacher = client_for(ds.math_teacher)
    announcement_id = post(ds.math_teacher, class_ids=[ds.class_7a.pk], needs_confirmation=True).json()["id"]

    def receipts() -> dict[str, Any]:
        response = api(teacher, "announcement_receipts", announcement_id, method="get")
        assert response.status_code == 200, response.content
        return dict(response.json())

    assert receipts()["count"] == {"read": 0, "total": 3, "label": "прочитали 0 из 3 семей"}
    api(client_for(news.trusted_diary), "announcement_read", announcement_id)
    assert receipts()["count"]["read"] == 0, "a trusted person reads, but does not answer for the family"
    api(client_for(ds.parent), "announcement_read", announcement_id)
    answer = receipts()
    assert answer["count"] == {"read": 1, "total": 3, "label": "прочитала 1 из 3 семей"}
    assert answer["missing"] == [
        {"student": "Борисов Борис", "class_name": "7А"},
        {"student": "Васильева Вера", "class_name": "7А"},
    ]
    api(client_for(ds.pupil_account), "announcement_read", announcement_id)  # Вера herself
    assert receipts()["count"]["label"] == "прочитали 2 из 3 семей"
    assert [family["student"] for family in receipts()["missing"]] == ["Борисов Борис"]
    # Only the author sees receipts.
    for other in (ds.russian_teacher, ds.form_tutor, news.registrar, ds.parent):
        assert api(client_for(other), "announcement_receipts", announcement_id, method="get").status_code == 404
    # The author's list shows the same count.
    page = teacher.get(reverse("news:feed")).content.decode()
    assert "прочитали 2 из 3 семей" in page


def test_the_author_reminds_those_who_have_not_read_once(news: NewsSchool, run: Any) -> None:
    ds = news.ds
    teacher = client_for(ds.math_teacher)
    announcement_id = run(lambda: post(ds.math_teacher, class_ids=[ds.class_7a.pk], needs_confirmation=True)).json()[
        "id"
    ]
    api(client_for(ds.parent), "announcement_read", announcement_id)
    for other in (ds.russian_teacher, ds.parent):
        assert api(client_for(other), "announcement_remind", announcement_id).status_code == 404
    reminded = run(lambda: api(teacher, "announcement_remind", announcement_id))
    assert (reminded.status_code, reminded.json()) == (200, {"families": 2})
    told = Notification.objects.filter(kind="announcement", subject__startswith="Напоминание")
    assert sorted(n.user.email for n in told) == sorted([ds.other_parent.email, ds.pupil_account.email])
    assert {n.subject for n in told} == {"Напоминание: подтвердите, что прочитали «Родительское собрание»"}
    again = api(teacher, "announcement_remind", announcement_id)
    assert (again.status_code, again.json()["code"]) == (409, "announcement_already_reminded")
    assert "reminded_at" in again.json()
    assert told.count() == 2


def test_no_receipts_or_reminder_when_no_confirmation_was_asked(news: NewsSchool) -> None:
    ds = news.ds
    teacher = client_for(ds.math_teacher)
    announcement_id = post(ds.math_teacher, class_ids=[ds.class_7a.pk]).json()["id"]
    assert api(teacher, "announcement_receipts", announcement_id, method="get").status_code == 404
    refused = api(teacher, "announcement_remind", announcement_id)
    assert (refused.status_code, refused.json()["code"]) == (400, "announcement_confirmation_not_requested")


@pytest.mark.parametrize(
    ("read", "total", "russian", "english"),
    [
        (1, 25, "прочитала 1 из 25 семей", "read by 1 of 25 families"),
        (2, 21, "прочитали 2 из 21 семьи", "read by 2 of 21 families"),
        (5, 24, "прочитали 5 из 24 семей", "read by 5 of 24 families"),
        (12, 25, "прочитали 12 из 25 семей", "read by 12 of 25 families"),
        (21, 25, "прочитала 21 из 25 семей", "read by 21 of 25 families"),
        (0, 1, "прочитали 0 из 1 семьи", "read by 0 of 1 family"),
    ],
)
def test_the_read_count_agrees_in_russian(read: int, total: int, russian: str, english: str) -> None:
    with translation.override("ru"):
        assert read_count(read, total).label == russian
    with translation.override("en"):
        assert read_count(read, total).label == english


def test_the_feed_answers_in_a_fixed_number_of_queries(news: NewsSchool, django_assert_num_queries: Any) -> None:
    """Whatever the number of announcements and classes: the session and its account checks, the unread count,
    the announcements with their authors, their classes."""
    ds = news.ds
    reader = client_for(ds.parent)
    post(ds.math_teacher, class_ids=[ds.class_7a.pk])
    reader.get(reverse("api:announcements"))
    with django_assert_num_queries(5):
        assert len(reader.get(reverse("api:announcements")).json()["items"]) == 1
    for n in range(5):
        post(ds.russian_teacher, class_ids=[ds.class_7a.pk, ds.class_7b.pk], title=f"Новость {n}")
    post(news.registrar, grades=[7])
    with django_assert_num_queries(5):
        assert len(reader.get(reverse("api:announcements")).json()["items"]) == 7
