"""Types of the API's schemas defined once for every router: the bounds of ids and numbers, and times of day.

An integer the database cannot hold used to reach a query and fail there (``OverflowError`` on
SQLite → 500). Each schema now says the range, so such input is a 400 naming the field (the
``ValidationError`` handler of ``dnevnik.api``) and the OpenAPI document tells clients — and the
fuzzer in ``tests/api/test_fuzzing.py`` — the same range.
"""

from __future__ import annotations

from datetime import time
from typing import Annotated

from pydantic import Field, WithJsonSchema

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

LocalTime = Annotated[
    time,
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?$",
            "description": "A time of day on the school's clock (Moscow), HH:MM:SS, without an offset",
            "examples": ["08:30:00"],
        }
    ),
]
"""A lesson's start or end. JSON Schema's ``format: time`` is RFC 3339's full-time, which demands an
offset; a bell schedule has none, so the document says what is really sent."""
