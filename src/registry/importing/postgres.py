"""The import on PostgreSQL: rows stream through ``COPY`` into a temporary staging table, and the
rules of ``rules`` run as a handful of set-based statements, whatever the number of rows.

Python holds one batch of rows at a time. Three temporary tables live for one import:
``registry_import_rows`` (every row whose pupil cells are good), ``registry_import_pupils`` (the
first row of each pupil, with the registry pupil it matches) and ``registry_import_guardians`` (the
first row of each guardian of a pupil). They are dropped at the end, and with the transaction when
the file is rejected. The SQL names the tables literally: no value ever enters it but as a parameter.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection

from registry.importing import rules
from registry.importing.report import MAX_ERRORS, Counts, RowError
from registry.importing.rows import ParsedRow
from registry.models import Pupil, School

_COPY_BATCH = 10_000

_CREATE_ROWS = """
    CREATE TEMP TABLE registry_import_rows (
        rn integer NOT NULL, grade smallint NOT NULL, letter text NOT NULL,
        p_surname text NOT NULL, p_given text NOT NULL, p_patronymic text NOT NULL, p_key text NOT NULL,
        p_birth date NOT NULL, p_snils text,
        g_surname text, g_given text, g_patronymic text, g_key text, g_relation text,
        g_phone text, g_email text, g_snils text
    ) ON COMMIT DROP"""

_COPY_ROWS = """
    COPY registry_import_rows (rn, grade, letter, p_surname, p_given, p_patronymic, p_key, p_birth, p_snils,
                               g_surname, g_given, g_patronymic, g_key, g_relation, g_phone, g_email, g_snils)
    FROM STDIN"""

# The first row of each pupil, with the registry pupil it matches (rule 4): by SNILS within the school,
# then by name key and birth date among the school's pupils that no pupil of the file took by SNILS.
_STAGE_PUPILS = """
    CREATE TEMP TABLE registry_import_pupils ON COMMIT DROP AS
    WITH first AS (
        SELECT DISTINCT ON (p_key, p_birth)
               rn, grade, letter, p_surname, p_given, p_patronymic, p_key, p_birth, p_snils
          FROM registry_import_rows ORDER BY p_key, p_birth, rn
    ), by_snils AS (
        SELECT f.p_key, f.p_birth, p.id FROM first f JOIN registry_pupil p ON p.snils = f.p_snils
         WHERE p.school_id = %(school)s
    ), by_name AS (
        SELECT p.fio_key, p.birth_date, min(p.id) AS id FROM registry_pupil p
         WHERE p.school_id = %(school)s AND NOT EXISTS (SELECT 1 FROM by_snils s WHERE s.id = p.id)
         GROUP BY p.fio_key, p.birth_date
    )
    SELECT f.*, coalesce(s.id, n.id) AS match_id
      FROM first f
      LEFT JOIN by_snils s USING (p_key, p_birth)
      LEFT JOIN by_name n ON n.fio_key = f.p_key AND n.birth_date = f.p_birth"""

# The staging tables are ANALYZEd only for the planner's row counts and distinct values; a sample of 3,000 rows
# (target 10) tells it as much as the default 30,000 at a tenth of the cost. Set for this transaction, then back.
_STATISTICS_TARGET = 10
_SAMPLE_LESS = """
    SELECT current_setting('default_statistics_target'), set_config('default_statistics_target', %s::text, true)"""
_SAMPLE_AS_BEFORE = "SELECT set_config('default_statistics_target', %s, true)"

_STAGE = (
    "ANALYZE registry_import_rows",
    _STAGE_PUPILS,
    """CREATE TEMP TABLE registry_import_guardians ON COMMIT DROP AS
       SELECT DISTINCT ON (p_key, p_birth, g_key)
              rn, p_key, p_birth, g_surname, g_given, g_patronymic, g_key, g_relation, g_phone, g_email, g_snils
         FROM registry_import_rows WHERE g_key IS NOT NULL ORDER BY p_key, p_birth, g_key, rn""",
    "ANALYZE registry_import_pupils",
    "ANALYZE registry_import_guardians",
)

# Rule 1: later rows of a pupil that disagree with the first one.
_PUPIL_REPEATS = """
    SELECT r.rn, (r.grade, r.letter) <> (f.grade, f.letter), r.p_snils IS DISTINCT FROM f.p_snils
      FROM registry_import_rows r JOIN registry_import_pupils f USING (p_key, p_birth)
     WHERE r.rn <> f.rn AND ((r.grade, r.letter) <> (f.grade, f.letter) OR r.p_snils IS DISTINCT FROM f.p_snils)
     ORDER BY r.rn LIMIT %s"""

# Rule 2: later rows of a guardian of a pupil that disagree with the first one (as GUARDIAN_CONFLICT_FIELDS).
_GUARDIAN_REPEATS = """
    SELECT r.rn, r.g_relation <> f.g_relation, r.g_phone <> f.g_phone, r.g_email <> f.g_email,
           r.g_snils <> f.g_snils
      FROM registry_import_rows r JOIN registry_import_guardians f USING (p_key, p_birth, g_key)
     WHERE r.rn <> f.rn AND (r.g_relation <> f.g_relation OR r.g_phone <> f.g_phone OR r.g_email <> f.g_email
                             OR r.g_snils <> f.g_snils)
     ORDER BY r.rn LIMIT %s"""

# Rule 3: every claim on a SNILS by someone other than its first claimant (pupil before guardian in a row).
_SNILS_OWNERS = """
    WITH claims AS (
        SELECT p_snils AS snils, rn, 0 AS pos, 'pupil|' || p_key || '|' || p_birth AS person
          FROM registry_import_rows WHERE p_snils IS NOT NULL
        UNION ALL
        SELECT g_snils, rn, 1, 'guardian|' || g_key FROM registry_import_rows WHERE g_snils <> ''
    ), owned AS (
        SELECT rn, pos, person, first_value(person) OVER (PARTITION BY snils ORDER BY rn, pos) AS owner
          FROM claims
    )
    SELECT rn, pos FROM owned WHERE person <> owner ORDER BY rn, pos LIMIT %s"""

# Rule 5: SNILS the registry gives a pupil of another school, or (for a guardian) a pupil the file does not match.
_SNILS_TAKEN = """
    SELECT r.rn, 0 FROM registry_import_rows r JOIN registry_pupil p ON p.snils = r.p_snils
     WHERE p.school_id <> %(school)s
    UNION ALL
    SELECT r.rn, 1 FROM registry_import_rows r JOIN registry_pupil p ON p.snils = r.g_snils
     WHERE r.g_snils <> '' AND NOT EXISTS (SELECT 1 FROM registry_import_pupils m WHERE m.match_id = p.id)
    ORDER BY 1, 2 LIMIT %(limit)s"""

_CREATE_CLASSES = """
    INSERT INTO registry_schoolclass (school_id, grade, letter)
    SELECT DISTINCT %(school)s::bigint, grade, letter FROM registry_import_pupils ORDER BY 2, 3
    ON CONFLICT (school_id, grade, letter) DO NOTHING"""

# Only rows that differ are written, so an unchanged pupil keeps its ``updated_at``.
_UPDATE_PUPILS = """
    UPDATE registry_pupil p
       SET surname = ip.p_surname, given_name = ip.p_given, patronymic = ip.p_patronymic, fio_key = ip.p_key,
           birth_date = ip.p_birth, snils = ip.p_snils, school_class_id = c.id, updated_at = %(now)s
      FROM registry_import_pupils ip
      JOIN registry_schoolclass c ON c.school_id = %(school)s AND c.grade = ip.grade AND c.letter = ip.letter
     WHERE p.id = ip.match_id
       AND (p.surname, p.given_name, p.patronymic, p.fio_key, p.birth_date, p.snils, p.school_class_id)
           IS DISTINCT FROM (ip.p_surname, ip.p_given, ip.p_patronymic, ip.p_key, ip.p_birth, ip.p_snils, c.id)"""

# New pupils, then every guardian in one upsert that writes only what differs (``xmax = 0`` tells a new row
# from an updated one); one statement, so the ids of new pupils never need writing back into the staging table.
_CREATE_PUPILS_AND_UPSERT_GUARDIANS = """
    WITH created AS (
        INSERT INTO registry_pupil (public_id, school_id, school_class_id, surname, given_name, patronymic,
                                    fio_key, birth_date, snils, status, updated_at)
        SELECT gen_random_uuid(), %(school)s, c.id, ip.p_surname, ip.p_given, ip.p_patronymic, ip.p_key, ip.p_birth,
               ip.p_snils, %(status)s, %(now)s
          FROM registry_import_pupils ip
          JOIN registry_schoolclass c ON c.school_id = %(school)s AND c.grade = ip.grade AND c.letter = ip.letter
         WHERE ip.match_id IS NULL ORDER BY ip.rn
        RETURNING id, fio_key, birth_date
    ), pupil_ids AS (
        SELECT p_key, p_birth, match_id AS id FROM registry_import_pupils WHERE match_id IS NOT NULL
        UNION ALL
        SELECT fio_key, birth_date, id FROM created
    ), written AS (
        INSERT INTO registry_guardian (pupil_id, fio_key, surname, given_name, patronymic, relation, phone, email,
                                       snils)
        SELECT pi.id, gs.g_key, gs.g_surname, gs.g_given, gs.g_patronymic, gs.g_relation, gs.g_phone, gs.g_email,
               gs.g_snils
          FROM registry_import_guardians gs JOIN pupil_ids pi ON pi.p_key = gs.p_key AND pi.p_birth = gs.p_birth
         ORDER BY gs.rn
        ON CONFLICT (pupil_id, fio_key) DO UPDATE
           SET surname = EXCLUDED.surname, given_name = EXCLUDED.given_name, patronymic = EXCLUDED.patronymic,
               relation = EXCLUDED.relation, phone = EXCLUDED.phone, email = EXCLUDED.email, snils = EXCLUDED.snils
         WHERE (registry_guardian.surname, registry_guardian.given_name, registry_guardian.patronymic,
                registry_guardian.relation, registry_guardian.phone, registry_guardian.email, registry_guardian.snils)
               IS DISTINCT FROM (EXCLUDED.surname, EXCLUDED.given_name, EXCLUDED.patronymic, EXCLUDED.relation,
                                 EXCLUDED.phone, EXCLUDED.email, EXCLUDED.snils)
        RETURNING xmax = 0 AS inserted
    )
    SELECT (SELECT count(*) FROM created), count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted),
           (SELECT count(*) FROM registry_import_pupils), (SELECT count(*) FROM registry_import_guardians)
      FROM written"""

_DROP = "DROP TABLE IF EXISTS registry_import_rows, registry_import_pupils, registry_import_guardians"


class PostgresImport:
    """Collects the parsed rows of one file for one school in a staging table, checks them, writes them."""

    def __init__(self, school: School) -> None:
        self.school_id = school.pk
        self.buffer: list[tuple[Any, ...]] = []
        _execute(_DROP)  # an earlier import in the same transaction
        _execute(_CREATE_ROWS)

    def add(self, parsed: ParsedRow) -> None:
        p, g = parsed.pupil, parsed.guardian
        guardian: tuple[Any, ...] = (
            (None,) * 8
            if g is None
            else (g.surname, g.given_name, g.patronymic, g.fio_key, g.relation, g.phone, g.email, g.snils)
        )
        self.buffer.append(
            (
                parsed.row,
                p.grade,
                p.letter,
                p.surname,
                p.given_name,
                p.patronymic,
                p.fio_key,
                p.birth_date,
                p.snils,
                *guardian,
            )
        )
        if len(self.buffer) >= _COPY_BATCH:
            self._flush()

    def _flush(self) -> None:
        if not self.buffer:
            return
        with connection.cursor() as cursor, cursor.cursor.copy(_COPY_ROWS) as copy:
            for values in self.buffer:
                copy.write_row(values)
        self.buffer = []

    def check(self) -> list[RowError]:
        self._flush()
        [(target, _set)] = _fetch(_SAMPLE_LESS, [_STATISTICS_TARGET])
        for statement in _STAGE:
            _execute(statement, {"school": self.school_id})
        _fetch(_SAMPLE_AS_BEFORE, [target])
        errors: list[RowError] = []
        for row, other_class, other_snils in _fetch(_PUPIL_REPEATS, [MAX_ERRORS]):
            if other_class:
                errors.append(RowError(row, "class", "pupil_conflict", rules.PUPIL_CONFLICT))
            if other_snils:
                errors.append(RowError(row, "pupil_snils", "pupil_conflict", rules.PUPIL_CONFLICT))
        for row, *flags in _fetch(_GUARDIAN_REPEATS, [MAX_ERRORS]):
            errors += [
                RowError(row, column, "guardian_conflict", rules.GUARDIAN_CONFLICT)
                for (column, _field), differs in zip(rules.GUARDIAN_CONFLICT_FIELDS, flags, strict=True)
                if differs
            ]
        errors += [
            RowError(row, _SNILS_COLUMNS[pos], "snils_duplicate", rules.SNILS_DUPLICATE)
            for row, pos in _fetch(_SNILS_OWNERS, [MAX_ERRORS])
        ]
        errors += [
            RowError(row, _SNILS_COLUMNS[pos], "snils_taken", rules.SNILS_TAKEN)
            for row, pos in _fetch(_SNILS_TAKEN, {"school": self.school_id, "limit": MAX_ERRORS})
        ]
        return errors

    def write(self, *, now: datetime) -> Counts:
        params = {"school": self.school_id, "now": now, "status": Pupil.Status.STUDYING.value}
        classes_created = _execute(_CREATE_CLASSES, params)
        pupils_updated = _execute(_UPDATE_PUPILS, params)
        [(pupils_created, guardians_created, guardians_updated, pupils, guardians)] = _fetch(
            _CREATE_PUPILS_AND_UPSERT_GUARDIANS, params
        )
        _execute(_DROP)
        if pupils_created + guardians_created >= _ANALYZE_AFTER:
            # A first import multiplies the registry's tables: without fresh statistics (autovacuum may come a
            # minute later, or never where it is off) the next import is planned for the empty tables: 22× slower.
            _execute(_ANALYZE_REGISTRY)
        return Counts(
            pupils_created=pupils_created,
            pupils_updated=pupils_updated,
            pupils_unchanged=pupils - pupils_created - pupils_updated,
            guardians_created=guardians_created,
            guardians_updated=guardians_updated,
            guardians_unchanged=guardians - guardians_created - guardians_updated,
            classes_created=classes_created,
        )


_ANALYZE_AFTER = 1000  # new rows; below that the existing statistics still describe the tables
_ANALYZE_REGISTRY = "ANALYZE registry_pupil, registry_guardian, registry_schoolclass"
_SNILS_COLUMNS = ("pupil_snils", "guardian_snils")


def _execute(sql: str, params: Any = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)


def _fetch(sql: str, params: Any = None) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())
