"""The marks page on a 390 px phone in Russian: a changed mark says why, the averages with and without this
week, the trend over 4 weeks and the control work the teacher announced."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in

SHOTS = Path(__file__).resolve().parents[2] / "test-results"
MSK = ZoneInfo("Europe/Moscow")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_marks_page_explains_the_marks_at_390_px(page: Page, live_server: Any) -> None:
    from diary.lessons import generate_lessons, set_lesson_plan
    from diary.marks import MarkInput, set_lesson_marks
    from diary.models import Lesson
    from tests.diary.conftest import build_diary_school

    school = build_diary_school()
    generate_lessons(term=school.term)
    anna = school.pupils[0]

    def lesson(day: date) -> Lesson:
        return Lesson.objects.get(school_class=school.class_7a, subject=school.algebra, date=day)

    def mark(day: date, value: str, **extra: Any) -> None:
        marks = [MarkInput(pupil_id=anna.pk, value=value, **extra)]
        set_lesson_marks(teacher=school.math_teacher, lesson_id=lesson(day).pk, marks=marks)

    with time_machine.travel(datetime(2026, 11, 16, 12, tzinfo=MSK), tick=False):
        mark(date(2026, 11, 2), "3")
        mark(date(2026, 11, 16), "5")
    with time_machine.travel(datetime(2026, 11, 25, 12, tzinfo=MSK), tick=True):
        mark(date(2026, 11, 16), "4", version=1, reason="работа списана")
        mark(date(2026, 11, 23), "5", weight=2)
        set_lesson_plan(
            teacher=school.math_teacher, lesson_id=lesson(date(2026, 11, 27)).pk, kind="control", note="Дроби"
        )

        sign_in(page, live_server.url, school.parent.email)
        page.goto(f"{live_server.url}/diary/{anna.public_id}/marks/")
        subject = page.locator(f"[data-testid=subject][data-subject-id='{school.algebra.pk}']")
        expect(subject.locator("[data-testid=mark-history]")).to_have_text(
            "16.11: 5 → 4, изменена 25.11.2026 Математиковой М.: работа списана"
        )
        expect(subject.locator("[data-testid=marks-count]")).to_have_text("3 оценки")
        # (3 + 4 + 5·2) / 4 = 4,25 now; (3 + 4) / 2 = 3,5 before Monday 23.11;
        # no marks up to four weeks ago (28.10): steady.
        expect(subject.locator("[data-testid=average]")).to_have_text("4,25")
        expect(subject.locator("[data-testid=average-before-week]")).to_have_text("3,50")
        expect(subject.locator("[data-testid=trend]")).to_have_attribute("data-trend", "flat")
        expect(subject.locator("[data-testid=upcoming]")).to_have_text("27.11.2026: контрольная работа — Дроби")
        expect(page.locator("[data-testid=marks-small-print]")).to_contain_text("до 4 недель назад")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the marks page is {width} px wide on a 390 px phone"
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / "marks-page-explained.png"), full_page=True)
