"""A guardian of two children reads the diary in a real Chromium: the week with a fresh mark,
one click to the other child, and the marks page with its chart."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_guardian_reads_the_week_switches_child_and_sees_the_chart(page: Page, live_server: Any) -> None:
    from diary.lessons import generate_lessons
    from diary.marks import MarkInput, set_lesson_marks
    from diary.models import Lesson
    from tests.diary.conftest import TERM_START, build_diary_school

    school = build_diary_school()
    generate_lessons(term=school.term)
    anna, glebov = school.pupils[0], school.stranger_pupil
    lesson = Lesson.objects.filter(school_class=school.class_7a, subject=school.algebra, date=TERM_START).get()
    set_lesson_marks(
        teacher=school.math_teacher, lesson_id=lesson.pk, marks=[MarkInput(pupil_id=anna.pk, value="5", weight=2)]
    )

    sign_in(page, live_server.url, school.parent.email)
    page.goto(f"{live_server.url}/diary/{anna.public_id}/?week={TERM_START.isoformat()}")

    day = page.locator(f"[data-testid=day][data-date='{TERM_START.isoformat()}']")
    expect(day.locator("[data-testid=mark]")).to_contain_text("5")
    expect(page.locator("[data-testid=child-switcher]")).to_contain_text("Глеб")

    page.locator("[data-testid=child-switcher] a", has_text="Глеб").click()
    expect(page).to_have_url(re.compile(rf"/diary/{glebov.public_id}/"))

    page.goto(f"{live_server.url}/diary/{anna.public_id}/marks/?term={school.term.pk}")
    subject = page.locator(f"[data-testid=subject][data-subject-id='{school.algebra.pk}']")
    expect(subject.locator("[data-testid=average]")).to_contain_text("5")
    expect(subject.locator("[data-testid=chart]")).to_be_visible()
