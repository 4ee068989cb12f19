"""Dates at the ends of the calendar are a clear 400 (or ignored on a page), never a 500."""

from __future__ import annotations

import pytest

from registry.models import Pupil
from tests.conftest import CommittingClient
from tests.trust.conftest import invite_by_api


@pytest.mark.parametrize(
    "query", ["from=0001-01-01", "to=0001-01-03", "from=9999-12-30", "from=9999-12-25&to=9999-12-31"]
)
@pytest.mark.parametrize("section", ["diary", "homework", "attendance", "visits", "meals"])
def test_a_period_outside_the_calendar_is_refused_by_name(
    child: Pupil,
    guardian_client: CommittingClient,
    section: str,
    query: str,
) -> None:
    response = guardian_client.get(f"/api/v1/students/{child.public_id}/{section}?{query}")

    assert response.status_code == 400, response.content
    assert response.json()["code"] == "date_out_of_range"
    assert response.json()["field"] in ("from", "to")


@pytest.mark.parametrize("week", ["9999-12-31", "0001-01-01"])
@pytest.mark.parametrize("page", ["", "visits/", "meals/"])
def test_a_page_ignores_a_week_outside_the_calendar(
    child: Pupil,
    guardian_client: CommittingClient,
    page: str,
    week: str,
) -> None:
    assert guardian_client.get(f"/diary/{child.public_id}/{page}?week={week}").status_code == 200


def test_an_end_date_far_away_is_refused_by_name(child: Pupil, guardian_client: CommittingClient) -> None:
    response = invite_by_api(guardian_client, child, ends_on="9999-12-31")

    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("invalid_end", "ends_on")
