"""A guardian writes to her daughter's algebra teacher and the teacher answers, in a real Chromium at 390 px.

The mother picks the child, then the teacher by subject, writes; the teacher sees the unread count in the
header, opens the thread (her receipt moves), answers; the mother sees the answer and that the teacher has
read her message. Screenshots go to ``test-results/messages/`` (git-ignored).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import at_path, sign_in, sign_out

SHOTS = Path(__file__).resolve().parents[2] / "test-results" / "messages"


def _shot(page: Page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    # Nothing sticks out sideways at phone width.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, name


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_guardian_writes_to_a_teacher_and_the_teacher_answers(
    page: Page, live_server: Any, settings: Any, tmp_path: Any
) -> None:
    from tests.diary.conftest import build_diary_school

    settings.MEDIA_ROOT = str(tmp_path)
    SHOTS.mkdir(parents=True, exist_ok=True)
    school = build_diary_school()
    anna = school.pupils[0]

    sign_in(page, live_server.url, school.parent.email)
    page.goto(f"{live_server.url}/messages/")
    page.click("[data-testid=new-thread]")
    page.select_option("#id_student", str(anna.public_id))  # the mother has two children: Анна and Глеб
    page.click("[data-testid=choose-pupil]")
    expect(page.locator("main")).to_contain_text("об Андреевой Анне")
    page.select_option("#id_teacher_id", f"{school.math_teacher.public_id}:{school.algebra.pk}")
    page.fill("#id_text", "Добрый вечер! Анна болела на прошлой неделе. Можно ли переписать контрольную?")
    _shot(page, "1-new-thread")
    page.click("[data-testid=send]")
    expect(page).to_have_url(at_path(f"/messages/{anna.threads.get().pk}/"))
    expect(page.locator("[data-testid=read-by]")).to_have_count(1)
    sign_out(page)

    sign_in(page, live_server.url, school.math_teacher.email)
    page.locator("[data-testid=menu] > summary").click()
    expect(page.locator("[data-testid=unread-messages]")).to_have_text("1")
    page.click("[data-testid=messages]")
    expect(page.locator("[data-testid=thread-unread]")).to_have_text("1")
    _shot(page, "2-teacher-list")
    page.locator("[data-testid=thread] a").first.click()
    expect(page.locator("[data-testid=message-text]")).to_contain_text("переписать контрольную")
    expect(page.locator("main")).to_contain_text("Переписка с семьёй Андреевой Анны")
    page.fill("#id_text", "Здравствуйте! Да, в четверг после шестого урока.")
    page.click("[data-testid=send]")
    expect(page.locator("[data-testid=message]")).to_have_count(2)
    sign_out(page)

    sign_in(page, live_server.url, school.parent.email)
    page.goto(f"{live_server.url}/messages/{anna.threads.get().pk}/")
    messages = page.locator("[data-testid=message]")
    expect(messages.nth(1)).to_contain_text("в четверг после шестого урока")
    expect(messages.nth(0).locator("[data-testid=read-by]")).to_contain_text("Математикова Мария")
    expect(page.locator("main")).to_contain_text("Переписка с Математиковой Марией")
    _shot(page, "3-thread-with-receipts")
