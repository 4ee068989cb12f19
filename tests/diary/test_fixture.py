from typing import Any

import pytest

import access
from core.errors import NotFound


def test_the_diary_school_relations(diary_school: Any) -> None:
    anna, boris, vera = diary_school.pupils
    assert access.get_student(diary_school.parent, anna.public_id, service="diary").pupil == anna
    assert access.get_student(diary_school.pupil_account, vera.public_id, service="diary").pupil == vera
    assert access.get_student(diary_school.form_tutor, boris.public_id, service="visits_meals").pupil == boris
    assert access.get_diary(diary_school.form_tutor, boris.public_id).subject_ids is None
    # A subject teacher reads part of the diary only: never the whole service.
    assert access.get_diary(diary_school.math_teacher, boris.public_id).pupil == boris
    with pytest.raises(NotFound):
        access.get_student(diary_school.math_teacher, boris.public_id, service="diary")
