"""The fast lane of the PostgreSQL import: a plain CSV file goes into PostgreSQL as it is, through ``COPY``.

Most registry files are plain: one line a row, no quotes, UTF-8. Such a file is read by PostgreSQL's
own CSV parser into a staging table of raw cells, and the usual spellings of every cell (``7А``,
``Иванов``, ``14.03.2013``, ``200-300-401 49``, ``+7 916 000-00-01``…) are checked and brought to the
stored form by one set-based statement. Whatever that statement cannot vouch for — an unusual spelling,
a bad cell, a whitespace-only cell — goes back to ``rows.parse_row`` row by row, so every row is judged by
the same rules and gets the same problems as on the slow lane; the SQL only ever *accepts* a cell whose
stored form is plain from its spelling (a test holds the two lanes to the same answers).

A file that is not plain (XLSX, a quote character, a line ``\\.``, a blank line, a short row, another
encoding) is left to the slow lane: ``stage_csv`` answers None, having written nothing.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from datetime import date
from typing import IO, Any

import phonenumbers
import psycopg
from django.db import DatabaseError, connection, transaction

from registry.importing.reading import FileProblem, _header_positions, _is_blank
from registry.importing.report import COLUMNS, MAX_ERRORS, RowError
from registry.importing.rows import RELATIONS, ParsedRow, parse_row

Progress = Callable[[int, int], None]
_LINES_PER_WRITE = 1000
_ODD_BATCH = 10_000

# The letters the SQL lower-cases; the lane is used only where the database's lower() agrees with Python's.
_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ"
# Names of one word or hyphenated words of one alphabet: ``parse_name`` keeps them as they are.
_NAME = r"^(?:[А-Яа-яЁё]+(?:-[А-Яа-яЁё]+)*|[A-Za-z]+(?:-[A-Za-z]+)*)$"
_NAME_MAX = 100
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
# A strict part of what Django's ``validate_email`` accepts (dot-atom of plain characters, ASCII domain).
_EMAIL = rf"^[a-z0-9_+-]+(?:\.[a-z0-9_+-]+)*@{_LABEL}(?:\.{_LABEL})*\.[a-z]{{2,63}}$"
_EMAIL_MAX = 254


def _ru_mobile() -> str:
    metadata = phonenumbers.PhoneMetadata.metadata_for_region("RU")
    pattern = metadata.mobile.national_number_pattern if metadata and metadata.mobile else None
    if not pattern:
        raise RuntimeError("phonenumbers has no pattern of Russian mobile numbers")
    return f"^(?:{pattern.replace(chr(92) + 'd', '[0-9]')})$"


_PARAMS: dict[str, Any] = {
    "name": _NAME,
    "name_max": _NAME_MAX,
    "email": _EMAIL,
    "email_max": _EMAIL_MAX,
    "ru_mobile": _ru_mobile(),
    "relation_keys": list(RELATIONS),
    "relation_values": list(RELATIONS.values()),
}


def _empty(cell: str) -> str:
    return f"({cell} IS NULL OR {cell} = '')"


def _name_ok(cell: str, *, required: bool) -> str:
    ok = f"({cell} ~ %(name)s AND length({cell}) <= %(name_max)s)"
    return f"({cell} <> '' AND {ok})" if required else f"({_empty(cell)} OR {ok})"


def _key(*cells: str) -> str:
    """``models.fio_key`` of names the SQL accepted (letters and hyphens only): lower case, ё as е."""
    return " || '|' || ".join(f"replace(lower(coalesce({cell}, '')), 'ё', 'е')" for cell in cells)


def _snils_digits(cell: str) -> str:
    return (
        f"CASE WHEN {cell} ~ '^[0-9]{{3}}-[0-9]{{3}}-[0-9]{{3}} [0-9]{{2}}$' OR {cell} ~ '^[0-9]{{11}}$' "
        f"THEN translate({cell}, '- ', '') END"
    )


def _snils_sum(digits: str) -> str:
    return " + ".join(f"substr({digits}, {i}, 1)::int * {10 - i}" for i in range(1, 10))


def _snils_ok(cell: str, digits: str, total: str) -> str:
    """``identity.is_valid_snils`` for the 11 digits ``digits`` whose weighted sum is ``total``."""
    check = f"CASE WHEN {total} < 100 THEN {total} WHEN {total} IN (100, 101) THEN 0 "
    check += f"WHEN {total} %% 101 = 100 THEN 0 ELSE {total} %% 101 END"
    valid = f"(substr({digits}, 1, 9)::int <= 1001998 OR ({check}) = substr({digits}, 10, 2)::int)"
    return f"({_empty(cell)} OR ({digits} IS NOT NULL AND {valid}))"


def _judge_sql(extras: list[str]) -> str:
    """One statement: every plain row into ``registry_import_rows``. Each step is MATERIALIZED so that the
    planner computes a regular expression once a row instead of inlining it into every use."""
    c = [f"c{i}" for i in range(len(COLUMNS))]
    blank = " AND ".join(_empty(cell) for cell in [*c, *extras])
    guardian_any = " OR ".join(f"NOT {_empty(cell)}" for cell in c[6:])
    pupil_ok = " AND ".join(
        (
            "class_ok",
            _name_ok(c[1], required=True),
            _name_ok(c[2], required=True),
            _name_ok(c[3], required=False),
            "birth IS NOT NULL AND birth <= %(today)s",
            _snils_ok(c[5], "p_digits", "p_total"),
        )
    )
    guardian_ok = " AND ".join(
        (
            _name_ok(c[6], required=True),
            _name_ok(c[7], required=True),
            _name_ok(c[8], required=False),
            "relation IS NOT NULL",
            f"({_empty(c[10])} OR phone IS NOT NULL)",
            f"({_empty(c[11])} OR email IS NOT NULL)",
            _snils_ok(c[12], "g_digits", "g_total"),
        )
    )
    return rf"""
    INSERT INTO registry_import_rows (rn, grade, letter, p_surname, p_given, p_patronymic, p_key, p_birth, p_snils,
                                      g_surname, g_given, g_patronymic, g_key, g_relation, g_phone, g_email, g_snils)
    SELECT rn + %(header)s, rtrim(left(c0, -1), ' -')::smallint, upper(right(c0, 1)), c1, c2, coalesce(c3, ''),
           {_key("c1", "c2", "c3")}, birth, p_digits,
           CASE WHEN g_present THEN c6 END, CASE WHEN g_present THEN c7 END,
           CASE WHEN g_present THEN coalesce(c8, '') END, CASE WHEN g_present THEN {_key("c6", "c7", "c8")} END,
           CASE WHEN g_present THEN relation END, CASE WHEN g_present THEN coalesce(phone, '') END,
           CASE WHEN g_present THEN coalesce(email, '') END, CASE WHEN g_present THEN coalesce(g_digits, '') END
      FROM registry_import_raw
     CROSS JOIN LATERAL (
        SELECT {guardian_any} AS g_present,
               c0 ~ '^([1-9]|1[01])[ -]?[А-Яа-я]$' AS class_ok,
               CASE WHEN c4 ~ '^[0-9]{{1,2}}\.[0-9]{{1,2}}\.[0-9]{{4}}$' THEN 1
                    WHEN c4 ~ '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}$' THEN 2 END AS date_kind,
               {_snils_digits("c5")} AS p_digits, {_snils_digits("c12")} AS g_digits,
               translate(c10, ' ()-', '') AS phone_digits,
               CASE WHEN c9 ~ '^[A-Za-zА-Яа-яЁё]+(?: [A-Za-zА-Яа-яЁё]+)?$' THEN
                    (%(relation_values)s::text[])[array_position(%(relation_keys)s::text[], {_key("c9")})] END
               AS relation,
               CASE WHEN c11 ~ '^[A-Za-z0-9._+@-]+$' AND length(c11) <= %(email_max)s AND lower(c11) ~ %(email)s
                    THEN lower(c11) END AS email
        OFFSET 0) cells
     CROSS JOIN LATERAL (
        SELECT CASE date_kind WHEN 1 THEN split_part(c4, '.', 3)::int WHEN 2 THEN substr(c4, 1, 4)::int END AS y,
               CASE date_kind WHEN 1 THEN split_part(c4, '.', 2)::int WHEN 2 THEN substr(c4, 6, 2)::int END AS mo,
               CASE date_kind WHEN 1 THEN split_part(c4, '.', 1)::int WHEN 2 THEN substr(c4, 9, 2)::int END AS d,
               CASE WHEN p_digits IS NOT NULL THEN {_snils_sum("p_digits")} END AS p_total,
               CASE WHEN g_digits IS NOT NULL THEN {_snils_sum("g_digits")} END AS g_total,
               CASE WHEN phone_digits ~ '^(?:\+7|8|7)?9[0-9]{{9}}$' AND right(phone_digits, 10) ~ %(ru_mobile)s
                    THEN '+7' || right(phone_digits, 10) END AS phone
        OFFSET 0) parts
     CROSS JOIN LATERAL (
        SELECT CASE WHEN y >= 1900 AND mo BETWEEN 1 AND 12 THEN
                    CASE WHEN d BETWEEN 1 AND extract(day FROM make_date(y, mo, 1) + interval '1 month - 1 day')
                         THEN make_date(y, mo, d) END END AS birth
        OFFSET 0) judged
     WHERE NOT ({blank}) AND {pupil_ok} AND (NOT g_present OR ({guardian_ok}))"""  # noqa: S608  (column names, never a value)


class _NotPlain(Exception):
    """The file turned out not to be plain; the slow lane reads it."""


def stage_csv(
    source: IO[bytes], add: Callable[[ParsedRow], None], *, today: date, total: int, progress: Progress | None
) -> tuple[int, list[RowError]] | None:
    """Stage a plain CSV file through ``COPY`` into ``registry_import_rows`` (the rows that need Python are
    parsed by ``rows.parse_row`` and handed to ``add``): the number of rows and the problems of their cells.
    None, having written nothing, when the file is not plain."""
    source.seek(0)
    header = _plain_header(source.readline())
    if header is None or not _cases_agree():
        return None
    delimiter, cells = header
    try:
        _header_positions(1, cells)
    except FileProblem:
        return None  # the slow lane reports the header's problems (or the file's encoding first, as it reads)
    columns = [
        f"c{COLUMNS.index(name)}" if name in COLUMNS else f"x{n}"
        for n, name in enumerate(cell.strip().casefold() for cell in cells)
    ]
    extras = [name for name in columns if name.startswith("x")]
    try:
        with transaction.atomic():
            _execute(_create_raw(extras))
            _copy(source, columns, delimiter, total=total, progress=progress)
    except (_NotPlain, DatabaseError, psycopg.Error):  # COPY's own errors come straight from psycopg
        return None
    fast = _execute(_judge_sql(extras), {**_PARAMS, "today": today, "header": 1})
    odd, errors = _odd_rows(add, extras, today=today)
    _execute("DROP TABLE IF EXISTS registry_import_raw, registry_import_odd")
    return fast + odd, errors


def _cases_agree() -> bool:
    """Whether the database's lower() and upper() treat Cyrillic and Latin letters as Python does (not so under
    a plain "C" locale)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT lower(%s), upper(%s)", [_UPPER, _UPPER.lower()])
        lower, upper = cursor.fetchone()
    return bool(lower == _UPPER.lower() and upper == _UPPER)


def _plain_header(line: bytes) -> tuple[str, list[str]] | None:
    """The delimiter and header cells of a plain file's first line, or None."""
    line = line.removeprefix(b"\xef\xbb\xbf")
    if not line.endswith(b"\n"):
        return None
    line = line[:-1].removesuffix(b"\r")
    if b'"' in line or b"\r" in line:
        return None
    try:
        text = line.decode()
    except UnicodeDecodeError:
        return None
    delimiter = ";" if text.count(";") > text.count(",") else ","
    cells = text.split(delimiter)
    if _is_blank(cells):
        return None
    return delimiter, cells


def _create_raw(extras: list[str]) -> str:
    names = [*(f"c{i}" for i in range(len(COLUMNS))), *extras]
    return (
        "CREATE TEMP TABLE registry_import_raw (rn bigint GENERATED ALWAYS AS IDENTITY, "
        + ", ".join(f"{name} text" for name in names)
        + ") ON COMMIT DROP"
    )


_END_OF_DATA = re.compile(rb"^\\\.\r?$", re.MULTILINE)  # a line ``\.`` would end COPY's input early


def _copy(source: IO[bytes], columns: list[str], delimiter: str, *, total: int, progress: Progress | None) -> None:
    sql = f"COPY registry_import_raw ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, DELIMITER '{delimiter}')"
    lines = 0
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for chunk in _chunks(source):
            if b'"' in chunk or _END_OF_DATA.search(chunk):
                raise _NotPlain
            copy.write(chunk)
            lines += chunk.count(b"\n")
            if progress:
                progress(lines, max(total, lines))


def _chunks(source: IO[bytes]) -> Iterator[bytes]:
    while batch := list(itertools.islice(source, _LINES_PER_WRITE)):
        yield b"".join(batch)


_ODD = """
    CREATE TEMP TABLE registry_import_odd ON COMMIT DROP AS
    SELECT r.rn + 1 AS rn, {columns} FROM registry_import_raw r
     WHERE NOT ({blank}) AND NOT EXISTS (SELECT 1 FROM registry_import_rows s WHERE s.rn = r.rn + 1)"""


def _odd_rows(add: Callable[[ParsedRow], None], extras: list[str], *, today: date) -> tuple[int, list[RowError]]:
    """The rows the SQL did not vouch for, judged by ``rows.parse_row`` as on the slow lane."""
    names = [*(f"c{i}" for i in range(len(COLUMNS))), *extras]
    blank = " AND ".join(_empty(f"r.{name}") for name in names)
    _execute(_ODD.format(columns=", ".join(f"r.{name}" for name in names), blank=blank))
    _execute("CREATE INDEX ON registry_import_odd (rn)")
    rows, last = 0, 0
    errors: list[RowError] = []
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT rn, {', '.join(names)} FROM registry_import_odd WHERE rn > %s ORDER BY rn LIMIT %s",  # noqa: S608
                [last, _ODD_BATCH],
            )
            batch = cursor.fetchall()
        if not batch:
            return rows, errors
        for row, *cells in batch:
            last = row
            if _is_blank(cells):
                continue
            rows += 1
            parsed, row_errors = parse_row(row, tuple(cells[: len(COLUMNS)]), today=today)
            if row_errors and len(errors) <= MAX_ERRORS:
                errors += row_errors
            if parsed is not None:
                add(parsed)


def _execute(sql: str, params: Any = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)
