"""An announcement with read confirmations in a real Chromium at 390 px: the teacher posts to 7А, a parent
sees it on the start page and confirms, the teacher sees «прочитала 1 из 3 семей» and who has not."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import phone_page, sign_in

SHOTS = Path(__file__).resolve().parents[2] / "test-results"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_teacher_posts_parent_confirms_teacher_sees_the_count(page: Page, browser: Browser, live_server: Any) -> None:
    from tests.diary.conftest import build_diary_school

    school = build_diary_school()
    sign_in(page, live_server.url, school.math_teacher.email)
    page.goto(f"{live_server.url}/news/new/")
    page.fill("#id_title", "Родительское собрание")
    page.fill("#id_body", "В четверг в 19:00, кабинет 21.")
    page.locator("input[name=class_ids]").first.check()
    page.locator("#id_needs_confirmation").check()
    page.locator("[data-testid=post]").click()
    expect(page.locator("[data-testid=read-count]")).to_have_text("Прочитали 0 из 3 семей")

    parent = phone_page(browser)
    try:
        sign_in(parent, live_server.url, school.parent.email)
        panel = parent.locator("[data-testid=news-panel]")
        expect(panel).to_contain_text("Родительское собрание")
        expect(panel.locator("[data-testid=news-unread]")).to_have_text("1 новое")
        panel.get_by_role("link", name="Родительское собрание").click()
        expect(parent).to_have_url(re.compile(r"/news/#announcement-\d+$"))
        item = parent.locator("[data-testid=announcement]")
        expect(item).to_have_attribute("data-unread", "true")
        item.locator("[data-testid=confirm]").click()
        expect(item.locator("[data-testid=confirmed]")).to_have_text("Вы подтвердили прочтение")
        width = parent.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page is {width} px wide on a 390 px phone"
        SHOTS.mkdir(exist_ok=True)
        parent.screenshot(path=str(SHOTS / "announcement-parent-confirmed.png"), full_page=True)
    finally:
        parent.context.close()

    page.reload()
    expect(page.locator("[data-testid=read-count]")).to_have_text("Прочитала 1 из 3 семей")
    expect(page.locator("[data-testid=missing]")).to_contain_text("Борисов Борис, 7А")
    expect(page.locator("[data-testid=missing]")).not_to_contain_text("Андреева Анна")
    page.locator("[data-testid=remind]").click()
    expect(page.locator("[data-testid=reminded]")).to_be_visible()
    page.screenshot(path=str(SHOTS / "announcement-teacher-receipts.png"), full_page=True)
