"""Helpers of the web tests of trusted persons: invite and answer through the pages, as people do."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from django.test import Client

from portal.models import User
from registry.models import Pupil
from tests.diary.conftest import make_account, make_guardian
from tests.trust.conftest import GRANDMOTHER_SNILS


def trusted_url(pupil: Pupil) -> str:
    return f"/diary/{pupil.public_id}/trusted/"


def invite(client: Client, pupil: Pupil, **overrides: Any) -> Any:
    """Post the invitation form of ``pupil``'s trusted page (by default: the grandmother, the diary, by SNILS)."""
    data: dict[str, Any] = {"service": ["diary"], "surname": "Кузнецова", "snils": GRANDMOTHER_SNILS, "phone": ""}
    data.update(overrides)
    return client.post(trusted_url(pupil), data)


GRANT_ID = re.compile(r'data-testid="(?:grant|invitation|subscription|ended)"[^>]*data-grant-id="(\d+)"')


def grant_ids(html: str) -> list[int]:
    return [int(found) for found in GRANT_ID.findall(html)]


def states(html: str, testid: str = "grant") -> list[str]:
    return re.findall(rf'data-testid="{testid}" data-state="(\w+)"', html)


def field_errors(html: str) -> set[str]:
    return set(re.findall(r'class="error" role="alert" data-field="(\w+)"', html))


@pytest.fixture
def second_guardian(child: Pupil) -> User:
    """The child's other parent, linked as well."""
    account = make_account("father@example.ru", "+79000000301", "Андреев", "Пётр", birth_date=date(1983, 2, 2))
    make_guardian(child, account)
    return account
