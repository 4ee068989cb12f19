"""The Russian of every kind of notification the project sends, for a boy and a girl, a man and a woman, and for
counts of 1, 2, 5 and 21: each text is produced the way production produces it (the services and tasks that
notify), then read back from the inbox and compared word for word.

Where a sentence names a person in a case other than the nominative the name is declined (``portal.names``);
a past tense agrees with the person; a count takes its plural form (and its case: «на 21 минуту»).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone, translation
from django.utils.translation import ngettext

from diary.attendance import AttendanceInput, set_lesson_attendance
from diary.homework import set_homework
from diary.lessons import generate_lessons
from diary.marks import MarkInput, set_lesson_marks
from diary.models import Lesson
from diary.notifications import notify_diary_event
from notify.models import Kind, Notification
from portal.models import User
from registry.models import Pupil
from tests.diary.conftest import DiarySchool, make_account
from tests.snils import verify_through_pension_fund
from tests.trust.conftest import valid_snils
from tests.visits.family_fixtures import add_lesson, add_pass, give_turnstiles, msk, set_balance
from trust import services as trust
from trust.models import Grant
from visits.alerts import check_low_balances, sweep_late_arrivals
from visits.models import LowBalanceThreshold

MONDAY = date(2026, 11, 9)
BOY, GIRL = "boy", "girl"


@pytest.fixture
def run(django_capture_on_commit_callbacks: Callable[..., Any]) -> Callable[..., Any]:
    """Run ``action`` and what it left for after the commit (the notification tasks)."""

    def _run(action: Callable[[], Any]) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return action()

    return _run


def told(kind: str, user: User) -> Notification:
    return Notification.objects.filter(kind=kind, user=user).latest("pk")


def pupil_and_guardian(school: DiarySchool, who: str) -> tuple[Pupil, User]:
    """Анна Андреева (a girl, Ольга's daughter) or Борис Борисов (a boy, Ирина's son)."""
    anna, boris, _vera = school.pupils
    return (boris, school.other_parent) if who == BOY else (anna, school.parent)


@pytest.fixture
def algebra_lesson(diary_school: DiarySchool) -> Lesson:
    generate_lessons(term=diary_school.term)
    return Lesson.objects.get(school_class=diary_school.class_7a, subject=diary_school.algebra, date=MONDAY)


# --- Diary events: a mark, an absence or a late arrival, homework ------------------------------------------


@pytest.mark.parametrize(("who", "name"), [(BOY, "Борисов Борис"), (GIRL, "Андреева Анна")])
def test_a_mark_an_absence_and_homework(
    diary_school: DiarySchool, algebra_lesson: Lesson, run: Callable[..., Any], who: str, name: str
) -> None:
    pupil, guardian = pupil_and_guardian(diary_school, who)
    teacher = diary_school.math_teacher
    run(lambda: set_lesson_marks(teacher=teacher, lesson_id=algebra_lesson.pk, marks=[MarkInput(pupil.pk, "5")]))
    mark = told(Kind.MARK, guardian)
    assert (mark.subject, mark.body) == (f"Новые оценки: {name}", "Алгебра, 09.11.2026: 5")

    entries = [AttendanceInput(pupil_id=pupil.pk, status="ill")]
    run(lambda: set_lesson_attendance(teacher=teacher, lesson_id=algebra_lesson.pk, entries=entries))
    absence = told(Kind.ABSENCE, guardian)
    assert (absence.subject, absence.body) == (f"Посещаемость: {name}", "Алгебра, 09.11.2026: пропуск по болезни")

    run(lambda: set_homework(teacher=teacher, lesson_id=algebra_lesson.pk, text="№ 12"))
    homework = told(Kind.HOMEWORK, guardian)
    assert (homework.subject, homework.body) == (f"Домашнее задание: {name}", "Алгебра, 09.11.2026: № 12")


@pytest.mark.parametrize(("minutes", "words"), [(1, "1 минуту"), (2, "2 минуты"), (5, "5 минут"), (21, "21 минуту")])
def test_a_late_arrival_counts_its_minutes(
    diary_school: DiarySchool, algebra_lesson: Lesson, run: Callable[..., Any], minutes: int, words: str
) -> None:
    pupil, guardian = pupil_and_guardian(diary_school, GIRL)
    entries = [AttendanceInput(pupil_id=pupil.pk, status="late", late_minutes=minutes)]
    teacher = diary_school.math_teacher
    run(lambda: set_lesson_attendance(teacher=teacher, lesson_id=algebra_lesson.pk, entries=entries))
    assert told(Kind.ABSENCE, guardian).body == f"Алгебра, 09.11.2026: опоздание на {words}"


@pytest.mark.parametrize(("who", "verb"), [(BOY, "присутствовал"), (GIRL, "присутствовала")])
def test_present_agrees_with_the_pupil(
    diary_school: DiarySchool, algebra_lesson: Lesson, run: Callable[..., Any], who: str, verb: str
) -> None:
    """The task names a pupil whose absence was struck out meanwhile: the pupil was there after all."""
    pupil, guardian = pupil_and_guardian(diary_school, who)
    run(lambda: notify_diary_event.enqueue(event=Kind.ABSENCE.value, lesson_id=algebra_lesson.pk, pupil_ids=[pupil.pk]))
    assert told(Kind.ABSENCE, guardian).body == f"Алгебра, 09.11.2026: {verb}"


# --- Visits and meals: a low balance, not at school by the first lesson --------------------------------------


@pytest.mark.parametrize(("who", "given", "full"), [(BOY, "Борис", "Борисов Борис"), (GIRL, "Анна", "Андреева Анна")])
def test_a_low_balance(diary_school: DiarySchool, run: Callable[..., Any], who: str, given: str, full: str) -> None:
    pupil, guardian = pupil_and_guardian(diary_school, who)
    set_balance(pupil, 25050)
    LowBalanceThreshold.objects.create(account=guardian, pupil=pupil, amount=30000)
    run(lambda: check_low_balances.enqueue(pupil_ids=[pupil.pk]))
    notice = told(Kind.LOW_BALANCE, guardian)
    assert notice.subject == f"Мало денег на питание: {given}, 250,50 ₽"
    assert notice.body == (
        f"Баланс питания ({full}): 250,50 ₽ — меньше заданного вами порога 300,00 ₽. Пополните счёт питания."
    )


@pytest.mark.parametrize(("who", "given"), [(BOY, "Борис"), (GIRL, "Анна")])
def test_not_at_school_by_the_first_lesson(
    diary_school: DiarySchool, run: Callable[..., Any], who: str, given: str
) -> None:
    pupil, guardian = pupil_and_guardian(diary_school, who)
    give_turnstiles(diary_school.school)
    add_lesson(diary_school, MONDAY, 0)
    add_pass(diary_school.pupils[2], msk(MONDAY, 8, 50))  # the turnstiles work today
    add_pass(pupil, msk(MONDAY, 9, 12))
    run(lambda: sweep_late_arrivals(msk(MONDAY, 9, 15)))
    notice = told(Kind.LATE_ARRIVAL, guardian)
    assert notice.subject == f"{given}: нет входа в школу к первому уроку"
    assert notice.body == (
        "Первый урок начался в 09:00, а вход через турникет до него не зафиксирован. Вход зафиксирован в 09:12."
    )


# --- Trusted persons: invited, accepted, open, ended, given up ------------------------------------------------

INVITEES = {
    "man": ("Кузнецов", "Геннадий", "Петрович", "принял"),
    "woman": ("Кузнецова", "Галина", "Петровна", "приняла"),
}


@pytest.mark.parametrize("who", sorted(INVITEES))
def test_the_trusted_person_story(diary_school: DiarySchool, run: Callable[..., Any], settings: Any, who: str) -> None:
    settings.TRUST_ACTIVATION_DELAY = timedelta(hours=1)  # opened below by the activation itself
    surname, given_name, patronymic, accepted = INVITEES[who]
    invitee = make_account("kin@example.ru", "+79000000777", surname, given_name, patronymic=patronymic)
    invitee_name = f"{surname} {given_name} {patronymic}"
    guardian, child = diary_school.parent, diary_school.pupils[0]
    service = "«Электронный дневник»"

    invite = lambda: trust.invite_trusted_person(  # noqa: E731
        inviter=guardian, student_id=child.public_id, services=["diary"], surname=surname, phone=invitee.phone
    )
    [grant] = run(invite)
    invited = told(Kind.INVITATION_RECEIVED, invitee)
    assert invited.subject == "Андреева Ольга приглашает вас стать доверенным лицом"
    assert invited.body == "Андреева Анна, 7А: Электронный дневник. Ответьте на приглашение в разделе «Подписки»."

    run(lambda: trust.accept_invitation(user=invitee, grant_id=grant.pk))
    notice = told(Kind.INVITATION_ACCEPTED, guardian)
    assert notice.subject == "Андреева Анна: приглашение принято"
    assert notice.body.startswith(f"{invitee_name} {accepted} приглашение к услуге {service}; доступ откроется")

    run(lambda: trust.activate_grant(grant_id=grant.pk))
    for_guardian, for_invitee = told(Kind.ACCESS_OPENED, guardian), told(Kind.ACCESS_OPENED, invitee)
    assert (for_guardian.subject, for_guardian.body) == (
        "Андреева Анна: доступ доверенного лица открыт",
        f"{invitee_name} теперь видит {service}: Андреева Анна, 7А.",
    )
    assert (for_invitee.subject, for_invitee.body) == (
        "Андреева Анна: ваш доступ открыт",
        f"Вам открыт доступ к услуге {service}: Андреева Анна, 7А.",
    )

    run(lambda: trust.leave_grant(user=invitee, grant_id=grant.pk))
    left = told(Kind.ACCESS_REVOKED, guardian)
    assert (left.subject, left.body) == (
        "Андреева Анна: доверенное лицо отказалось от доступа",
        f"Доверенное лицо больше не пользуется услугой {service} (Андреева Анна).",
    )

    [again] = run(invite)
    run(lambda: trust.accept_invitation(user=invitee, grant_id=again.pk))
    run(lambda: trust.revoke_grant(user=guardian, grant_id=again.pk))
    revoked = told(Kind.ACCESS_REVOKED, invitee)
    assert (revoked.subject, revoked.body) == (
        "Андреева Анна: доступ доверенного лица закрыт",
        f"Законный представитель закрыл вам доступ к услуге {service}: Андреева Анна, 7А.",
    )

    [third] = run(invite)
    run(lambda: trust.accept_invitation(user=invitee, grant_id=third.pk))
    Grant.objects.filter(pk=third.pk).update(ends_at=timezone.now() - timedelta(minutes=1))
    run(lambda: trust.sweep_grants())
    ended = told(Kind.ACCESS_REVOKED, invitee)
    assert ended.body == f"Срок вашего доступа к услуге {service} (Андреева Анна, 7А) истёк."


# --- SNILS ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("surname", "given_name"), [("Кузнецов", "Геннадий"), ("Кузнецова", "Галина")])
def test_the_snils_is_verified(diary_school: DiarySchool, surname: str, given_name: str) -> None:
    person = make_account("kin@example.ru", "+79000000777", surname, given_name, snils=valid_snils("323456789"))
    verify_through_pension_fund(person)
    notice = told(Kind.SNILS, person)
    assert (notice.subject, notice.body) == (
        "Ваш СНИЛС подтверждён",
        "Теперь можно входить по СНИЛС, и приглашения по СНИЛС будут до вас доходить.",
    )


# --- Every other count the pages and messages show -------------------------------------------------------------

COUNTED = [
    (
        ("You can try again in %(minutes)d minute.", "You can try again in %(minutes)d minutes.", "minutes"),
        ["Попробуйте снова через 1 минуту.", "Попробуйте снова через 2 минуты.", "Попробуйте снова через 5 минут.",
         "Попробуйте снова через 21 минуту."],
    ),
    (
        ("The file was not imported: %(counter)s problem.", "The file was not imported: %(counter)s problems.",
         "counter"),
        ["Файл не загружен: 1 ошибка.", "Файл не загружен: 2 ошибки.", "Файл не загружен: 5 ошибок.",
         "Файл не загружен: 21 ошибка."],
    ),
    (
        ("To reach it you need %(n)s more five of weight 1", "To reach it you need %(n)s more fives of weight 1", "n"),
        ["Для этого нужно получить ещё 1 пятёрку с весом 1", "Для этого нужно получить ещё 2 пятёрки с весом 1",
         "Для этого нужно получить ещё 5 пятёрок с весом 1", "Для этого нужно получить ещё 21 пятёрку с весом 1"],
    ),
    (
        ("or %(n)s four", "or %(n)s fours", "n"),
        ["или 1 четвёрку", "или 2 четвёрки", "или 5 четвёрок", "или 21 четвёрку"],
    ),
    (
        ("late by %(minutes)s minute", "late by %(minutes)s minutes", "minutes"),
        ["опоздание на 1 минуту", "опоздание на 2 минуты", "опоздание на 5 минут", "опоздание на 21 минуту"],
    ),
]  # fmt: skip


@pytest.mark.parametrize(("message", "expected"), COUNTED, ids=[message[0][0][:24] for message in COUNTED])
def test_counts_take_the_russian_plural(message: tuple[str, str, str], expected: list[str]) -> None:
    singular, plural, name = message
    with translation.override("ru"):
        assert [ngettext(singular, plural, n) % {name: n} for n in (1, 2, 5, 21)] == expected
