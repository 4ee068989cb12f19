"""«Мои данные» asks a guardian linked without a consent record (a registry import links guardians by their
contacts, with no form) to give the consent for the child; the form records it, «how: web»."""

from __future__ import annotations

from collections.abc import Callable

from portal.models import TermsAcceptance
from tests.conftest import CommittingClient
from tests.diary.conftest import DiarySchool, diary_school, make_account  # noqa: F401
from tests.grants import make_grant


def test_a_guardian_without_a_consent_record_is_asked_and_gives_it(
    diary_school: DiarySchool,  # noqa: F811
    make_client: Callable[[], CommittingClient],
) -> None:
    ds = diary_school
    anna, gleb = ds.pupils[0], ds.stranger_pupil
    client = make_client()
    client.force_login(ds.parent)
    page = client.get("/cabinet/data/").content.decode()
    assert page.count('data-testid="child-consent"') == 2  # Анна and Глеб, linked by the registry
    assert "вашего согласия на обработку данных об Андреевой Анне нет" in page

    # Without the box: nothing recorded, the page says why.
    refused = client.post(f"/cabinet/data/children/{anna.public_id}/consent/", follow=True)
    assert "Отметьте флажок, чтобы дать согласие." in refused.content.decode()
    assert not TermsAcceptance.objects.filter(account=ds.parent).exists()

    given = client.post(f"/cabinet/data/children/{anna.public_id}/consent/", {"consent": "on"}, follow=True)
    assert "ваше согласие на обработку данных ребёнка записано" in given.content.decode()
    consent = TermsAcceptance.objects.get(account=ds.parent)
    assert (consent.pupil, consent.for_child, consent.via, consent.version.version) == (anna, True, "web", "1")
    page = client.get("/cabinet/data/").content.decode()
    assert page.count('data-testid="child-consent"') == 1  # only Глеб's is still asked
    assert f"/cabinet/data/children/{gleb.public_id}/consent/" in page
    # Twice: still one record.
    client.post(f"/cabinet/data/children/{anna.public_id}/consent/", {"consent": "on"})
    assert TermsAcceptance.objects.filter(account=ds.parent).count() == 1


def test_nobody_else_gives_it(
    diary_school: DiarySchool,  # noqa: F811
    make_client: Callable[[], CommittingClient],
) -> None:
    ds = diary_school
    anna = ds.pupils[0]
    grandmother = make_account("granny@example.ru", "+79000000201", "Кузнецова", "Галина")
    make_grant(anna, grandmother, "diary")
    for viewer in (grandmother, ds.math_teacher, ds.form_tutor, ds.other_parent, ds.pupil_account):
        client = make_client()
        client.force_login(viewer)
        for data in ({"consent": "on"}, {}):
            assert client.post(f"/cabinet/data/children/{anna.public_id}/consent/", data).status_code == 404
    assert not TermsAcceptance.objects.filter(for_child=True).exists()
