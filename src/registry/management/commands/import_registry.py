"""``manage.py import_registry FILE --school CODE``: import a school's registry from CSV or XLSX."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm  # type: ignore[import-untyped]

from registry.importing import ImportRejected, ImportReport, import_registry
from registry.models import School


class Command(BaseCommand):
    help = (
        "Import a school's registry (pupils and guardians) from a CSV or XLSX file. A file with any bad row "
        "imports nothing; every problem is printed. See docs/registry-import.md for the columns."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the CSV (UTF-8, ';' or ',') or XLSX file")
        parser.add_argument("--school", required=True, metavar="CODE", help="the code of the school")

    def handle(self, *args: Any, **options: Any) -> None:
        school = School.objects.filter(code=options["school"]).first()
        if school is None:
            raise CommandError(f"No school has the code {options['school']!r}.")
        path = Path(options["file"])
        try:
            data = path.open("rb")  # streamed: a file of a million pupils is never read whole into memory
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror or error}.") from None
        # tqdm redraws its line with carriage returns, which Django's output wrapper would break up.
        stream = getattr(self.stderr, "_out", sys.stderr)
        with data, tqdm(total=0, unit=" rows", file=stream, disable=options["verbosity"] == 0, leave=False) as bar:

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            try:
                report = import_registry(
                    school=school, data=data, filename=path.name, progress=progress, phase=bar.set_description
                )
            except ImportRejected as rejected:
                bar.close()
                for problem in rejected.errors:
                    self.stderr.write(str(problem))
                problems = sum(1 for problem in rejected.errors if problem.code != "too_many_errors")
                raise CommandError(
                    f"{path.name} was not imported: {problems} problem(s); nothing was written."
                ) from None
        self.stdout.write(self._summary(report, school))

    @staticmethod
    def _summary(report: ImportReport, school: School) -> str:
        return "\n".join(
            (
                f"Imported {report.filename} into {school.code} ({school.name}): {report.rows} rows.",
                f"Pupils: {report.pupils_created} created, {report.pupils_updated} updated, "
                f"{report.pupils_unchanged} unchanged.",
                f"Guardians: {report.guardians_created} created, {report.guardians_updated} updated, "
                f"{report.guardians_unchanged} unchanged.",
                f"Classes created: {report.classes_created}.",
            )
        )
