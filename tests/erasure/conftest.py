"""The diary's small school (``tests.diary.conftest``) is the school whose data expire here."""

from tests.diary.conftest import diary_school

__all__ = ["diary_school"]
