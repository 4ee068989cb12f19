"""The diary school, whose relations the access tests read."""

from tests.diary.conftest import diary_school  # noqa: F401
