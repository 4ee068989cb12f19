"""WSGI app serving ``GET /api/v1/students/{id}/diary[?from=&to=]`` from ``baseline.week`` on the same
gunicorn as the product: one psycopg connection per server thread, kept open (the product keeps its
connections too, ``DB_CONN_MAX_AGE``), ``BENCH_BASELINE_DSN`` naming the database.

Answers 200 with the week, 401 without a bearer token, 404 for a pupil the token may not read, 400 for a
bad date — the shapes a client sees from the product, without its error bodies.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs
from uuid import UUID
from zoneinfo import ZoneInfo

from bench.baseline.week import diary_week

PATH = re.compile(r"^/api/v1/students/([0-9a-fA-F-]{32,36})/diary$")
ZONE = ZoneInfo("Europe/Moscow")
StartResponse = Callable[[str, list[tuple[str, str]]], Any]


def current_week(today: date) -> tuple[date, date]:
    monday = today - timedelta(days=today.weekday())
    return monday, monday + timedelta(days=6)


def _period(query: str, now: datetime) -> tuple[date, date]:
    """``core.periods.period``: the current week without dates, a week from / to one date, at most 31 days."""
    params = parse_qs(query)
    first = date.fromisoformat(params["from"][0]) if "from" in params else None
    last = date.fromisoformat(params["to"][0]) if "to" in params else None
    if first is None and last is None:
        return current_week(now.astimezone(ZONE).date())
    if first is None:
        assert last is not None  # noqa: S101  (both None returned above)
        first = last - timedelta(days=6)
    start: date = first
    end: date = last if last is not None else start + timedelta(days=6)
    if end < start or (end - start).days + 1 > 31:
        raise ValueError("period")
    return start, end


def _psycopg_connection() -> Any:
    import psycopg

    return psycopg.connect(os.environ["BENCH_BASELINE_DSN"], autocommit=True)


def make_app(connect: Callable[[], Any] = _psycopg_connection, *, sqlite: bool = False) -> Callable[..., Any]:
    local = threading.local()

    def connection() -> Any:
        if getattr(local, "connection", None) is None:
            local.connection = connect()
        return local.connection

    def answer(start_response: StartResponse, status: str, body: bytes) -> Iterable[bytes]:
        headers = [("Content-Type", "application/json; charset=utf-8"), ("Content-Length", str(len(body)))]
        start_response(status, headers)
        return [body]

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        match = PATH.match(environ.get("PATH_INFO", ""))
        if environ.get("REQUEST_METHOD") != "GET" or match is None:
            return answer(start_response, "404 Not Found", b'{"code": "not_found"}')
        scheme, _, token = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return answer(start_response, "401 Unauthorized", b'{"code": "invalid_token"}')
        now = datetime.now(ZONE)
        try:
            student_id = UUID(match.group(1))
            start, end = _period(environ.get("QUERY_STRING", ""), now)
        except ValueError:
            return answer(start_response, "400 Bad Request", b'{"code": "invalid_period"}')
        with connection().cursor() as cursor:
            week = diary_week(cursor, token=token, student_id=student_id, start=start, end=end, now=now, sqlite=sqlite)
        if week is None:
            return answer(start_response, "404 Not Found", b'{"code": "not_found"}')
        return answer(start_response, "200 OK", json.dumps(week, ensure_ascii=False).encode())

    return application


application = make_app()
