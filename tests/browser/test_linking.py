"""A parent hands her data to the school in a real Chromium: names her child, is linked, sees the child.

Texts are not asserted (the Russian catalogue may lag): the checks are on URLs, ``data-*`` hooks and
the child's name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ask_to_link, at_path, sign_in


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

    sign_in(page, base_url, olga.email)
    page.goto(f"{base_url}/cabinet/school/link/")
    expect(page.locator("[data-testid=contacts-unconfirmed]")).to_have_count(0)
    ask_to_link(page, base_url, school_id=school.pk, child=("Смирнов", "Артём", "Андреевич", "2012-05-01"))

    expect(page.locator("[data-testid=link-request][data-state=linked]")).to_have_count(1)
    expect(page.locator("[data-testid=links] [data-testid=student][data-relation=guardian]")).to_contain_text(
        "Смирнов Артём Андреевич"
    )
    assert Guardian.objects.get(pk=row.pk).account_id == olga.pk

    page.goto(f"{base_url}/cabinet/services/diary/")
    student = page.locator(f"[data-testid=student][data-student-id='{child.public_id}']")
    expect(student).to_have_attribute("data-relation", "guardian")
    expect(student).to_contain_text("Смирнов Артём Андреевич")
    expect(student).to_contain_text("7А")
    page.click("a[href='/cabinet/school/']")
    expect(page).to_have_url(at_path("/cabinet/school/"))
