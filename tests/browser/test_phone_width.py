"""Every page of the family and the cabinet fits a phone's width: no sideways scrolling (the demo data
gives the pages realistic content: a week of lessons, passes, meals, a trusted person, notifications)."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import Page

from tests.browser.conftest import PHONE_VIEWPORT, sign_in

DEMO_PASSWORD = "Dnevnik-demo-2026"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_family_pages_fit_a_phone(page: Page, live_server: Any) -> None:
    from registry.models import Pupil

    call_command("load_demo", stdout=StringIO())
    artyom = Pupil.objects.get(given_name="Артём", guardians__account__email="olga.smirnova@dnevnik.test")
    sign_in(page, live_server.url, "olga.smirnova@dnevnik.test", DEMO_PASSWORD)

    paths = [
        f"/diary/{artyom.public_id}/{section}"
        for section in ("", "marks/", "homework/", "attendance/", "visits/", "meals/", "trusted/")
    ]
    paths += [
        "/cabinet/",
        "/cabinet/services/",
        "/cabinet/services/trusted/",
        "/cabinet/subscriptions/",
        "/cabinet/notifications/",
        "/cabinet/notifications/settings/",
    ]
    too_wide = {}
    for path in paths:
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None
        assert response.status == 200, path
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE_VIEWPORT["width"]:
            too_wide[path] = width
    assert not too_wide
