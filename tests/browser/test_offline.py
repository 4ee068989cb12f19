"""The last opened week stays readable offline (the service worker, static/js/sw.js), and sign-out
empties its cache so the next person on the device reads nothing of the family's."""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in, sign_out


def eventually(page: Page, expression: str, *, seconds: float = 5.0) -> Any:
    """The value of ``expression`` (it may return a promise) once it is falsy, or its last value after
    ``seconds``: ``wait_for_function`` does not await a promise, so the test polls by hand."""
    deadline = time.monotonic() + seconds
    value = page.evaluate(expression)
    while value and time.monotonic() < deadline:
        page.wait_for_timeout(100)
        value = page.evaluate(expression)
    return value


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_opened_week_reads_offline_and_sign_out_empties_the_cache(page: Page, live_server: Any) -> None:
    from diary.lessons import generate_lessons
    from diary.marks import MarkInput, set_lesson_marks
    from diary.models import Lesson
    from tests.diary.conftest import TERM_START, build_diary_school

    school = build_diary_school()
    generate_lessons(term=school.term)
    anna = school.pupils[0]
    lesson = Lesson.objects.filter(school_class=school.class_7a, subject=school.algebra, date=TERM_START).get()
    set_lesson_marks(
        teacher=school.math_teacher, lesson_id=lesson.pk, marks=[MarkInput(pupil_id=anna.pk, value="5", weight=2)]
    )
    # A service worker needs a secure context; plain http is one only on localhost / 127.0.0.1.
    assert live_server.url.startswith(("http://localhost:", "http://127.0.0.1:"))
    week_url = f"{live_server.url}/diary/{anna.public_id}/?week={TERM_START.isoformat()}"
    day = page.locator(f"[data-testid=day][data-date='{TERM_START.isoformat()}']")

    sign_in(page, live_server.url, school.parent.email)
    page.goto(week_url)
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # the first load was not yet under the worker; this one is, and is stored
    assert page.evaluate("() => navigator.serviceWorker.controller !== null")
    expect(day.locator("[data-testid=mark]")).to_contain_text("5")
    expect(page.locator("[data-testid=offline-notice]")).to_be_hidden()

    page.context.set_offline(True)
    page.reload()
    expect(day.locator("[data-testid=mark]")).to_contain_text("5")
    expect(page.locator("[data-testid=offline-notice]")).to_have_text(
        "Нет соединения: показана последняя открытая страница."
    )
    # A page never opened gets the offline page, not the browser's error.
    page.goto(f"{live_server.url}/diary/{anna.public_id}/homework/")
    expect(page.locator("[data-testid=offline-page]")).to_contain_text("раньше не открывалась")

    page.context.set_offline(False)
    page.goto(week_url)
    week_is_cached = f"() => caches.match({week_url!r}, {{ ignoreVary: true }}).then((hit) => hit !== undefined)"
    assert "dnevnik-pages-v1" in page.evaluate("() => caches.keys()")
    assert page.evaluate(week_is_cached)
    sign_out(page)
    # The signed-out page empties the cache as it loads; give its promise a moment.
    assert not eventually(page, "() => caches.has('dnevnik-pages-v1')")
    # Nothing of the family's is left to read.
    assert not page.evaluate(week_is_cached)
