"""A parent hands her data to the school in a real Chromium: names her child, is linked, sees the child.

Texts are not asserted (the Russian catalogue may lag): the checks are on URLs, ``data-*`` hooks and
the child's name.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD


def _at(path: str) -> re.Pattern[str]:
    return re.compile(rf"^https?://[^/]+{re.escape(path)}(\?.*)?$")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_guardian_links_to_her_child_and_sees_it_in_the_diary_service(
    page: Page, live_server: Any, register: Callable[..., Any]
) -> None:
    from registry.models import Guardian
    from tests.registry.test_linking import OLGA_PHONE, make_guardian, make_pupil, make_school

    base_url = live_server.url
    olga = register()
    school = make_school()
    child = make_pupil(school)
    row = make_guardian(child, phone=OLGA_PHONE)

    page.goto(f"{base_url}/signin/")
    page.fill("#id_login", olga.email)
    page.fill("#id_password", PASSWORD)
    page.press("#id_password", "Enter")
    expect(page).to_have_url(_at("/cabinet/"))

    page.goto(f"{base_url}/cabinet/school/link/")
    expect(page.locator("[data-testid=contacts-unconfirmed]")).to_have_count(0)
    page.check("input[name=kind][value=guardian]")
    page.select_option("#id_school", str(school.pk))
    page.fill("#id_child_surname", "Смирнов")
    page.fill("#id_child_given_name", "Артём")
    page.fill("#id_child_patronymic", "Андреевич")
    page.fill("#id_child_birth_date", "2012-05-01")
    page.click("[data-testid=send]")

    expect(page).to_have_url(_at("/cabinet/school/"))
    expect(page.locator("[data-testid=link-request][data-state=linked]")).to_have_count(1)
    expect(page.locator("[data-testid=links] [data-testid=student][data-relation=guardian]")).to_contain_text(
        "Смирнов Артём Андреевич")
    assert Guardian.objects.get(pk=row.pk).account_id == olga.pk

    page.goto(f"{base_url}/cabinet/services/diary/")
    student = page.locator(f"[data-testid=student][data-student-id='{child.public_id}']")
    expect(student).to_have_attribute("data-relation", "guardian")
    expect(student).to_contain_text("Смирнов Артём Андреевич")
    expect(student).to_contain_text("7А")
    page.click("a[href='/cabinet/school/']")
    expect(page).to_have_url(_at("/cabinet/school/"))
