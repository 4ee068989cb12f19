"""Generate a term of turnstile passes and meals for one school's pupils, for benchmarks.

For every pupil studying at ``--school`` and every day of the last ``--weeks`` weeks (up to now) on which
the pupil's class has lessons (Monday to Friday, 08:30–14:00, for a class without lessons): passes
in and out, breakfast and lunch purchases with items, top-ups when the balance runs low; then the meal
accounts are set from the events. Rows go in with ``bulk_create`` in batches; event ids are deterministic
for a ``--seed``, so a second run with the same seed adds nothing.
"""

from __future__ import annotations

import random
import sys
import time as clock
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone
from tqdm import tqdm  # type: ignore[import-untyped]

from registry.models import Pupil, School
from visits.demo import SchoolDay, Who, balances_before, day_meals, day_passes, recompute_balances, school_days
from visits.models import MealEvent, Pass


def _weekdays(start: date, end: date) -> list[date]:
    return [
        start + timedelta(days=n) for n in range((end - start).days + 1) if (start + timedelta(days=n)).weekday() < 5
    ]


class Command(BaseCommand):
    help = "Generate turnstile passes and meals for one school's pupils over the last N weeks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--school", required=True, help="The school's code.")
        parser.add_argument("--weeks", type=int, default=9)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--batch-size", type=int, default=5000)

    def handle(self, *args: Any, **options: Any) -> None:
        school = School.objects.filter(code=options["school"]).first()
        if school is None:
            raise CommandError(f"No school has the code {options['school']!r}.")
        if options["weeks"] < 1:
            raise CommandError("--weeks must be at least 1.")
        started = clock.monotonic()
        rows = self.generate(school, options)
        elapsed = max(clock.monotonic() - started, 1e-6)
        self.stdout.write(
            self.style.SUCCESS(
                f"Done: {rows['passes']} passes, {rows['meals']} meal events, {rows['accounts']} meal accounts for "
                f"{rows['pupils']} pupils of {school.code} in {elapsed:.1f} s "
                f"({(rows['passes'] + rows['meals']) / elapsed:,.0f} rows/s)"
            )
        )

    @transaction.atomic
    def generate(self, school: School, options: dict[str, Any]) -> dict[str, int]:
        batch, seed = options["batch_size"], options["seed"]
        now = timezone.now()
        today = timezone.localdate(now)
        start = today - timedelta(days=7 * options["weeks"] - 1)
        tz = timezone.get_current_timezone()
        by_class_day = school_days(school, start, today)
        fallback = {
            day: SchoolDay(datetime.combine(day, time(8, 30), tzinfo=tz), datetime.combine(day, time(14, 0), tzinfo=tz))
            for day in _weekdays(start, today)
        }
        balances = balances_before(school, datetime.combine(start, time(0), tzinfo=tz))
        pupils = list(
            Pupil.objects.filter(school=school, status=Pupil.Status.STUDYING)
            .order_by("pk")
            .values_list("pk", "school_class_id")
        )
        by_class: dict[int, list[tuple[date, SchoolDay]]] = {}
        for (class_id, day), lessons in sorted(by_class_day.items(), key=lambda item: item[0][1]):
            by_class.setdefault(class_id, []).append((day, lessons))
        weekdays = sorted(fallback.items())
        rng = random.Random(seed)  # noqa: S311  (benchmark data, not secrets)
        passes: list[Pass] = []
        meals: list[MealEvent] = []
        made = {"passes": 0, "meals": 0}

        def flush(final: bool = False) -> None:
            if passes and (final or len(passes) >= batch):
                made["passes"] += len(Pass.objects.bulk_create(passes, batch_size=batch, ignore_conflicts=True))
                passes.clear()
            if meals and (final or len(meals) >= batch):
                made["meals"] += len(MealEvent.objects.bulk_create(meals, batch_size=batch, ignore_conflicts=True))
                meals.clear()

        # tqdm redraws its line with carriage returns, which Django's output wrapper would break up.
        stream = getattr(self.stderr, "_out", sys.stderr)
        for pupil_id, class_id in tqdm(
            pupils, unit=" pupils", file=stream, disable=options["verbosity"] == 0, leave=False
        ):
            who = Who(pupil_id=pupil_id, school_id=school.pk, prefix=f"gen{seed}")
            days = by_class.get(class_id, weekdays)
            balance = balances.get(pupil_id, 0)
            for day, lessons in days:
                passes.extend(one for one in day_passes(who, day, lessons, rng) if one.occurred_at <= now)
                events, balance = day_meals(who, day, lessons, rng, balance)
                meals.extend(event for event in events if event.occurred_at <= now)
            flush()
        flush(final=True)
        accounts = recompute_balances(school, now)
        return {**made, "accounts": accounts, "pupils": len(pupils)}
