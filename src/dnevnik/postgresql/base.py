"""Django's PostgreSQL backend with a health check that asks the server nothing on a busy connection.

``CONN_HEALTH_CHECKS`` makes Django send ``SELECT 1`` before the first query of every request on a reused
connection: one round trip in six of the family's week read, one in three of a cached read. A connection
the server has dropped (a restart, ``pg_terminate_backend``, an idle timeout) shows it on its socket,
where the server's FATAL message or the end of the stream waits to be read. So a connection that passed a
check less than ``QUIET_SECONDS`` ago, whose libpq state is idle and whose socket has nothing to read, is
lent without a round trip; anything else gets Django's own check, which closes a dead connection so that
the request opens a new one. HikariCP skips its validation the same way for a connection used in the last
half second (``aliveBypassWindowMs``).

Written here because neither Django nor psycopg offers a check without a round trip (psycopg_pool's
``check_connection`` sends an empty query too). Only the persistent connections use it: with
Django's pool, the pool's own check runs as before.
"""

from __future__ import annotations

import select
import time
from typing import Any

from django.db.backends.postgresql import base
from psycopg import OperationalError
from psycopg.pq import ConnStatus, TransactionStatus

__all__ = ["DatabaseWrapper"]


class DatabaseWrapper(base.DatabaseWrapper):
    # A connection idle longer than this is checked with a round trip: a silently dropped TCP connection
    # (a NAT or firewall timeout) shows nothing on the socket.
    QUIET_SECONDS = 2.0
    # Set by Django's base class (django-stubs does not declare them).
    health_check_enabled: bool
    health_check_done: bool

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._verified_at = float("-inf")

    def connect(self) -> None:
        super().connect()
        self._verified_at = time.monotonic()

    def close_if_health_check_failed(self) -> None:
        pooled = bool(self.settings_dict["OPTIONS"].get("pool"))
        if self.connection is None or not self.health_check_enabled or self.health_check_done or pooled:
            super().close_if_health_check_failed()
            return
        if not self._recently_verified_and_quiet():
            super().close_if_health_check_failed()
        self.health_check_done = True
        if self.connection is not None:
            self._verified_at = time.monotonic()

    def _recently_verified_and_quiet(self) -> bool:
        if time.monotonic() - self._verified_at > self.QUIET_SECONDS:
            return False
        try:
            pgconn = self.connection.pgconn
            if pgconn.status != ConnStatus.OK or pgconn.transaction_status != TransactionStatus.IDLE:
                return False
            poller = select.poll()
            poller.register(pgconn.socket, select.POLLIN | select.POLLPRI)
            return not poller.poll(0)
        except (OperationalError, OSError, AttributeError):
            return False
