"""The family pages of the diary: the week, marks with the chart and the calculator, homework,
attendance; the child switcher; 404 for strangers, the sign-in page for the anonymous."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse

from diary.models import Attendance, Homework, Lesson, Mark
from tests.diary.conftest import TERM_START, client_for, make_account

PAGES = ("diary:week", "diary:marks", "diary:homework", "diary:attendance")


@pytest.fixture
def filled(diary_school: Any) -> Any:
    ds = diary_school
    anna = ds.pupils[0]
    for offset, value in ((0, "5"), (2, "4"), (4, "3")):
        lesson = Lesson.objects.create(
            school_class=ds.class_7a,
            term=ds.term,
            date=TERM_START + timedelta(days=offset),
            slot=ds.slots[0],
            subject=ds.algebra,
            teacher=ds.math_teacher,
            topic=f"Тема {offset}",
        )
        Mark.objects.create(pupil=anna, lesson=lesson, value=value, created_by=ds.math_teacher)
    Homework.objects.create(lesson=lesson, text="Параграф 7", created_by=ds.math_teacher)
    Attendance.objects.create(
        pupil=anna, lesson=lesson, status=Attendance.Status.ABSENT_ILL, recorded_by=ds.math_teacher
    )
    Lesson.objects.create(
        school_class=ds.class_7a,
        term=ds.term,
        date=TERM_START + timedelta(days=1),
        slot=ds.slots[1],
        subject=ds.russian,
        teacher=ds.russian_teacher,
        status=Lesson.Status.CANCELLED,
    )
    return ds


def page(name: str, pupil: Any) -> str:
    return reverse(name, kwargs={"student_id": pupil.public_id})


def test_the_week_page(filled: Any) -> None:
    anna = filled.pupils[0]
    response = client_for(filled.parent).get(page("diary:week", anna) + f"?week={TERM_START + timedelta(days=3)}")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Тема 0" in html
    assert "Параграф 7" in html
    assert 'data-status="cancelled"' in html
    assert html.count('data-testid="mark"') == 3
    assert f"?week={TERM_START - timedelta(days=7)}" in html
    assert f"?week={TERM_START + timedelta(days=7)}" in html
    # The guardian of two children switches in one click.
    assert 'data-testid="child-switcher"' in html
    assert page("diary:week", filled.stranger_pupil) in html


def test_the_marks_page_has_a_chart_and_the_calculator(filled: Any) -> None:
    anna = filled.pupils[0]
    # 5, 4, 3 → 4.00; to 4.5 with 5s: 12 + 5n ≥ 13.5 + 4.5n → n = 3
    query = f"?term={filled.term.pk}&subject={filled.algebra.pk}&target=4.5"
    response = client_for(filled.parent).get(page("diary:marks", anna) + query)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html
    assert 'data-testid="chart"' in html
    assert html.count("<circle") == 3
    assert "<polyline" in html
    assert "4,00" in html or "4.00" in html
    result = html.split('data-testid="calculator-result"')[1].split("</p>")[0]
    assert "3" in result


SVG_NUMBER_ATTRS = re.compile(r'\b(cx|cy|x|y|x1|x2|y1|y2|r|dy|viewBox|points)="([^"]*)"')


@pytest.mark.parametrize("language", ["ru", "en"])
def test_every_chart_coordinate_is_a_number_in_any_language(filled: Any, language: str) -> None:
    anna = filled.pupils[0]
    client = client_for(filled.parent)
    response = client.get(page("diary:marks", anna), HTTP_ACCEPT_LANGUAGE=language)
    assert response["Content-Language"] == language
    svg = response.content.decode().split("<svg", 1)[1].split("</svg>", 1)[0]
    values = [value for _, value in SVG_NUMBER_ATTRS.findall(svg)]
    assert len(values) > 10
    for name, value in SVG_NUMBER_ATTRS.findall(svg):
        if name == "points":  # "x,y x,y …": a decimal comma would make a pair of three or four parts
            for pair in value.split():
                x, y = pair.split(",")
                float(x), float(y)
        else:
            for number in value.split():
                float(number)  # "24,0" fails here


def test_the_marks_line_in_russian(filled: Any) -> None:
    """The marks line (``diary.marks_render``): a title per mark in Russian, the weight, the comment escaped."""
    anna = filled.pupils[0]
    lesson = Lesson.objects.create(
        school_class=filled.class_7a,
        term=filled.term,
        date=TERM_START + timedelta(days=7),
        slot=filled.slots[0],
        subject=filled.algebra,
        teacher=filled.math_teacher,
    )
    Mark.objects.create(
        pupil=anna,
        lesson=lesson,
        value="5",
        weight=2,
        kind=Mark.Kind.CONTROL,
        comment="<b>у доски</b>",
        created_by=filled.math_teacher,
    )
    response = client_for(filled.parent).get(page("diary:marks", anna), HTTP_ACCEPT_LANGUAGE="ru")
    line = response.content.decode().split('<p class="marks-line">', 1)[1].split("</p>", 1)[0]
    assert line == (
        '<span class="mark" title="02.11, классная работа">5</span>'
        '<span class="mark" title="04.11, классная работа">4</span>'
        '<span class="mark" title="06.11, классная работа">3</span>'
        '<span class="mark" title="09.11, контрольная работа, вес 2: &lt;b&gt;у доски&lt;/b&gt;">5<sub>×2</sub></span>'
    )


def test_other_pages_render_for_the_pupil_and_the_form_tutor(filled: Any) -> None:
    vera = filled.pupils[2]
    for user in (filled.pupil_account, filled.form_tutor, filled.math_teacher):
        for name in PAGES:
            assert client_for(user).get(page(name, vera)).status_code == 200, (user, name)


def test_homework_and_attendance_pages(filled: Any) -> None:
    anna = filled.pupils[0]
    client = client_for(filled.parent)
    period = f"?from={TERM_START}&to={TERM_START + timedelta(days=6)}"
    assert "Параграф 7" in client.get(page("diary:homework", anna) + period).content.decode()
    html = client.get(page("diary:attendance", anna) + period).content.decode()
    assert 'data-testid="attendance-item"' in html
    bad = client.get(page("diary:attendance", anna) + f"?from={TERM_START}&to={TERM_START - timedelta(days=1)}")
    assert bad.status_code == 200
    assert 'data-testid="period-error"' in bad.content.decode()


def test_strangers_get_404_and_the_anonymous_sign_in(filled: Any) -> None:
    anna, boris = filled.pupils[0], filled.pupils[1]
    outsider = make_account("outsider@example.ru", "+79000000199")
    for name in PAGES:
        assert client_for(filled.other_parent).get(page(name, anna)).status_code == 404
        assert client_for(outsider).get(page(name, anna)).status_code == 404
        assert client_for(filled.parent).get(page(name, boris)).status_code == 404
        response = client_for(None).get(page(name, anna))
        assert response.status_code == 302
        assert response["Location"].startswith("/signin/")


def test_the_diary_home_redirects_to_the_first_child_or_explains(filled: Any) -> None:
    response = client_for(filled.parent).get(reverse("diary:home"))
    assert response.status_code == 302
    assert response["Location"] == page("diary:week", filled.pupils[0])
    outsider = make_account("outsider@example.ru", "+79000000199")
    response = client_for(outsider).get(reverse("diary:home"))
    assert response.status_code == 200
    assert 'data-testid="diary-no-children"' in response.content.decode()
