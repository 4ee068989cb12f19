"""Notification tests use the diary's small school (``diary_school``) for people and families."""

from __future__ import annotations

import pytest

from portal.models import User
from tests.diary.conftest import diary_school, make_account  # noqa: F401


@pytest.fixture
def olga(db: None) -> User:
    return make_account("olga@example.ru", "+79000000201", "Смирнова", "Ольга")


@pytest.fixture
def ivan(db: None) -> User:
    return make_account("ivan@example.ru", "+79000000202", "Иванов", "Иван")
