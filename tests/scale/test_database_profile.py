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


def test_postgresql_connections_prepare_statements_when_asked() -> None:
    prepared = profiles.database(URL, conn_max_age=60, prepare_threshold=5)["OPTIONS"]
    assert prepared["server_side_binding"] is True
    assert prepared["prepare_threshold"] == 5
    plain = profiles.database(URL, conn_max_age=60)["OPTIONS"]
    assert "server_side_binding" not in plain
    assert "prepare_threshold" not in plain


@pytest.mark.django_db
def test_the_live_postgresql_connection_plans_a_repeated_statement_once() -> None:
    """The product's default (``DB_PREPARE_THRESHOLD`` 5): the access check's plan is kept on the connection
    after a few runs, instead of PostgreSQL planning it again on every request."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: the suite runs again on PostgreSQL in CI")
    sql = "SELECT count(*) FROM portal_user WHERE id = %s"
    with connection.cursor() as cursor:
        for pupil in range(6):
            cursor.execute(sql, [pupil])
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ["%portal_user WHERE id = $1%"]
        )
        assert cursor.fetchone() == (1,)
