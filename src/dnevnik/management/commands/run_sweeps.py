"""The periodic work no single request triggers: open trusted access that the activation task missed,
expire unanswered invitations, warn families of pupils not at school by the first lesson, drop the
counted attempts that no longer count towards a rate limit, send the email and SMS held through a
school's quiet hours.

Run it every few minutes from cron or a systemd timer (``manage.py run_sweeps``), or let it repeat by
itself (``--every 300``, as ``make run`` does). Each sweep is idempotent, so overlapping runs are harmless.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from notify.services import deliver_held_messages
from portal.throttle import sweep as sweep_throttle
from trust.services import sweep_grants
from visits.alerts import sweep_late_arrivals


class Command(BaseCommand):
    help = "Run the periodic sweeps once (or every N seconds with --every)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--every", type=int, default=0, help="Repeat every this many seconds (0: run once).")

    def handle(self, *args: Any, every: int, **options: Any) -> None:
        while True:
            self.sweep()
            if every <= 0:
                return
            time.sleep(every)

    def sweep(self) -> None:
        grants = sweep_grants()
        late = sweep_late_arrivals()
        purged = sweep_throttle()
        held = deliver_held_messages()
        summary = ", ".join(f"{name}: {count}" for name, count in grants.items())
        self.stdout.write(
            f"grants — {summary or 'nothing to do'}; late-arrival notices: {late}; expired rate-limit hits: {purged}; "
            f"held notifications sent: {held}"
        )
