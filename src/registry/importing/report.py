"""What an import tells the registrar: the counts of a clean file, or every problem of a bad one."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from core.errors import DomainError
from registry.errors import RegistryCode

# The registrar cannot act on more than this at once; a file this bad is usually the wrong file.
MAX_ERRORS = 1000

COLUMNS = (
    "class",
    "pupil_surname",
    "pupil_name",
    "pupil_patronymic",
    "pupil_birth_date",
    "pupil_snils",
    "guardian_surname",
    "guardian_name",
    "guardian_patronymic",
    "guardian_relation",
    "guardian_phone",
    "guardian_email",
    "guardian_snils",
)
_COLUMN_ORDER = {name: position for position, name in enumerate(COLUMNS)}


@dataclass(frozen=True)
class RowError:
    """One problem of the file: ``row`` as a spreadsheet numbers it (the header is row 1; 0 is the
    file as a whole), the ``column`` as named in the header, a stable ``code`` and a readable message."""

    row: int
    column: str
    code: str
    message: StrOrPromise

    def sort_key(self) -> tuple[int, int, str, str]:
        return (self.row, _COLUMN_ORDER.get(self.column, len(COLUMNS)), self.column, self.code)

    def __str__(self) -> str:
        if self.row == 0:
            return f"file: {self.message}"
        return f"row {self.row}, column {self.column}: {self.message}"


def sorted_errors(errors: list[RowError]) -> list[RowError]:
    """The errors in file order, at most ``MAX_ERRORS`` of them (then a last one saying so)."""
    ordered = sorted(errors, key=RowError.sort_key)
    if len(ordered) <= MAX_ERRORS:
        return ordered
    return [
        *ordered[:MAX_ERRORS],
        RowError(0, "", "too_many_errors", _("There are more problems than listed; fix these and import again.")),
    ]


class ImportRejected(DomainError):
    """The file had problems, so nothing was imported; ``errors`` names each row, column and reason."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(
            RegistryCode.IMPORT_REJECTED, _("The file was not imported: fix the problems listed and import it again.")
        )
        self.errors = errors


@dataclass(frozen=True)
class ImportReport:
    """What a clean import did. A pupil or guardian is counted once, however many rows name them."""

    filename: str
    rows: int
    pupils_created: int
    pupils_updated: int
    pupils_unchanged: int
    guardians_created: int
    guardians_updated: int
    guardians_unchanged: int
    classes_created: int

    @property
    def changed(self) -> bool:
        return bool(
            self.pupils_created
            or self.pupils_updated
            or self.guardians_created
            or self.guardians_updated
            or self.classes_created
        )


@dataclass(frozen=True)
class Counts:
    """What a write path reports back; ``ImportReport`` adds the file's name and rows."""

    pupils_created: int = 0
    pupils_updated: int = 0
    pupils_unchanged: int = 0
    guardians_created: int = 0
    guardians_updated: int = 0
    guardians_unchanged: int = 0
    classes_created: int = 0
