"""«Мои данные» on a phone, in Russian: what is kept, who sees it, and a child's archive built and downloaded."""

from __future__ import annotations

import zipfile
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE_VIEWPORT, sign_in

DEMO_PASSWORD = "Dnevnik-demo-2026"
SHOTS = Path(__file__).resolve().parents[2] / "test-results"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_my_data_on_a_phone_and_the_childs_archive(page: Page, live_server: Any, tmp_path: Path) -> None:
    call_command("load_demo", stdout=StringIO())
    sign_in(page, live_server.url, "olga.smirnova@dnevnik.test", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/cabinet/")
    page.click("[data-testid=my-data-link]")
    expect(page.locator("h1")).to_have_text("Мои данные")
    children = page.locator("[data-testid=child-data]")
    expect(children).to_have_count(2)
    artyom = children.filter(has_text="Артём")
    expect(artyom).to_contain_text("Кто это видит")
    expect(artyom).to_contain_text("Учителя класса")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_VIEWPORT["width"]

    # The demo links her to the children as the registry import does, with no consent: the page asks for it.
    consent = artyom.locator("[data-testid=child-consent]")
    expect(consent).to_contain_text("вашего согласия на обработку данных о Смирнове Артёме")
    SHOTS.mkdir(exist_ok=True)
    consent.screenshot(path=str(SHOTS / "my-data-consent-390.png"))
    consent.locator("input[name=consent]").check()
    consent.locator("button").click()
    expect(page.locator(".messages")).to_contain_text("ваше согласие на обработку данных ребёнка записано")
    artyom = page.locator("[data-testid=child-data]").filter(has_text="Артём")
    expect(artyom.locator("[data-testid=child-consent]")).to_have_count(0)
    expect(artyom).to_contain_text("сайт")  # the consent on record, «how: web»
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_VIEWPORT["width"]

    artyom.locator("[data-testid=export-child]").click()
    link = page.locator("[data-testid=download]")
    expect(link).to_contain_text("Скачать (один раз, до")
    page.screenshot(path=str(SHOTS / "my-data-390.png"), full_page=True)
    with page.expect_download() as download_info:
        link.click()
    saved = tmp_path / "archive.zip"
    download_info.value.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        assert "summary.txt" in archive.namelist()
        assert "Все данные" in archive.read("summary.txt").decode()
    # Once: the page no longer offers it.
    page.goto(f"{live_server.url}/cabinet/data/")
    expect(page.locator("[data-testid=download]")).to_have_count(0)
    expect(page.locator("[data-testid=exports]")).to_contain_text("скачан")
