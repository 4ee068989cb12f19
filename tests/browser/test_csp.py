"""The Content-Security-Policy holds in a real Chromium: the admin's sign-in, the family's pages, the teacher's
gradebook (its term switch is a static script now) and the API docs (Swagger UI from the site's own static files) run
without one violation."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import at_path, sign_in

# Runs before any script of the page (injected by the browser, so the policy does not apply to it).
COLLECT_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.effectiveDirective} blocked ${event.blockedURI || "inline"}`);
});
"""


class Violations:
    """What the policy blocked on the page: its ``securitypolicyviolation`` events and console reports."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.console: list[str] = []
        page.add_init_script(COLLECT_VIOLATIONS)
        page.on("console", self._on_console)

    def _on_console(self, message: Any) -> None:
        if "Content Security Policy" in message.text:
            self.console.append(message.text)

    def all(self) -> list[str]:
        return [*self.page.evaluate("window.__cspViolations"), *self.console]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_family_teacher_and_api_docs_pages_run_without_csp_violations(page: Page, live_server: Any) -> None:
    from diary.lessons import generate_lessons
    from diary.marks import MarkInput, set_lesson_marks
    from diary.models import Lesson
    from portal.models import User
    from registry.models import Term
    from tests.diary.conftest import TERM_START, build_diary_school

    school = build_diary_school()
    generate_lessons(term=school.term)
    anna = school.pupils[0]
    lesson = Lesson.objects.filter(school_class=school.class_7a, subject=school.algebra, date=TERM_START).get()
    set_lesson_marks(
        teacher=school.math_teacher, lesson_id=lesson.pk, marks=[MarkInput(pupil_id=anna.pk, value="5", weight=2)]
    )
    next_term = Term.objects.create(
        year=school.term.year, number=3, name="3 четверть", starts_on=date(2027, 1, 11), ends_on=date(2027, 3, 20)
    )
    violations = Violations(page)

    # The admin's login sends to the portal's sign-in (the second factor), which runs the passkey scripts.
    page.goto(f"{live_server.url}/admin/login/")
    expect(page).to_have_url(at_path("/signin/"))
    expect(page.locator("#passkey-verification-button")).to_be_visible()
    assert violations.all() == []
    sign_in(page, live_server.url, school.parent.email)
    for path in (f"/diary/{anna.public_id}/?week={TERM_START.isoformat()}", f"/diary/{anna.public_id}/marks/"):
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("main")).to_be_visible()
        assert violations.all() == [], path
    expect(page.locator("[data-testid=chart]").first).to_be_visible()

    page.goto(f"{live_server.url}/api/v1/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Dnevnik API")
    expect(page.locator(".opblock").first).to_be_visible()
    assert violations.all() == []
    # Every asset of the docs page came from the site itself, none from a CDN.
    assets = page.evaluate("performance.getEntriesByType('resource').map((entry) => entry.name)")
    assert assets
    assert all(url.startswith(live_server.url) for url in assets), assets

    page.context.clear_cookies()
    sign_in(page, live_server.url, school.math_teacher.email)
    gradebook = f"{live_server.url}/teacher/gradebook/{school.class_7a.pk}/{school.algebra.pk}/"
    page.goto(gradebook)
    page.select_option("#term", str(next_term.pk))
    expect(page).to_have_url(f"{gradebook}?term={next_term.pk}")
    assert violations.all() == []
    User.objects.filter(pk=school.math_teacher.pk).update(is_staff=True, is_superuser=True)
    page.goto(f"{live_server.url}/admin/")  # the admin's own templates
    expect(page.locator("#content")).to_be_visible()
    assert violations.all() == []

    # The collector does see a violation: an inline script is refused and reported.
    page.evaluate("document.body.append(Object.assign(document.createElement('script'), {textContent: '1'}))")
    page.wait_for_function("window.__cspViolations.length > 0")
    assert any("script-src" in violation for violation in violations.all())
