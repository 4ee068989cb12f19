"""The periodic work no single request triggers: write the trusted persons' reads noted in the spool to the
view log, open trusted access that the activation task missed, expire unanswered invitations, warn families
of pupils not at school by the first lesson, drop the counted attempts that no longer count towards a rate
limit, send the email, SMS and push that are due (held through quiet hours, or retried) and the daily digests,
destroy what outlived the schools' retention periods, anonymise the accounts deleted long enough ago,
and delete the data exports whose one-time link expired unused.

Run it every few minutes from cron or a systemd timer (``manage.py run_sweeps``), or let it repeat by
itself (``--every 300``, as ``make run`` does; then a database restart only delays the next sweep). Each
sweep is idempotent, so overlapping runs are harmless.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from diary.alerts import evaluate_homework
from dnevnik.reconnect import DATABASE_GONE, Backoff, drop_connections
from erasure.services import sweep_account_deletions, sweep_retention
from notify.digest import send_digests
from notify.outbox import purge_sent, send_due
from portal.throttle import sweep as sweep_throttle
from privacy.services import sweep_exports
from registry.services import sweep_guardian_restrictions
from trust.services import flush_views, sweep_grants
from visits.alerts import sweep_late_arrivals


class Command(BaseCommand):
    help = "Run the periodic sweeps once (or every N seconds with --every)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--every", type=int, default=0, help="Repeat every this many seconds (0: run once).")

    def handle(self, *args: Any, every: int, **options: Any) -> None:
        if every <= 0:
            self.sweep()  # once, from cron: a failure is the exit status cron reports
            return
        backoff = Backoff(longest=float(every))
        while True:
            try:
                self.sweep()
            except DATABASE_GONE as error:
                # The database restarts: try again soon rather than in `every` seconds, and never end the loop.
                drop_connections()
                backoff.wait(error, "run_sweeps")
                continue
            time.sleep(every)

    def sweep(self) -> None:
        views = flush_views()
        grants = sweep_grants()
        restrictions = sweep_guardian_restrictions()
        late = sweep_late_arrivals()
        purged = sweep_throttle()
        homework_alerts = evaluate_homework()
        held = send_due()
        digests = send_digests()
        purge_sent()
        destroyed = sweep_retention()
        anonymised = sweep_account_deletions()
        exports = sweep_exports()
        summary = ", ".join(f"{name}: {count}" for name, count in grants.items())
        self.stdout.write(
            f"views written to the log: {views}; grants — {summary or 'nothing to do'}; "
            f"late-arrival notices: {late}; expired rate-limit hits: {purged}; notifications sent: {held}; "
            f"digests: {digests}; homework alerts: {homework_alerts}; guardian restrictions applied: "
            f"{restrictions['applied']}, ended: {restrictions['ended']}; "
            f"destruction records: {len(destroyed)}; accounts anonymised: {anonymised}; expired exports deleted: "
            f"{exports['expired']}, stuck exports failed: {exports['failed']}"
        )
