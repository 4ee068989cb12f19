"""Living through a database restart: what the long-running processes (the task worker, the sweeps) do
when the database goes away under them — drop the dead connections, wait, try again, a little longer each
time — instead of ending, which left ``make run`` without a worker after one ``pg_ctl restart``."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from django.db import InterfaceError, OperationalError, connections

logger = logging.getLogger("dnevnik.reconnect")

# What a vanished or restarting database raises (psycopg's errors arrive wrapped in these two).
DATABASE_GONE = (OperationalError, InterfaceError)


def drop_connections() -> None:
    """Close every connection of this thread, broken or not: the next query opens a fresh one.

    ``close_old_connections`` keeps a connection it cannot tell is broken, and closing a broken one may
    itself raise; neither should stop the retry.
    """
    for connection in connections.all(initialized_only=True):
        try:
            connection.close()
        except DATABASE_GONE:
            connection.connection = None


@dataclass
class Backoff:
    """Waits of ``first``, doubling to ``longest`` seconds; back to ``first`` after ``steady`` seconds of
    work without a failure (a restart a week later starts from a short wait again)."""

    first: float = 0.5
    longest: float = 30.0
    steady: float = 60.0
    _next: float = field(default=0.0, init=False)
    _since: float = field(default_factory=time.monotonic, init=False)

    def wait(self, error: BaseException, what: str) -> float:
        now = time.monotonic()
        if not self._next or now - self._since > self.steady:
            self._next = self.first
        delay = self._next
        logger.warning("%s: the database is unavailable (%s); trying again in %.1f s", what, error, delay)
        time.sleep(delay)
        self._next = min(self._next * 2, self.longest)
        self._since = time.monotonic()
        return delay
