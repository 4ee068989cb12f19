"""Reading a registry file, CSV or XLSX, into numbered rows of cells in ``COLUMNS`` order.

Rows are numbered as a spreadsheet shows them (the header is row 1), blank rows included, so a
registrar finds "row 17" where their editor says 17. Nothing here judges a cell; ``rows`` does.
"""

from __future__ import annotations

import csv
import io
import itertools
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.utils.translation import gettext_lazy as _

from registry.importing.report import COLUMNS, RowError

REQUIRED_COLUMNS = ("class", "pupil_surname", "pupil_name", "pupil_birth_date")
GUARDIAN_COLUMNS = tuple(name for name in COLUMNS if name.startswith("guardian_"))
# Needed as soon as the file has any guardian column: a guardian without a name or relation is no guardian.
GUARDIAN_REQUIRED_COLUMNS = ("guardian_surname", "guardian_name", "guardian_relation")

_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls

Cells = tuple[Any, ...]


class FileProblem(Exception):
    """The file cannot be read as a registry at all (its format, encoding or header)."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(errors)
        self.errors = errors


@dataclass
class Table:
    """Data rows as ``(row number, cells in COLUMNS order)``; ``total`` estimates their number."""

    rows: Iterator[tuple[int, Cells]]
    total: int
    close: Callable[[], object]


def is_xlsx_or_xls(head: bytes, filename: str) -> bool:
    """Whether the file, by its first bytes or its name, is a spreadsheet rather than CSV."""
    name = filename.lower()
    return head.startswith((_XLSX_MAGIC, _OLE_MAGIC)) or name.endswith((".xls", ".xlsx"))


def open_table(source: IO[bytes], filename: str, *, lines: int) -> Table:
    """The file's header checked and its data rows ready to iterate; XLSX by its content or name, else CSV.
    ``lines`` is the number of lines of the file (to estimate the rows of a CSV); ``source`` stays open."""
    name = filename.lower()
    source.seek(0)
    head = source.read(len(_OLE_MAGIC))
    source.seek(0)
    if head.startswith(_OLE_MAGIC) or name.endswith(".xls"):
        raise FileProblem(
            [
                _file_error(
                    "file_format",
                    _("This is an old Excel file (.xls). Save it as XLSX or as CSV (UTF-8) and import it again."),
                )
            ]
        )
    if head.startswith(_XLSX_MAGIC) or name.endswith(".xlsx"):
        return _open_xlsx(source)
    return _open_csv(source, lines)


def _file_error(code: str, message: Any) -> RowError:
    return RowError(0, "", code, message)


def _encoding_error() -> FileProblem:
    return FileProblem(
        [
            _file_error(
                "file_encoding", _("The file is not in UTF-8. Save it as «CSV UTF-8» (or as XLSX) and import it again.")
            )
        ]
    )


def _open_csv(source: IO[bytes], lines: int) -> Table:
    stream = io.TextIOWrapper(source, encoding="utf-8-sig", newline="")
    try:
        first = stream.readline()
    except UnicodeDecodeError:
        stream.detach()  # the caller's file stays open
        raise _encoding_error() from None
    # Header names never contain either delimiter, so the more frequent one is the delimiter.
    delimiter = ";" if first.count(";") > first.count(",") else ","
    records = csv.reader(itertools.chain([first], stream), delimiter=delimiter)
    return _table(_guarded_csv(records), total=max(lines, 0), close=stream.detach)


def _guarded_csv(records: Iterator[list[str]]) -> Iterator[Sequence[Any]]:
    while True:
        try:
            record = next(records)
        except StopIteration:
            return
        except UnicodeDecodeError:
            raise _encoding_error() from None
        except csv.Error:
            raise FileProblem([_file_error("file_format", _("The file is not a readable CSV table."))]) from None
        yield record


def _open_xlsx(source: IO[bytes]) -> Table:
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    try:
        book = load_workbook(source, read_only=True, data_only=True)
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(min_row=1, values_only=True)
        total = max((sheet.max_row or 1) - 1, 0)
    except _XLSX_FAILURES:
        raise _xlsx_error() from None
    return _table(_guarded_xlsx(rows), total=total, close=book.close)


# What openpyxl raises on a damaged or foreign file; it has no single exception of its own.
_XLSX_FAILURES = (zipfile.BadZipFile, KeyError, OSError, ValueError, IndexError, TypeError, SyntaxError)


def _xlsx_error() -> FileProblem:
    return FileProblem(
        [_file_error("file_format", _("The file cannot be read as XLSX. Save it again as XLSX or as CSV (UTF-8)."))]
    )


def _guarded_xlsx(rows: Iterator[Sequence[Any]]) -> Iterator[Sequence[Any]]:
    while True:
        try:
            cells = next(rows)
        except StopIteration:
            return
        except _XLSX_FAILURES:
            raise _xlsx_error() from None
        yield cells


def _table(records: Iterable[Sequence[Any]], *, total: int, close: Callable[[], object]) -> Table:
    numbered = enumerate(records, start=1)
    for row, cells in numbered:
        if _is_blank(cells):
            continue  # blank lines above the header
        try:
            positions = _header_positions(row, cells)
        except FileProblem:
            close()
            raise
        return Table(rows=_data_rows(numbered, positions), total=max(total - row + 1, 0), close=close)
    close()
    raise FileProblem([_file_error("file_empty", _("The file is empty."))])


def _header_positions(row: int, cells: Sequence[Any]) -> list[int | None]:
    """Where each of ``COLUMNS`` is in the file; names are trimmed and compared case-insensitively."""
    errors: list[RowError] = []
    found: dict[str, int] = {}
    for position, cell in enumerate(cells):
        written = "" if cell is None else str(cell).strip()
        name = written.casefold()
        if not name:
            continue
        if name not in COLUMNS:
            errors.append(
                RowError(
                    row, written, "column_unknown", _("Unknown column: compare its name with the list of columns.")
                )
            )
        elif name in found:
            errors.append(RowError(row, name, "column_duplicate", _("This column appears twice in the header.")))
        else:
            found[name] = position
    required = list(REQUIRED_COLUMNS)
    if any(name in found for name in GUARDIAN_COLUMNS):
        required += GUARDIAN_REQUIRED_COLUMNS
    errors += [
        RowError(row, name, "column_missing", _("The header has no such column; the file needs it."))
        for name in required
        if name not in found
    ]
    if errors:
        raise FileProblem(errors)
    return [found.get(name) for name in COLUMNS]


def _data_rows(
    numbered: Iterator[tuple[int, Sequence[Any]]], positions: list[int | None]
) -> Iterator[tuple[int, Cells]]:
    for row, cells in numbered:
        if _is_blank(cells):
            continue
        width = len(cells)
        yield row, tuple(cells[p] if p is not None and p < width else None for p in positions)


def _is_blank(cells: Sequence[Any]) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells)
