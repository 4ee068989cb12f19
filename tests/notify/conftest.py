"""Notification tests use the diary's small school (``diary_school``) for people and families."""

from __future__ import annotations

from tests.diary.conftest import diary_school  # noqa: F401
