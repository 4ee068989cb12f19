"""Homework answers on a 390 px phone in Russian (issue 16): the pupil hands in text and a file, the teacher
replies and marks on the homework's page, the parent sees both."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in, sign_out

SHOTS = Path(__file__).resolve().parents[2] / "test-results"
MSK = ZoneInfo("Europe/Moscow")


def narrow(page: Page, what: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{what} is {width} px wide on a 390 px phone"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_pupil_hands_in_the_teacher_replies_and_marks_the_parent_sees_both(
    page: Page, live_server: Any, settings: Any, tmp_path: Path
) -> None:
    from diary.homework import set_homework
    from diary.lessons import generate_lessons
    from diary.models import Lesson
    from tests.diary.conftest import build_diary_school, make_account

    settings.MEDIA_ROOT = tmp_path
    school = build_diary_school()
    generate_lessons(term=school.term)
    anna = school.pupils[0]
    anna.account = make_account("anna@example.ru", "+79000000197", "Андреева", "Анна", birth_date=date(2012, 1, 1))
    anna.save(update_fields=["account"])
    monday = Lesson.objects.get(school_class=school.class_7a, subject=school.algebra, date=date(2026, 11, 2))
    homework = set_homework(
        teacher=school.math_teacher, lesson_id=monday.pk, text="Решить № 12", hand_in=True, files_allowed=True
    )
    answer_file = tmp_path / "решение.pdf"
    answer_file.write_bytes(b"%PDF-1.4\n%test\n")
    SHOTS.mkdir(exist_ok=True)

    with time_machine.travel(datetime(2026, 11, 4, 18, tzinfo=MSK), tick=True):
        # The pupil, on the homework page: the form with its limits, then the answer handed in.
        sign_in(page, live_server.url, anna.account.email)
        page.goto(f"{live_server.url}/diary/{anna.public_id}/homework/?from=2026-11-02&to=2026-11-08")
        card = page.locator("[data-testid=homework]", has_text="Решить № 12")
        expect(card.locator("[data-testid=answer-state]")).to_have_text("не сдано")
        expect(card.locator("[data-testid=hand-in]")).to_contain_text("До 5 файлов, каждый до 10,0")
        card.locator("textarea[name=text]").fill("x = 4, потому что 2·2 = 4")
        card.locator("input[name=files]").set_input_files(str(answer_file))
        narrow(page, "the pupil's homework page")
        page.screenshot(path=str(SHOTS / "homework-answer-pupil-form.png"), full_page=True)
        card.locator("[data-testid=hand-in-submit]").click()
        expect(page.locator("body")).to_contain_text("Ответ сдан")
        card = page.locator("[data-testid=homework]", has_text="Решить № 12")
        expect(card.locator("[data-testid=answer-state]")).to_have_text("сдано")
        expect(card.locator("[data-testid=answer-file]")).to_contain_text("решение.pdf")
        sign_out(page)

        # The teacher, on the homework's page: the whole class, one form, a reply and a mark for Анна.
        sign_in(page, live_server.url, school.math_teacher.email)
        page.goto(f"{live_server.url}/teacher/lessons/{monday.pk}/")
        page.click("[data-testid=homework-answers]")
        rows = page.locator("[data-testid=answer-row]")
        expect(rows).to_have_count(3)
        row = rows.filter(has_text="Андреева Анна")
        expect(row.locator("[data-testid=answer-text]")).to_have_text("x = 4, потому что 2·2 = 4")
        expect(rows.filter(has_text="Борисов")).to_have_attribute("data-state", "missing")
        row.locator("textarea[name$=reply]").fill("Верно, молодец")
        row.locator("input[name$=value]").fill("5")
        narrow(page, "the teacher's homework page")
        page.screenshot(path=str(SHOTS / "homework-answer-teacher.png"), full_page=True)
        page.click("[data-testid=save-review]")
        row = page.locator("[data-testid=answer-row]").filter(has_text="Андреева Анна")
        expect(row).to_have_attribute("data-state", "marked")
        expect(row.locator("[data-testid=answer-state]")).to_have_text("оценено")
        sign_out(page)

        # The parent sees the answer, the reply and the mark, and no form.
        sign_in(page, live_server.url, school.parent.email)
        page.goto(f"{live_server.url}/diary/{anna.public_id}/homework/?from=2026-11-02&to=2026-11-08")
        card = page.locator("[data-testid=homework]", has_text="Решить № 12")
        expect(card.locator("[data-testid=answer-state]")).to_have_text("оценено")
        expect(card.locator("[data-testid=answer-text]")).to_have_text("x = 4, потому что 2·2 = 4")
        expect(card.locator("[data-testid=answer-reply]")).to_contain_text("Верно, молодец")
        expect(card.locator("[data-testid=answer-mark]")).to_contain_text("5")
        expect(card.locator("[data-testid=hand-in]")).to_have_count(0)
        with page.expect_download() as download:
            card.locator("[data-testid=answer-file]").click()
        assert download.value.suggested_filename == "решение.pdf"
        narrow(page, "the parent's homework page")
        page.screenshot(path=str(SHOTS / "homework-answer-parent.png"), full_page=True)
    assert homework.submissions.get().state == "marked"
