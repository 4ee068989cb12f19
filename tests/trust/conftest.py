"""Fixtures for the trusted-persons tests: the diary school, a grandmother with an account that an
invitation can name (surname «Кузнецова», a valid SNILS, a confirmed phone), a minor, and signed-in clients
whose requests run their on-commit tasks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from portal.identity import snils_checksum
from portal.models import User
from registry.models import Pupil
from tests.conftest import CommittingClient
from tests.diary.conftest import DiarySchool, diary_school, make_account  # noqa: F401
from tests.snils import verify_through_pension_fund

GRANDMOTHER_PHONE = "+79000000201"
MINOR_PHONE = "+79000000202"


def valid_snils(first_nine: str) -> str:
    """Eleven digits with the right checksum for ``first_nine`` (above the unchecked range)."""
    return f"{first_nine}{snils_checksum(first_nine):02d}"


GRANDMOTHER_SNILS = valid_snils("123456789")
MINOR_SNILS = valid_snils("223456789")


@pytest.fixture
def trust_school(diary_school: DiarySchool) -> DiarySchool:  # noqa: F811
    """The diary school: ``parent`` guards Анна (``pupils[0]``, 7А) and Глеб (``stranger_pupil``, 7Б);
    ``other_parent`` guards Борис; ``pupil_account`` is Вера's own (minor) account."""
    return diary_school


@pytest.fixture
def child(trust_school: DiarySchool) -> Pupil:
    """The guardian's child the tests invite for: Анна."""
    return trust_school.pupils[0]


@pytest.fixture
def guardian(trust_school: DiarySchool) -> User:
    return trust_school.parent


@pytest.fixture
def grandmother(trust_school: DiarySchool) -> User:
    """Her SNILS is verified (by the pension fund's check): only a verified SNILS matches an invitation."""
    return verify_through_pension_fund(
        make_account(
            "granny@example.ru",
            GRANDMOTHER_PHONE,
            "Кузнецова",
            "Галина",
            patronymic="Петровна",
            snils=GRANDMOTHER_SNILS,
            birth_date=date(1955, 5, 5),
        ),
        tell=False,
    )


@pytest.fixture
def minor(trust_school: DiarySchool) -> User:
    """A 14-year-old with an account an invitation could name (her SNILS verified)."""
    return verify_through_pension_fund(
        make_account(
            "teen@example.ru", MINOR_PHONE, "Кузнецова", "Катя", snils=MINOR_SNILS, birth_date=date(2012, 6, 1)
        ),
        tell=False,
    )


def _signed_in(make_client: Callable[[], CommittingClient], user: User) -> CommittingClient:
    client = make_client()
    client.force_login(user)
    return client


@pytest.fixture
def guardian_client(make_client: Callable[[], CommittingClient], guardian: User) -> CommittingClient:
    return _signed_in(make_client, guardian)


@pytest.fixture
def other_parent_client(make_client: Callable[[], CommittingClient], trust_school: DiarySchool) -> CommittingClient:
    return _signed_in(make_client, trust_school.other_parent)


@pytest.fixture
def grandmother_client(make_client: Callable[[], CommittingClient], grandmother: User) -> CommittingClient:
    return _signed_in(make_client, grandmother)


@pytest.fixture
def client_of(make_client: Callable[[], CommittingClient]) -> Callable[[User], CommittingClient]:
    """A signed-in committing client for any account."""

    def _client(user: User) -> CommittingClient:
        return _signed_in(make_client, user)

    return _client


@pytest.fixture
def no_activation_delay(settings: Any) -> None:
    settings.TRUST_ACTIVATION_DELAY = timedelta(0)


def invite_by_api(client: Any, pupil: Pupil, **overrides: Any) -> Any:
    """POST /api/v1/trusted-persons: by default the grandmother, by surname and SNILS, for the diary."""
    body = {"student_id": str(pupil.public_id), "service": "diary", "surname": "Кузнецова", "snils": GRANDMOTHER_SNILS}
    body.update(overrides)
    return client.post("/api/v1/trusted-persons", body, content_type="application/json")


def inbox_ids(client: Any) -> list[int]:
    response = client.get("/api/v1/subscriptions")
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json() if item["state"] == "pending"]
