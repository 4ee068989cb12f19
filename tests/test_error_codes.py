"""Error codes are a contract: every code is a member of an app's enum, listed in docs/errors.md and in
the OpenAPI description, and raised as a member, never as a loose string."""

from __future__ import annotations

import importlib
import re
from enum import StrEnum
from pathlib import Path

import pytest
from django.http import Http404
from django.test import Client

from core.errors import CoreCode, DomainError, NotFound
from dnevnik.api import ERROR_CODES

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "errors.md"


def code_enums() -> list[type[StrEnum]]:
    """Every ``StrEnum`` defined in an ``errors`` module of ``src``: a new app's enum is found without a list."""
    found = []
    for path in sorted((ROOT / "src").glob("*/errors.py")):
        module = importlib.import_module(f"{path.parent.name}.errors")
        found += [
            value
            for value in vars(module).values()
            if isinstance(value, type) and issubclass(value, StrEnum) and value.__module__ == module.__name__
        ]
    return found


def documented_codes() -> dict[str, set[str]]:
    """The codes of each ``## `EnumName` …`` section of docs/errors.md: the first cell of its table rows."""
    sections: dict[str, set[str]] = {}
    current: set[str] | None = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"## `(\w+)`", line)
        if heading:
            current = sections.setdefault(heading.group(1), set())
        elif line.startswith("## "):
            current = None
        elif current is not None and (row := re.match(r"\| `([a-z_]+)` \|", line)):
            current.add(row.group(1))
    return sections


def test_the_enums_are_found() -> None:
    names = {enum.__name__ for enum in code_enums()}
    assert {"CoreCode", "PortalCode", "RegistryCode", "DiaryCode", "TrustCode", "VisitsCode", "NotifyCode"} <= names


@pytest.mark.parametrize("enum", code_enums(), ids=lambda enum: enum.__name__)
def test_every_code_has_a_row_in_docs_errors_md(enum: type[StrEnum]) -> None:
    documented = documented_codes().get(enum.__name__)
    assert documented is not None, f"docs/errors.md has no section ## `{enum.__name__}`"
    members = {member.value for member in enum}
    assert not members - documented, (
        f"codes of {enum.__name__} missing in docs/errors.md: {sorted(members - documented)}"
    )
    assert not documented - members, f"docs/errors.md lists codes {enum.__name__} lacks: {sorted(documented - members)}"


def test_docs_errors_md_has_no_section_without_an_enum() -> None:
    assert set(documented_codes()) <= {enum.__name__ for enum in code_enums()}


def test_the_openapi_description_lists_every_code(client: Client) -> None:
    assert set(ERROR_CODES) == set(code_enums())
    description = client.get("/api/v1/openapi.json").json()["info"]["description"]
    for enum in ERROR_CODES:
        for member in enum:
            assert f"`{member.value}`" in description, member


def test_no_error_is_raised_with_a_string_code() -> None:
    """mypy says so too; this names the place when a merge brings one in."""
    loose = re.compile(r"\b(DomainError|RateLimited|Conflict)\(\s*[\"']")
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted((ROOT / "src").rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if loose.search(line)
    ]
    multiline = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "src").rglob("*.py"))
        if re.search(r"\b(DomainError|RateLimited|Conflict)\(\n\s*[\"']", path.read_text(encoding="utf-8"))
    ]
    assert not offenders + multiline, f"use the app's code enum (docs/errors.md): {offenders + multiline}"


def test_not_found_is_a_404_and_not_a_domain_error() -> None:
    assert issubclass(NotFound, Http404)
    assert not issubclass(NotFound, DomainError)
    assert NotFound().status == 404


def test_data_cannot_overwrite_the_body_keys() -> None:
    assert DomainError(CoreCode.INVALID, "x", data={"rows": [1]}).data == {"rows": [1]}
    with pytest.raises(ValueError, match="code"):
        DomainError(CoreCode.INVALID, "x", data={"code": "other"})
