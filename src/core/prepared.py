"""ORM queries compiled once per process and database, then run with new parameters.

On the evening read most of a request's CPU went to Django *building and compiling* the same few queries
again and again (``filter`` chains, ``Exists`` subqueries, ``as_sql``: a quarter of the request), not to the
database. A ``Prepared`` query is written as usual — a function of named parameters returning a
``values_list`` queryset — and compiled the first time it runs on a database alias: with a sentinel value
for each parameter, so that the positions of the parameters in the compiled SQL's parameter list are
known. Later runs put the new values (prepared for the database as Django would: dates, datetimes and
UUIDs differ between SQLite and PostgreSQL) at those positions, execute the SQL and apply Django's own
converters to the rows. The ORM stays the single source of the query; only its compilation is memoised.

Only values that are *parameters* may vary: a value that changes the SQL's shape (a list's length, a
filter present or not) must be a separate ``Prepared`` (or the builder's constant).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models, router
from django.db.models import QuerySet


@dataclass(frozen=True)
class _Kind:
    sentinels: Callable[[int], Any]  # a value unlikely anywhere else in a query, distinct per index
    prepare: Callable[[Any, Any], Any]  # (value, connection) -> what Django puts in the parameters


_UUID_FIELD: models.UUIDField[Any, Any] = models.UUIDField()

KINDS: dict[type, _Kind] = {
    int: _Kind(lambda n: -7_340_000_000_000 - n, lambda value, _connection: int(value)),
    str: _Kind(lambda n: f"\x00prepared-{n}\x00", lambda value, _connection: str(value)),
    date: _Kind(lambda n: date(1901, 1, 1 + n), lambda value, conn: conn.ops.adapt_datefield_value(value)),
    datetime: _Kind(
        lambda n: datetime(1901, 2, 1, 0, 0, n, tzinfo=UTC),
        lambda value, conn: conn.ops.adapt_datetimefield_value(value),
    ),
    uuid.UUID: _Kind(
        lambda n: uuid.UUID(int=0x7E57_0000_0000_0000_0000_0000_0000_0000 + n),
        lambda value, conn: _UUID_FIELD.get_db_prep_value(value, conn),
    ),
}


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    slots: dict[str, list[int]]  # parameter name -> positions in ``params``
    converters: Any
    compiler: Any


class Prepared:
    """``build(**params)`` -> a ``values_list`` queryset, compiled once per database alias.

    ``params`` name each parameter's type (``int``, ``str``, ``date``, ``datetime``, ``uuid.UUID``).
    """

    def __init__(self, build: Callable[..., QuerySet[Any, Any]], **params: type) -> None:
        self.build = build
        self.params = params
        self._compiled: dict[str, _Compiled] = {}
        self._model: type[models.Model] | None = None

    def _alias(self) -> str:
        """The database the router sends this query's model to (a replica for a read, where there are some)."""
        if self._model is None:
            sentinels = {name: KINDS[kind].sentinels(n) for n, (name, kind) in enumerate(self.params.items())}
            self._model = self.build(**sentinels).model
        return router.db_for_read(self._model) or DEFAULT_DB_ALIAS

    def _compile(self, alias: str) -> _Compiled:
        connection = connections[alias]
        sentinels = {name: KINDS[kind].sentinels(n) for n, (name, kind) in enumerate(self.params.items())}
        compiler = self.build(**sentinels).query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        slots: dict[str, list[int]] = {}
        for name, kind in self.params.items():
            wanted = KINDS[kind].prepare(sentinels[name], connection)
            slots[name] = [i for i, value in enumerate(params) if type(value) is type(wanted) and value == wanted]
            if not slots[name]:
                raise ValueError(f"parameter {name!r} is not a parameter of the compiled query")
        columns = [column for column, _sql, _alias in compiler.select[: compiler.col_count]]
        converters = compiler.get_converters(columns)
        return _Compiled(sql=sql, params=tuple(params), slots=slots, converters=converters, compiler=compiler)

    def rows(self, using: str | None = None, **values: Any) -> list[tuple[Any, ...]]:
        """The query's rows (tuples, converted as Django converts them) for these parameter values, from
        ``using`` or where the database router sends a read of the query's model."""
        using = using or self._alias()
        compiled = self._compiled.get(using)
        if compiled is None:
            compiled = self._compiled[using] = self._compile(using)
        connection = connections[using]
        params = list(compiled.params)
        for name, positions in compiled.slots.items():
            prepared = KINDS[self.params[name]].prepare(values[name], connection)
            for position in positions:
                params[position] = prepared
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            found = cursor.fetchall()
        if not compiled.converters:
            return [tuple(row) for row in found]
        converted: Iterator[list[Any]] = compiled.compiler.apply_converters(found, compiled.converters)
        return [tuple(row) for row in converted]
