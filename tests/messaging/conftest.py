"""The diary's small school (``tests.diary.conftest``) with what messages need: a second guardian of Анна, and
a trusted person of Анна's diary. Threads are made through the services, as people make them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from messaging import services
from messaging.models import Thread
from portal.models import User
from registry.models import Pupil
from tests.diary.conftest import DiarySchool, build_diary_school, make_account, make_guardian
from tests.grants import make_grant


@dataclass
class Talk:
    school: DiarySchool
    mother: User  # guardian of Анна (7А) and Глеб (7Б)
    father: User  # guardian of Анна
    trusted: User  # an active trusted person of Анна's diary
    anna_id: str

    @property
    def anna(self) -> Pupil:
        return self.school.pupils[0]


@pytest.fixture
def talk(db: None, settings: Any, tmp_path: Any) -> Talk:
    settings.MEDIA_ROOT = str(tmp_path)
    school = build_diary_school()
    father = make_account("father@example.ru", "+79000000201", "Андреев", "Пётр", birth_date=date(1984, 1, 1))
    make_guardian(school.pupils[0], father)
    trusted = make_account("granny@example.ru", "+79000000202", "Бабушкина", "Галина", birth_date=date(1950, 1, 1))
    make_grant(school.pupils[0], trusted, "diary")
    return Talk(
        school=school, mother=school.parent, father=father, trusted=trusted, anna_id=str(school.pupils[0].public_id)
    )


def mother_writes_to_math(talk: Talk, text: str = "Добрый вечер! Анна болела, можно ли пересдать?") -> Thread:
    return services.start_thread(
        author=talk.mother,
        student_id=talk.anna_id,
        teacher_id=str(talk.school.math_teacher.public_id),
        subject_id=talk.school.algebra.pk,
        text=text,
    )
