"""Bounds of the API's ids and numbers, defined once and used by every router's schemas.

An integer the database cannot hold used to reach a query and fail there (``OverflowError`` on
SQLite → 500). Each schema now says the range, so such input is a 400 naming the field (the
``ValidationError`` handler of ``dnevnik.api``) and the OpenAPI document tells clients — and the
fuzzer in ``tests/api/test_fuzzing.py`` — the same range.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

# Primary keys are ``BigAutoField`` (settings.DEFAULT_AUTO_FIELD): SQLite's INTEGER and PostgreSQL's
# bigint are both signed 64-bit.
MAX_DB_INT = 2**63 - 1
# ``IntegerField`` / ``PositiveIntegerField`` columns (a mark's version): PostgreSQL's integer.
MAX_INT32 = 2**31 - 1

DbId = Annotated[int, Field(ge=1, le=MAX_DB_INT)]
"""The id of a row (a lesson, a pupil record, a grant…): what the database can hold, nothing more."""

StudentId = Annotated[str, Field(min_length=1, max_length=64)]
"""A pupil's public ``student_id`` (a UUID); any other string of this length simply finds nobody (404)."""

PageNumber = Annotated[int, Field(ge=1, le=MAX_INT32)]
