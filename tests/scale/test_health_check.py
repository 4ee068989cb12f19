"""The connection health check (``dnevnik.postgresql``): a busy, quiet connection is lent without a round
trip, an idle one is asked ``SELECT 1`` as Django does, and one the server has dropped is replaced before
the request's first query, so a terminated backend or a restarted PostgreSQL costs no failed request.

What each request sends is read from libpq's own trace of the wire (``PGconn.trace``), not from Django's
query log, which never sees the health check."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.utils import ConnectionHandler
from psycopg.pq import Trace

from dnevnik import profiles
from dnevnik.postgresql.base import DatabaseWrapper
from tests.pgcluster import Cluster, primary_cluster, wait_for

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="PostgreSQL-only: runs in the PostgreSQL pass of the suite (TEST_DATABASE_URL)",
)


def backend_pid(wrapper: BaseDatabaseWrapper) -> int:
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def sent_by(wrapper: BaseDatabaseWrapper, tmp_path: Path, request: Callable[[], object]) -> list[str]:
    """The messages ``request`` made the connection send (the frontend's, "F"), as libpq traces them."""
    trace = tmp_path / "wire.trace"
    with trace.open("w") as out:
        wrapper.connection.pgconn.trace(out.fileno())
        wrapper.connection.pgconn.set_trace_flags(Trace.SUPPRESS_TIMESTAMPS)
        try:
            request()
        finally:
            if wrapper.connection is not None:
                wrapper.connection.pgconn.untrace()
    return [line for line in trace.read_text(errors="replace").splitlines() if line.startswith("F")]


def next_request(wrapper: BaseDatabaseWrapper) -> Callable[[], object]:
    """What a request does: Django's request_started handler, then the first query."""

    def run() -> object:
        wrapper.close_if_unusable_or_obsolete()
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT 'the request''s own query'")
            return cursor.fetchone()

    return run


def test_the_product_connects_through_the_quiet_health_check() -> None:
    assert isinstance(connections["default"], DatabaseWrapper)
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True


@pytest.fixture
def persistent(transactional_db: None) -> Iterator[BaseDatabaseWrapper]:
    """A connection of the test database kept across requests, as a served process keeps it (the suite
    itself runs with ``DB_CONN_MAX_AGE=0``)."""
    wrapper = DatabaseWrapper({**connections.settings["default"], "CONN_MAX_AGE": 600}, "default")
    try:
        yield wrapper
    finally:
        wrapper.close()


def test_a_busy_connection_is_lent_without_a_round_trip(persistent: BaseDatabaseWrapper, tmp_path: Path) -> None:
    backend_pid(persistent)
    sent = sent_by(persistent, tmp_path, next_request(persistent))
    assert len(sent) == 1
    assert "the request''s own query" in sent[0]


def test_a_connection_idle_past_the_quiet_window_is_asked_first(
    persistent: BaseDatabaseWrapper, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend_pid(persistent)
    monkeypatch.setattr(DatabaseWrapper, "QUIET_SECONDS", 0.0)
    sent = sent_by(persistent, tmp_path, next_request(persistent))
    assert len(sent) == 2
    assert '"SELECT 1"' in sent[0]
    assert "the request''s own query" in sent[1]


def test_a_connection_the_server_dropped_is_replaced_before_the_first_query(persistent: BaseDatabaseWrapper) -> None:
    """Inside the quiet window: the terminated backend's FATAL message on the socket is what gives it away."""
    dropped = backend_pid(persistent)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [dropped])
    wait_for(lambda: not still_running(dropped), timeout=10)
    assert next_request(persistent)() == ("the request's own query",)
    assert backend_pid(persistent) != dropped


def still_running(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
        return bool(cursor.fetchone()[0])


@pytest.fixture(scope="module")
def scratch_connection(django_db_blocker: Any) -> Iterator[tuple[Cluster, BaseDatabaseWrapper]]:
    with primary_cluster() as cluster, django_db_blocker.unblock():
        handler = ConnectionHandler({"default": profiles.database(cluster.url("postgres"), conn_max_age=600)})
        wrapper = handler["default"]
        try:
            yield cluster, wrapper
        finally:
            wrapper.close()


@pytest.mark.parametrize("mode", ["immediate", "fast"])
def test_a_restarted_postgresql_costs_the_next_request_nothing(
    scratch_connection: tuple[Cluster, BaseDatabaseWrapper], mode: str
) -> None:
    cluster, wrapper = scratch_connection
    before = backend_pid(wrapper)
    cluster.stop(mode)
    cluster.start()
    assert next_request(wrapper)() == ("the request's own query",)
    assert backend_pid(wrapper) != before
