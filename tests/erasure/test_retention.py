"""The retention job with a moved clock: each category goes when its school's period ends, a second run
deletes nothing and writes no record, and the act shows the numbers."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

from django.core.management import call_command
from django.utils import timezone

from audit.models import AuditEvent
from diary.models import Mark
from erasure.models import DestructionRecord, RetentionPolicy
from notify.models import Notification
from registry.models import Pupil
from tests.diary.conftest import TERM_START, DiarySchool, client_for, make_account
from tests.diary.test_family_api import lesson, mark
from tests.grants import make_grant
from trust.models import View
from visits.models import MealEvent, Pass

Category = DestructionRecord.Category


def _sweep() -> str:
    out = StringIO()
    call_command("run_sweeps", stdout=out)
    return out.getvalue()


def _seed(school: DiarySchool) -> None:
    """Two of each: one two months old, one of today."""
    anna = school.pupils[0]
    now = timezone.now()
    for n, at in enumerate([now - timedelta(days=61), now]):
        Pass.objects.create(school=school.school, event_id=f"p{n}", pupil=anna, occurred_at=at, direction="in")
        MealEvent.objects.create(
            school=school.school, event_id=f"m{n}", pupil=anna, kind="purchase", occurred_at=at, amount=10000
        )
        Notification.objects.create(user=school.parent, kind="mark", subject="Оценка", created_at=at)
    trusted = make_account("granny@example.ru", "+79000000301", "Бабушкина", "Галина")
    grant = make_grant(anna, trusted, "diary")
    View.objects.create(grant=grant, section="diary", viewed_at=now - timedelta(days=61))
    View.objects.create(grant=grant, section="diary", viewed_at=now)


def test_each_category_goes_when_its_period_ends_and_a_second_run_writes_nothing(
    diary_school: DiarySchool, time_machine: Any
) -> None:
    _seed(diary_school)
    # 11 months on: only the notifications and the view log (12 months) of two months before are due.
    time_machine.move_to(timezone.now() + timedelta(days=335))
    _sweep()
    records = {record.category: record for record in DestructionRecord.objects.all()}
    assert set(records) == {Category.NOTIFICATIONS, Category.VIEWS}
    assert records[Category.NOTIFICATIONS].count == 1
    assert records[Category.VIEWS].count == 1
    assert records[Category.VIEWS].school == diary_school.school
    assert records[Category.VIEWS].rule == DestructionRecord.Rule.RETENTION
    assert Notification.objects.count() == 1
    assert View.objects.count() == 1
    assert Pass.objects.count() == 2
    assert MealEvent.objects.count() == 2

    # 14 months on: the passes and meals of two months before (15 months) go too, today's stay; today's
    # notifications and views are now 14 months old and go in a second record each.
    time_machine.move_to(timezone.now() + timedelta(days=100))
    _sweep()
    passes = DestructionRecord.objects.get(category=Category.PASSES)
    meals = DestructionRecord.objects.get(category=Category.MEALS)
    assert passes.count == 1
    assert meals.count == 1
    assert passes.period_from is not None
    assert passes.period_from < passes.period_to
    assert Pass.objects.count() == 1
    assert MealEvent.objects.count() == 1
    assert not Notification.objects.exists()
    assert not View.objects.exists()

    # Again: nothing to delete, no empty record.
    before = DestructionRecord.objects.count()
    _sweep()
    assert DestructionRecord.objects.count() == before == 6
    assert AuditEvent.objects.filter(action="erasure.destroyed").count() == 6


def test_a_school_sets_its_own_period(diary_school: DiarySchool, time_machine: Any) -> None:
    _seed(diary_school)
    RetentionPolicy.objects.create(school=diary_school.school, passes_months=1)
    _sweep()
    assert DestructionRecord.objects.get().category == Category.PASSES
    assert Pass.objects.count() == 1


def test_a_pupil_who_left_goes_with_the_marks_after_the_period(diary_school: DiarySchool, time_machine: Any) -> None:
    boris = diary_school.pupils[1]
    on = lesson(diary_school, TERM_START)
    mark(diary_school, boris, on, "5")
    mark(diary_school, diary_school.pupils[0], on, "4")
    boris.status = Pupil.Status.LEFT
    boris.updated_at = timezone.now()
    boris.save()
    time_machine.move_to(timezone.now() + timedelta(days=4 * 365))
    _sweep()
    assert Pupil.objects.filter(pk=boris.pk).exists()
    time_machine.move_to(timezone.now() + timedelta(days=366 + 2))
    _sweep()
    assert not Pupil.objects.filter(pk=boris.pk).exists()
    assert not Mark.objects.filter(pupil_id=boris.pk).exists()
    record = DestructionRecord.objects.get(category=Category.PUPIL)
    assert (record.count, record.school) == (1, diary_school.school)
    # The others study: they stay, with their marks.
    assert Mark.objects.filter(pupil=diary_school.pupils[0]).count() == 1


def test_the_act_lists_the_records_for_the_schools_registrar_and_operators(
    diary_school: DiarySchool, time_machine: Any
) -> None:
    from registry.models import StaffMember

    _seed(diary_school)
    time_machine.move_to(timezone.now() + timedelta(days=500))
    _sweep()
    registrar = make_account("registrar@example.ru", "+79000000302", "Петров", "Сергей")
    StaffMember.objects.create(school=diary_school.school, account=registrar, role=StaffMember.Role.REGISTRAR)
    page = client_for(registrar).get("/backoffice/erasure/act/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Акт об уничтожении персональных данных" in html
    # The notifications are no school's: the school's act has the other three categories.
    assert html.count('data-testid="act-row"') == 3
    csv = client_for(registrar).get("/backoffice/erasure/act/?format=csv")
    assert csv["Content-Type"].startswith("text/csv")
    assert len(csv.content.decode().strip().splitlines()) == 4
    operator = make_account("admin@example.ru", "+79000000303", is_staff=True, is_superuser=True)
    act = client_for(operator).get("/admin/erasure/destructionrecord/act/")
    assert act.status_code == 200
    assert act.content.decode().count('data-testid="act-row"') == 4
    # A parent is no registrar: 404.
    assert client_for(diary_school.parent).get("/backoffice/erasure/act/").status_code == 404
