"""Importing a school's registry from a CSV or XLSX file: one row per pupil and guardian.

``import_registry`` is the one entry point (the ``import_registry`` command and the back office call
it). A file with any problem imports nothing and ``ImportRejected.errors`` names every bad row,
column and reason at once; a clean file creates and updates pupils, guardians and classes in one
transaction, and importing it again changes nothing. The columns, spellings and error codes are
documented in ``docs/registry-import.md``; the cross-row rules in ``registry.importing.rules``.

Layout: ``reading`` (file → numbered cells), ``rows`` (cells → pupil and guardian), ``orm`` and
``postgres`` (the two write paths, one per database, with the same rules and results), ``copying`` (on
PostgreSQL, a plain CSV file staged through ``COPY`` as it is, its usual spellings checked in SQL), and
``generate`` (a synthetic file for the benchmark).
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import io
from collections.abc import Callable
from datetime import datetime
from typing import IO, Any, Literal, Protocol

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.services import record_event
from registry.importing.copying import stage_csv
from registry.importing.orm import OrmImport
from registry.importing.postgres import PostgresImport
from registry.importing.reading import FileProblem, is_xlsx_or_xls, open_table
from registry.importing.report import (
    COLUMNS,
    MAX_ERRORS,
    Counts,
    ImportRejected,
    ImportReport,
    RowError,
    sorted_errors,
)
from registry.importing.rows import ParsedRow, parse_row
from registry.models import School

__all__ = ["COLUMNS", "MAX_ERRORS", "ImportRejected", "ImportReport", "RowError", "import_registry", "run_import"]

Progress = Callable[[int, int], None]
Phase = Callable[[str], None]
Engine = Literal["orm", "postgres"]
Source = bytes | IO[bytes]
_PROGRESS_EVERY = 1000
_CHUNK = 1 << 20


class _Path(Protocol):
    """A write path: ``orm.OrmImport`` or ``postgres.PostgresImport``."""

    def add(self, parsed: ParsedRow) -> None: ...
    def check(self) -> list[RowError]: ...
    def write(self, *, now: datetime) -> Counts: ...


@transaction.atomic
def import_registry(
    *,
    school: School,
    data: Source,
    filename: str,
    actor: Any = None,
    progress: Progress | None = None,
    phase: Phase | None = None,
) -> ImportReport:
    """Import ``data`` (the bytes of ``filename``, CSV or XLSX, or a binary file open on them) into ``school``'s
    registry, or raise ``ImportRejected`` having written nothing. ``progress(done, total)`` follows the rows
    read, ``phase(name)`` tells when the import moves on to ``checking`` and ``writing``. A file is read as a
    stream, never whole into memory."""
    engine: Engine = "postgres" if connection.vendor == "postgresql" else "orm"
    return run_import(
        school=school, data=data, filename=filename, actor=actor, progress=progress, engine=engine, phase=phase
    )


@transaction.atomic
def run_import(
    *,
    school: School,
    data: Source,
    filename: str,
    actor: Any,
    progress: Progress | None,
    engine: Engine,
    phase: Phase | None = None,
) -> ImportReport:
    """``import_registry`` with the write path chosen by the caller (tests compare the two)."""
    # One import of a school at a time; NO KEY keeps inserts that refer to the school unblocked.
    list(School.objects.select_for_update(no_key=True).filter(pk=school.pk).values_list("pk"))
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    sha256, lines = _digest(source)
    path: _Path = PostgresImport(school) if engine == "postgres" else OrmImport(school)
    tell = phase or (lambda _name: None)
    tell("reading")
    rows, errors = _read(source, filename, path, progress, lines=lines)
    tell("checking")
    errors += path.check()
    if errors:
        raise ImportRejected(sorted_errors(errors))
    tell("writing")
    counts = path.write(now=timezone.now())
    report = ImportReport(filename=filename, rows=rows, **dataclasses.asdict(counts))
    record_event(
        actor=actor,
        action="registry.import",
        target=school,
        filename=filename,
        rows=rows,
        sha256=sha256,
        **dataclasses.asdict(counts),
    )
    if report.changed:
        _link_known_guardians_after_commit(school.pk)
    return report


def _digest(source: IO[bytes]) -> tuple[str, int]:
    """The file's SHA-256 and its number of line breaks (to estimate its rows), in one pass of 1 MB reads."""
    source.seek(0)
    digest = hashlib.sha256()
    breaks, last = 0, b""
    while chunk := source.read(_CHUNK):
        digest.update(chunk)
        breaks += chunk.count(b"\n")
        last = chunk[-1:]
    return digest.hexdigest(), max(breaks - (last == b"\n"), 0)


def _read(
    source: IO[bytes], filename: str, path: _Path, progress: Progress | None, *, lines: int
) -> tuple[int, list[RowError]]:
    """Parse every row into ``path``; the number of rows and the problems found in their cells."""
    today = timezone.localdate()
    source.seek(0)
    if isinstance(path, PostgresImport) and not is_xlsx_or_xls(source.read(8), filename):
        if progress:
            progress(0, lines)
        staged = stage_csv(source, path.add, today=today, total=lines, progress=progress)
        if staged is not None:
            return _finish(*staged, progress)
    try:
        table = open_table(source, filename, lines=lines)
    except FileProblem as problem:
        raise ImportRejected(problem.errors) from None
    errors: list[RowError] = []
    rows = 0
    try:
        if progress:
            progress(0, table.total)
        for row, cells in table.rows:
            parsed, row_errors = parse_row(row, cells, today=today)
            rows += 1
            if row_errors and len(errors) <= MAX_ERRORS:
                errors += row_errors
            if parsed is not None:
                path.add(parsed)
            if progress and rows % _PROGRESS_EVERY == 0:
                progress(rows, max(table.total, rows))
    except FileProblem as problem:
        raise ImportRejected(sorted_errors(errors + problem.errors)) from None
    finally:
        table.close()
    return _finish(rows, errors, progress)


def _finish(rows: int, errors: list[RowError], progress: Progress | None) -> tuple[int, list[RowError]]:
    if progress:
        progress(rows, rows)
    if rows == 0:
        errors.append(RowError(0, "", "file_empty", _("The file has a header but no rows of pupils.")))
    return rows, errors


def _link_known_guardians_after_commit(school_id: int) -> None:
    """Ask ``registry.tasks.link_known_guardians`` to link new guardians to portal accounts, once
    committed. The task belongs to the linking work; until it exists, imports simply do not ask."""
    try:
        tasks = importlib.import_module("registry.tasks")
    except ModuleNotFoundError as missing:
        if missing.name != "registry.tasks":
            raise
        return
    task = getattr(tasks, "link_known_guardians", None)
    if task is not None:
        transaction.on_commit(lambda: task.enqueue(school_id=school_id))
