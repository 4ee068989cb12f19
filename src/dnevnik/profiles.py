"""The two deployment profiles as plain values: the embedded default (SQLite, local memory, the DB task
worker) and production (PostgreSQL with a pool and read replicas, Redis for the cache, the sessions and
the task queue on RQ).

``settings`` picks between them from the environment alone (README, docs/scaling.md); the functions live
here, away from the settings module, so that the tests that run the production profile against the
machine's Redis and a real streaming replica build exactly the values an operator's environment builds.
"""

from __future__ import annotations

import os
from typing import Any

import dj_database_url

# The cache aliases every profile defines: "default" (Django's own users of the cache, the sessions of the
# production profile) and "diary" (the family's pages: what the read path keeps, invalidated on every write).
CACHE_ALIASES = ("default", "diary")
DB_WORKER_BACKEND = "django_tasks_db.DatabaseBackend"
RQ_BACKEND = "django_tasks_rq.RQBackend"
# django-tasks-rq runs a Task through its own RQ job class; the RQ worker must be told so.
RQ_JOB_CLASS = "django_tasks_rq.Job"


def database(
    url: str, *, conn_max_age: int, pool: dict[str, Any] | None = None, prepare_threshold: int | None = None
) -> dict[str, Any]:
    """One connection's settings. With ``pool`` (PostgreSQL only), Django's native psycopg pool: each
    process keeps ``min_size``..``max_size`` open connections and lends one to each request, so
    ``CONN_MAX_AGE`` must be 0 (Django refuses both; the pool is the persistence)."""
    settings: dict[str, Any] = dict(
        dj_database_url.parse(
            url,
            conn_max_age=conn_max_age,
            # A reused connection is checked before each request: a restarted PostgreSQL costs no 500.
            conn_health_checks=True,
        )
    )
    if settings["ENGINE"] == "django.db.backends.postgresql":
        # Django's backend with a health check that costs no round trip on a busy connection.
        settings["ENGINE"] = "dnevnik.postgresql"
        # Short OLTP statements only: PostgreSQL's JIT, which starts once a plan's estimated cost passes
        # ``jit_above_cost``, spent 0.75 s compiling a 20 ms family query at 100,000 pupils. PostgreSQL's own
        # advice for such loads is to turn it off (docs: "JIT Accelerated Operations ... When to JIT?").
        options = settings.setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c jit=off".strip()
        if prepare_threshold is not None:
            # Server-side prepared statements (psycopg's own: a statement run ``prepare_threshold`` times on a
            # connection is parsed and planned once). Django turns them off by default for poolers; the
            # family's access check is a plan of many joins, and planning it again on every request cost
            # PostgreSQL more CPU than running it (bench: 4.8 → 2.4 ms of the backend per week read).
            # Behind PgBouncer in transaction mode this needs ``max_prepared_statements`` (PgBouncer ≥ 1.21).
            options["server_side_binding"] = True
            options["prepare_threshold"] = prepare_threshold
        if pool:
            options["pool"] = dict(pool)
            settings["CONN_MAX_AGE"] = 0
    return settings


def pool_options(*, min_size: int, max_size: int, timeout: float) -> dict[str, Any]:
    """psycopg_pool's ``ConnectionPool`` arguments. With ``CONN_HEALTH_CHECKS`` (always on here) Django
    has the pool test a connection before lending it (one round trip), so connections left dead by a
    database restart are replaced instead of failing a request."""
    return {"min_size": min_size, "max_size": max_size, "timeout": timeout}


def replica_databases(
    urls: list[str], *, conn_max_age: int, pool: dict[str, Any] | None, prepare_threshold: int | None = None
) -> dict[str, dict[str, Any]]:
    """``replica_1``, ``replica_2``, … — streaming replicas of the primary (``dnevnik.db_router``).

    ``TEST.MIRROR``: the test runner creates no database on a replica (it cannot write); the alias reads
    the primary's test database, which a physical replica carries like every other database.
    """
    replicas = {}
    for number, url in enumerate(urls, start=1):
        replica = database(url, conn_max_age=conn_max_age, pool=pool, prepare_threshold=prepare_threshold)
        replica["TEST"] = {"MIRROR": "default"}
        replicas[f"replica_{number}"] = replica
    return replicas


def _diary_cache_options() -> dict[str, Any]:
    # The family's cached reads (``diary.cache``): versioned keys make stale entries unreachable, the timeout
    # only bounds what the versions do not cover (teacher names, term dates).
    return {"TIMEOUT": int(os.environ.get("DIARY_CACHE_SECONDS", "3600"))}


def local_caches() -> dict[str, dict[str, Any]]:
    """The embedded default: each process its own memory (one machine, nothing to install)."""
    caches: dict[str, dict[str, Any]] = {
        alias: {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": f"dnevnik-{alias}"}
        for alias in CACHE_ALIASES
    }
    caches["diary"] |= {**_diary_cache_options(), "OPTIONS": {"MAX_ENTRIES": 20000}}
    return caches


def redis_caches(url: str, *, sessions_url: str | None = None) -> dict[str, dict[str, Any]]:
    """Every app node shares one Redis. The aliases share the server and keep apart by key prefix;
    ``sessions`` may live on a Redis of its own (``REDIS_SESSIONS_URL``: persistent, no eviction), since
    evicting a session signs a person out, while evicting a cached week only costs a query."""
    caches = {
        alias: {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": f"dnevnik:{alias}",
        }
        for alias in CACHE_ALIASES
    }
    caches["diary"] |= _diary_cache_options()
    caches["sessions"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": sessions_url or url,
        "KEY_PREFIX": "dnevnik:sessions",
    }
    return caches


def tasks(backend: str) -> dict[str, dict[str, Any]]:
    return {"default": {"BACKEND": backend, "QUEUES": ["default"]}}


def rq_queues(url: str) -> dict[str, dict[str, Any]]:
    """django-rq's queues, one per Django Tasks queue. A task runs for at most 10 minutes (an import)."""
    return {"default": {"URL": url, "DEFAULT_TIMEOUT": 600}}
