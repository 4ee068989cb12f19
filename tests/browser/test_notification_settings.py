"""The notification settings page («Как часто») in a real Chromium at 390 px, in Russian: per child the
cadences, the digest time, the alerts with their thresholds (a bad threshold named in Russian, a good one
kept), and the push button — and nothing wider than the phone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in

SHOTS = Path(__file__).resolve().parents[2] / "test-results"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_settings_page_on_a_phone(page: Page, live_server: Any) -> None:
    from diary.models import Alert
    from tests.diary.conftest import build_diary_school

    school = build_diary_school()
    anna = school.pupils[0]
    sign_in(page, live_server.url, school.parent.email)
    page.goto(f"{live_server.url}/cabinet/notifications/cadence/")
    expect(page.locator("h1")).to_have_text("Как часто")
    expect(page.locator("[data-testid=cadence-child]")).to_have_count(2)
    expect(page.get_by_label("Андреева Анна: Новая или изменённая оценка")).to_be_visible()
    expect(page.locator("#id_send_at")).to_have_value("19:00")
    expect(page.locator("[data-push] button")).to_be_visible()

    alerts = page.locator("[data-testid=alerts-child]").filter(has_text="Андреева Анна")
    expect(alerts.get_by_text("Домашнее задание не сдано к уроку")).to_be_visible()
    expect(alerts.locator("input[name$=homework_missed__on]")).to_be_enabled()
    alerts.get_by_label("Оценка не выше").check()
    alerts.locator("input[name$=mark_at_or_below__threshold]").fill("7")
    alerts.get_by_role("button", name="Сохранить оповещения").click()
    expect(page.get_by_text("Порог — число от 1 до 5, не больше двух знаков после запятой.")).to_be_visible()
    assert not Alert.objects.exists()

    page.locator("input[name$=mark_at_or_below__threshold]").fill("2,5")
    page.get_by_role("button", name="Сохранить оповещения").click()
    expect(page.get_by_text("Оповещения сохранены.")).to_be_visible()
    assert Alert.objects.get(pupil=anna).threshold == 2.5

    saved = page.locator("[data-testid=alerts-child]").filter(has_text="Андреева Анна")
    expect(saved.locator("input[name$=mark_at_or_below__threshold]")).to_have_value("2,5")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide on a 390 px phone"
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "notification-settings-phone.png"), full_page=True)
