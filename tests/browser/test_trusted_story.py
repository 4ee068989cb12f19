"""The whole trusted-person story of issue 7 in a real Chromium, one screenshot per step.

A parent and her child register and confirm their contacts through the browser, link to the school
through the cabinet; the parent signs in by SNILS, reads the child's week, invites the grandmother by
surname and phone for the diary; the grandmother accepts in «Подписки»; the worker opens the access;
she reads the diary and not the meals; the parent revokes and the grandmother sees nothing.

How "the worker opens the access" is made honest: ``TRUST_ACTIVATION_DELAY`` is one hour, so acceptance
does not open anything at once (the test's ImmediateBackend cannot defer a task, and the service then
leaves the activation to the sweep, exactly as production does when the deferred task is lost). The
test checks the "opens by" time and the 404, then moves the grant's ``opens_by`` into the past in the
database (the clock moving on) and runs the periodic sweep the way production does:
``manage.py run_sweeps`` (``call_command("run_sweeps")``).

Texts are not asserted (the Russian catalogue may lag): checks are on URLs, statuses, ``data-*`` hooks
and names. Screenshots go to ``test-results/story/`` (git-ignored).
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import ask_to_link, at_path, phone_page, sign_in, sign_out
from tests.conftest import last_email_code, last_sms_code, registration_data

SHOTS = Path(__file__).resolve().parents[2] / "test-results" / "story"
REGISTRATION_FIELDS = (
    "surname",
    "given_name",
    "patronymic",
    "email",
    "phone",
    "snils",
    "new_password",
    "new_password_again",
)
PARENT_NAME = "Смирнова Ольга Игоревна"
CHILD_NAME = "Смирнов Артём Андреевич"
GRANNY_PHONE = "+79160000777"


def _shot(page: Page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _register(page: Page, base_url: str, data: dict[str, Any]) -> None:
    """Register through the form and confirm both codes from the outboxes; ends in the cabinet."""
    from portal.models import User

    page.goto(f"{base_url}/register/")
    for field in REGISTRATION_FIELDS:
        page.fill(f"#id_{field}", data[field])
    page.fill("#id_birth_date", data["birth_date"])  # type=date takes ISO yyyy-mm-dd
    page.check("#id_consent")
    page.click("form.card button[type=submit]")
    expect(page).to_have_url(at_path("/confirm/"))
    user = User.objects.get(email=data["email"].strip().lower())
    page.fill("#id_email-code", last_email_code(user.email))
    page.click("button[name=action][value=confirm_email]")
    expect(page.locator("#id_email-code")).to_have_count(0)
    page.fill("#id_phone-code", last_sms_code(user.phone))
    page.click("button[name=action][value=confirm_phone]")
    expect(page).to_have_url(at_path("/cabinet/"))
    expect(page.locator("[data-testid=full-name]")).to_have_text(
        f"{data['surname']} {data['given_name']} {data['patronymic']}"
    )


def _expect_not_found(page: Page, url: str) -> None:
    response = page.goto(url)
    assert response is not None, url
    assert response.status == 404, (url, response.status)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_grandmother_is_trusted_with_the_diary_then_revoked(
    page: Page, browser: Browser, live_server: Any, settings: Any
) -> None:
    from django.core.management import call_command
    from django.utils import timezone

    from diary.lessons import generate_lessons
    from diary.marks import MarkInput, set_lesson_marks
    from diary.models import Lesson
    from portal.models import User
    from registry.models import Guardian, Pupil
    from tests.diary.conftest import TERM_START, build_diary_school, make_account
    from tests.registry.test_linking import ARTYOM_SNILS, OLGA_PHONE, OLGA_SNILS, formatted
    from tests.registry.test_linking import make_guardian as make_guardian_row
    from tests.registry.test_linking import make_pupil as make_pupil_record
    from trust.models import Grant

    SHOTS.mkdir(parents=True, exist_ok=True)
    settings.TRUST_ACTIVATION_DELAY = timedelta(hours=1)
    base_url = live_server.url
    week = TERM_START.isoformat()

    # The school's registry: 7А with its timetable, Артём's record with a mark. His mother's row comes later.
    school = build_diary_school()
    record = make_pupil_record(school.school, snils=ARTYOM_SNILS)
    assert record.school_class_id == school.class_7a.pk
    generate_lessons(term=school.term)
    lesson = Lesson.objects.get(school_class=school.class_7a, subject=school.algebra, date=TERM_START)
    set_lesson_marks(
        teacher=school.math_teacher, lesson_id=lesson.pk, marks=[MarkInput(pupil_id=record.pk, value="5", weight=1)]
    )
    granny = make_account(
        "granny@example.ru", GRANNY_PHONE, "Кузнецова", "Галина", patronymic="Петровна", birth_date=date(1958, 7, 9)
    )
    student = f"{base_url}/diary/{record.public_id}"

    # 1. The parent and the child register and confirm their contacts, each on their own phone.
    _register(page, base_url, registration_data())
    _shot(page, "01-parent-registered")
    child_page = phone_page(browser)
    _register(
        child_page,
        base_url,
        registration_data(
            surname="Смирнов",
            given_name="Артём",
            patronymic="Андреевич",
            email="artyom@example.ru",
            phone="+7 916 000-00-03",
            snils=formatted(ARTYOM_SNILS),
            birth_date="2012-05-01",
        ),
    )
    assert User.objects.get(email="artyom@example.ru").is_minor
    _shot(child_page, "02-child-registered")

    # The school enters the mother with her phone and SNILS only now: had the row been there when she confirmed
    # her phone, the reverse auto-link would have linked her at once and the cabinet step would have nothing to do.
    make_guardian_row(record, phone=OLGA_PHONE, snils=OLGA_SNILS)

    # 2. Both hand their data to the school: the child as a pupil, the parent as a guardian naming the child.
    ask_to_link(child_page, base_url, school_id=school.school.pk)
    expect(child_page.locator("[data-testid=link-request][data-state=linked]")).to_have_count(1)
    expect(child_page.locator("[data-testid=links] [data-testid=student][data-relation=self]")).to_contain_text(
        CHILD_NAME
    )
    _shot(child_page, "03-child-linked")
    child_page.context.close()

    ask_to_link(page, base_url, school_id=school.school.pk, child=("Смирнов", "Артём", "Андреевич", "2012-05-01"))
    expect(page.locator("[data-testid=link-request][data-state=linked]")).to_have_count(1)
    expect(page.locator("[data-testid=links] [data-testid=student][data-relation=guardian]")).to_contain_text(
        CHILD_NAME
    )
    _shot(page, "04-parent-linked")
    assert Pupil.objects.get(pk=record.pk).account is not None
    assert Guardian.objects.get(pupil=record).account == User.objects.get(email="olga@example.ru")

    # 3. The parent signs out, signs in by SNILS spelt with dashes, and reads the child's week with the mark.
    sign_out(page)
    sign_in(page, base_url, "112-233-445-95")
    expect(page.locator("[data-testid=full-name]")).to_have_text(PARENT_NAME)
    _shot(page, "05-parent-signed-in-by-snils")
    page.goto(f"{student}/?week={week}")
    expect(page.locator("h1")).to_contain_text(CHILD_NAME)
    day = page.locator(f"[data-testid=day][data-date='{week}']")
    expect(day.locator("[data-testid=mark]")).to_contain_text("5")
    _shot(page, "06-parent-week")

    # 4. From the diary to the child's trusted persons; the grandmother is invited by surname + phone.
    page.locator(f"a[href='/diary/{record.public_id}/trusted/']").first.click()
    expect(page).to_have_url(at_path(f"/diary/{record.public_id}/trusted/"))
    page.check("input[name=service][value=diary]")
    page.fill("#id_surname", "Кузнецова")
    page.fill("#id_phone", "8 916 000-07-77")
    _shot(page, "07-parent-invites")
    page.click("[data-testid=invite]")
    expect(page).to_have_url(at_path(f"/diary/{record.public_id}/trusted/"))
    grant_row = page.locator("[data-testid=grants] [data-testid=grant]")
    expect(grant_row).to_have_count(1)
    expect(grant_row).to_have_attribute("data-state", "pending")
    _shot(page, "08-parent-invited")
    grant = Grant.objects.get()
    assert (grant.service, grant.invitee_phone, grant.pupil_id) == ("diary", GRANNY_PHONE, record.pk)

    # 5. The grandmother signs in on her own phone and accepts in «Подписки».
    granny_page = phone_page(browser)
    sign_in(granny_page, base_url, "+7 916 000-07-77")
    granny_page.goto(f"{base_url}/cabinet/")
    granny_page.click("main a[href='/cabinet/subscriptions/']")  # the cabinet's own link
    expect(granny_page).to_have_url(at_path("/cabinet/subscriptions/"))
    invitation = granny_page.locator(f"[data-testid=invitation][data-grant-id='{grant.pk}']")
    # «…доверенным лицом ребёнка Смирнова Артёма Андреевича»: the genitive the sentence needs.
    expect(invitation.locator("[data-testid=child]")).to_have_text("Смирнова Артёма Андреевича")
    _shot(granny_page, "09-grandmother-invitation")
    invitation.locator("[data-testid=accept]").click()

    # 6. Accepted, not open yet: "opens by" on both sides, the diary still a 404 for her.
    subscription = granny_page.locator(f"[data-testid=subscription][data-grant-id='{grant.pk}']")
    expect(subscription).to_have_attribute("data-state", "accepted")
    grant.refresh_from_db()
    assert grant.state == Grant.State.ACCEPTED
    assert grant.invitee_id == granny.pk
    assert grant.opens_by is not None
    opens_by = timezone.localtime(grant.opens_by).strftime("%d.%m.%Y %H:%M")
    expect(subscription.locator("[data-testid=opens-by]")).to_contain_text(opens_by)
    _shot(granny_page, "10-grandmother-accepted-opens-by")
    _expect_not_found(granny_page, f"{student}/?week={week}")
    _shot(granny_page, "11-grandmother-diary-not-yet")
    page.reload()
    expect(grant_row).to_have_attribute("data-state", "accepted")
    expect(grant_row.locator("[data-testid=opens-by]")).to_contain_text(opens_by)
    _shot(page, "12-parent-sees-opens-by")

    # The clock moves past ``opens_by``; the periodic sweep (what production runs) opens the access.
    Grant.objects.filter(pk=grant.pk).update(opens_by=timezone.now() - timedelta(minutes=1))
    call_command("run_sweeps", stdout=io.StringIO())
    grant.refresh_from_db()
    assert grant.state == Grant.State.ACTIVE

    # 7. She reads the child's week with the mark, and neither the meals tab nor the meals page.
    granny_page.goto(f"{base_url}/cabinet/subscriptions/")
    expect(subscription).to_have_attribute("data-state", "active")
    _shot(granny_page, "13-grandmother-access-open")
    subscription.locator("[data-testid=open]").click()
    expect(granny_page).to_have_url(at_path(f"/diary/{record.public_id}/"))
    granny_page.goto(f"{student}/?week={week}")
    expect(granny_page.locator("h1")).to_contain_text(CHILD_NAME)
    expect(granny_page.locator(f"[data-testid=day][data-date='{week}'] [data-testid=mark]")).to_contain_text("5")
    expect(granny_page.locator("nav.tabs a")).not_to_have_count(0)
    expect(granny_page.locator("nav.tabs a[href*='/meals/']")).to_have_count(0)
    expect(granny_page.locator("nav.tabs a[href*='/trusted/']")).to_have_count(0)
    _shot(granny_page, "14-grandmother-week")
    _expect_not_found(granny_page, f"{student}/meals/")
    _shot(granny_page, "15-grandmother-meals-not-found")

    # 8. The parent sees the view, revokes through the confirm step; the very next request is a 404.
    page.reload()
    expect(grant_row).to_have_attribute("data-state", "active")
    expect(page.locator("[data-testid=view-log] [data-testid=view]")).not_to_have_count(0)
    grant_row.locator("[data-testid=revoke-open]").click()
    expect(grant_row.locator("[data-testid=revoke]")).to_be_visible()
    _shot(page, "16-parent-confirms-revoke")
    grant_row.locator("[data-testid=revoke]").click()
    expect(page).to_have_url(at_path(f"/diary/{record.public_id}/trusted/"))
    expect(grant_row).to_have_attribute("data-state", "revoked")
    expect(grant_row.locator("[data-testid=revoke-open]")).to_have_count(0)
    _shot(page, "17-parent-revoked")

    _expect_not_found(granny_page, f"{student}/?week={week}")
    _shot(granny_page, "18-grandmother-diary-gone")
    granny_page.goto(f"{base_url}/cabinet/subscriptions/")
    expect(granny_page.locator("[data-testid=subscription]")).to_have_count(0)
    expect(granny_page.locator(f"[data-testid=ended][data-grant-id='{grant.pk}']")).to_have_attribute(
        "data-state", "revoked"
    )
    _shot(granny_page, "19-grandmother-subscription-ended")
    granny_page.context.close()
