"""The PostgreSQL connection settings of every profile: JIT compilation is off (it cost 0.75 s on a 20 ms family
query at 100,000 pupils), with and without the pool, and the live connection says so."""

from __future__ import annotations

import pytest
from django.db import connection

from dnevnik import profiles

URL = "postgres://dnevnik@db.example:5432/dnevnik"


@pytest.mark.parametrize("pool", [None, profiles.pool_options(min_size=2, max_size=8, timeout=5)])
def test_postgresql_connections_turn_jit_off(pool: dict[str, object] | None) -> None:
    settings = profiles.database(URL, conn_max_age=0 if pool else 60, pool=pool)
    assert "-c jit=off" in settings["OPTIONS"]["options"]
    assert ("pool" in settings["OPTIONS"]) is bool(pool)


def test_sqlite_gets_no_postgresql_options() -> None:
    assert "options" not in profiles.database("sqlite:///tmp/x.sqlite3", conn_max_age=0).get("OPTIONS", {})


@pytest.mark.django_db
def test_the_live_postgresql_connection_runs_without_jit() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: the suite runs again on PostgreSQL in CI")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)
