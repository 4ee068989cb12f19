"""The import through the ORM: the rules of ``rules`` in Python, writes with ``bulk_create`` and
``bulk_update`` in batches. Used on SQLite (a school's few thousand rows), and as the reference the
PostgreSQL path is tested against.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any, TypeVar

from registry.importing import rules
from registry.importing.report import Counts, RowError
from registry.importing.rows import GuardianData, ParsedRow, PupilData
from registry.models import Guardian, Pupil, School, SchoolClass

PupilKey = tuple[str, date]
T = TypeVar("T")


def _batches(items: Iterable[T]) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == rules.BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


class OrmImport:
    """Collects the parsed rows of one file for one school, checks them, then writes them."""

    def __init__(self, school: School) -> None:
        self.school = school
        self.rows: list[ParsedRow] = []
        self.pupils: dict[PupilKey, PupilData] = {}
        self.guardians: dict[tuple[PupilKey, str], GuardianData] = {}
        self.matches: dict[PupilKey, Pupil] = {}

    def add(self, parsed: ParsedRow) -> None:
        self.rows.append(parsed)

    def check(self) -> list[RowError]:
        errors = self._check_repeats()
        errors += self._check_snils_owners()
        self._match()
        errors += self._check_registry_snils()
        return errors

    def _check_repeats(self) -> list[RowError]:
        errors: list[RowError] = []
        for parsed in self.rows:
            pupil = parsed.pupil
            first = self.pupils.setdefault(pupil.key, pupil)
            if first is not pupil:
                if (pupil.grade, pupil.letter) != (first.grade, first.letter):
                    errors.append(RowError(parsed.row, "class", "pupil_conflict", rules.PUPIL_CONFLICT))
                if pupil.snils != first.snils:
                    errors.append(RowError(parsed.row, "pupil_snils", "pupil_conflict", rules.PUPIL_CONFLICT))
            guardian = parsed.guardian
            if guardian is None:
                continue
            first_guardian = self.guardians.setdefault((pupil.key, guardian.fio_key), guardian)
            if first_guardian is not guardian:
                errors += [
                    RowError(parsed.row, column, "guardian_conflict", rules.GUARDIAN_CONFLICT)
                    for column, field in rules.GUARDIAN_CONFLICT_FIELDS
                    if getattr(guardian, field) != getattr(first_guardian, field)
                ]
        return errors

    def _check_snils_owners(self) -> list[RowError]:
        errors: list[RowError] = []
        owners: dict[str, tuple[Any, ...]] = {}
        for parsed in self.rows:
            claims: list[tuple[str, str, tuple[Any, ...]]] = []
            if parsed.pupil.snils:
                claims.append(("pupil_snils", parsed.pupil.snils, ("pupil", *parsed.pupil.key)))
            if parsed.guardian is not None and parsed.guardian.snils:
                claims.append(("guardian_snils", parsed.guardian.snils, ("guardian", parsed.guardian.fio_key)))
            for column, snils, person in claims:
                if owners.setdefault(snils, person) != person:
                    errors.append(RowError(parsed.row, column, "snils_duplicate", rules.SNILS_DUPLICATE))
        return errors

    def _match(self) -> None:
        existing = list(Pupil.objects.filter(school=self.school).order_by("pk"))
        by_snils = {pupil.snils: pupil for pupil in existing if pupil.snils}
        for key, data in self.pupils.items():
            if data.snils and data.snils in by_snils:
                self.matches[key] = by_snils[data.snils]
        claimed = {pupil.pk for pupil in self.matches.values()}
        by_name: dict[PupilKey, Pupil] = {}
        for pupil in existing:
            if pupil.pk not in claimed:
                by_name.setdefault((pupil.fio_key, pupil.birth_date), pupil)
        for key in self.pupils:
            if key not in self.matches and key in by_name:
                self.matches[key] = by_name[key]

    def _check_registry_snils(self) -> list[RowError]:
        pupil_snils = {parsed.pupil.snils for parsed in self.rows if parsed.pupil.snils}
        elsewhere: set[str | None] = set()
        for batch in _batches(pupil_snils):
            elsewhere.update(
                Pupil.objects.filter(snils__in=batch).exclude(school=self.school).values_list("snils", flat=True)
            )
        guardian_snils = {parsed.guardian.snils for parsed in self.rows if parsed.guardian and parsed.guardian.snils}
        matched = {pupil.pk for pupil in self.matches.values()}
        held: set[str | None] = set()
        for batch in _batches(guardian_snils):
            held.update(
                snils
                for pk, snils in Pupil.objects.filter(snils__in=batch).values_list("pk", "snils")
                if pk not in matched
            )
        errors: list[RowError] = []
        for parsed in self.rows:
            if parsed.pupil.snils and parsed.pupil.snils in elsewhere:
                errors.append(RowError(parsed.row, "pupil_snils", "snils_taken", rules.SNILS_TAKEN))
            if parsed.guardian is not None and parsed.guardian.snils in held:
                errors.append(RowError(parsed.row, "guardian_snils", "snils_taken", rules.SNILS_TAKEN))
        return errors

    def write(self, *, now: datetime) -> Counts:
        classes_created = self._write_classes()
        classes = {(c.grade, c.letter): c.pk for c in SchoolClass.objects.filter(school=self.school)}
        to_create: list[Pupil] = []
        to_update: list[Pupil] = []
        for key, data in self.pupils.items():
            values = {
                "surname": data.surname,
                "given_name": data.given_name,
                "patronymic": data.patronymic,
                "fio_key": data.fio_key,
                "birth_date": data.birth_date,
                "snils": data.snils,
                "school_class_id": classes[(data.grade, data.letter)],
            }
            pupil = self.matches.get(key)
            if pupil is None:
                self.matches[key] = pupil = Pupil(school=self.school, updated_at=now, **values)
                to_create.append(pupil)
            elif _assign(pupil, values):
                pupil.updated_at = now
                to_update.append(pupil)
        Pupil.objects.bulk_update(to_update, [*rules.PUPIL_FIELDS, "updated_at"], batch_size=rules.BATCH)
        Pupil.objects.bulk_create(to_create, batch_size=rules.BATCH)
        guardians = self._write_guardians()
        return Counts(
            pupils_created=len(to_create),
            pupils_updated=len(to_update),
            pupils_unchanged=len(self.pupils) - len(to_create) - len(to_update),
            guardians_created=guardians[0],
            guardians_updated=guardians[1],
            guardians_unchanged=len(self.guardians) - guardians[0] - guardians[1],
            classes_created=classes_created,
        )

    def _write_classes(self) -> int:
        existing = set(SchoolClass.objects.filter(school=self.school).values_list("grade", "letter"))
        needed = sorted({(data.grade, data.letter) for data in self.pupils.values()} - existing)
        SchoolClass.objects.bulk_create(
            [SchoolClass(school=self.school, grade=grade, letter=letter) for grade, letter in needed],
            batch_size=rules.BATCH,
        )
        return len(needed)

    def _write_guardians(self) -> tuple[int, int]:
        existing = {(g.pupil_id, g.fio_key): g for g in Guardian.objects.filter(pupil__school=self.school)}
        to_create: list[Guardian] = []
        to_update: list[Guardian] = []
        for (pupil_key, fio), data in self.guardians.items():
            pupil = self.matches[pupil_key]
            values = {field: getattr(data, field) for field in rules.GUARDIAN_FIELDS}
            guardian = existing.get((pupil.pk, fio))
            if guardian is None:
                to_create.append(Guardian(pupil=pupil, fio_key=fio, **values))
            elif _assign(guardian, values):
                to_update.append(guardian)
        Guardian.objects.bulk_update(to_update, list(rules.GUARDIAN_FIELDS), batch_size=rules.BATCH)
        Guardian.objects.bulk_create(to_create, batch_size=rules.BATCH)
        return len(to_create), len(to_update)


def _assign(obj: Any, values: dict[str, Any]) -> bool:
    """Set the fields that differ; True if any did."""
    changed = False
    for field, value in values.items():
        if getattr(obj, field) != value:
            setattr(obj, field, value)
            changed = True
    return changed
