"""``manage.py generate_registry --pupils N --out FILE``: a synthetic registry file for the benchmark.

The file is in the format of ``docs/registry-import.md`` and always imports cleanly; ``--edited 0.01``
writes the same registry with 1 % of its rows changed, to measure an edited re-import.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm  # type: ignore[import-untyped]

from registry.importing.generate import write_registry
from registry.models import School


class Command(BaseCommand):
    help = "Write a synthetic registry file (CSV, about 1.5 rows a pupil) that import_registry accepts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--pupils", type=int, required=True, help="how many pupils")
        parser.add_argument("--out", required=True, help="the CSV file to write")
        parser.add_argument("--seed", type=int, default=1, help="the same seed gives the same file")
        parser.add_argument(
            "--start", type=int, default=0, help="number of the first pupil (another school: another start)"
        )
        parser.add_argument(
            "--edited", type=float, default=0.0, metavar="FRACTION", help="the fraction of rows changed"
        )
        parser.add_argument("--school", metavar="CODE", help="also create this school if it does not exist")

    def handle(self, *args: Any, **options: Any) -> None:
        pupils, edited = options["pupils"], options["edited"]
        if pupils < 1 or not 0 <= edited <= 1:
            raise CommandError("--pupils must be positive and --edited between 0 and 1.")
        if options["school"]:
            School.objects.get_or_create(code=options["school"], defaults={"name": f"Школа {options['school']}"})
        out = Path(options["out"])
        stream = getattr(self.stderr, "_out", sys.stderr)
        rows = 0
        with (
            out.open("w", encoding="utf-8", newline="") as file,
            tqdm(
                total=pupils * 3 // 2, unit=" rows", file=stream, disable=options["verbosity"] == 0, leave=False
            ) as bar,
        ):
            for rows in write_registry(file, pupils, start=options["start"], seed=options["seed"], edited=edited):
                bar.update(rows - bar.n)
        self.stdout.write(f"Wrote {out}: {pupils} pupils, {rows} rows.")
