"""The task worker the settings call for: ``manage.py task_worker``.

- Tasks in the database (the embedded default): django-tasks-db's worker, made to live through a database
  restart. The library's loop ends at the first error that is not a locked SQLite file, so one
  ``pg_ctl restart`` ended the worker and every task after it waited forever. Here the loop drops its
  connections, waits (0.5 s doubling to 30 s) and goes on. A task that was running when the database went
  away is recorded as failed with that error once the database is back (what the library does with any
  failure; tasks are not retried, so nobody gets the same SMS twice).
- Tasks on RQ (``REDIS_URL``): django-rq's ``rqworker`` with django-tasks-rq's job class and RQ's scheduler
  (for tasks to run later). RQ waits out a Redis restart by itself, and each job runs in a fresh fork with
  a fresh database connection, so a database restart fails at most the jobs running at that moment.

``--batch`` runs what waits and exits (RQ's burst mode); ``--interval`` and ``--max-tasks`` are the DB
worker's.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from dnevnik import profiles
from dnevnik.reconnect import DATABASE_GONE, Backoff, drop_connections


class ResilientWorker(db_worker.Worker):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.backoff = Backoff()
        self.interrupted: tuple[DBTaskResult, BaseException] | None = None

    def run(self) -> None:
        while self.running:
            try:
                self.finish_interrupted()
                super().run()
                return  # --batch or --max-tasks done, or a signal
            except DATABASE_GONE as error:
                drop_connections()
                if not self.running:
                    return
                self.startup_delay = False
                self.backoff.wait(error, f"task worker {self.worker_id}")

    def run_task(self, db_task_result: DBTaskResult) -> None:
        try:
            super().run_task(db_task_result)
        except DATABASE_GONE as error:
            # The task failed and so did recording it: the row stays "running" unless we record it later.
            self.interrupted = (db_task_result, error)
            raise

    def finish_interrupted(self) -> None:
        if self.interrupted is not None:
            task_result, error = self.interrupted
            task_result.set_failed(error)
            self.interrupted = None


class Command(BaseCommand):
    help = "Run the task worker of the configured backend (the database's, or RQ's)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=1.0, help="DB worker: seconds between polls when idle.")
        parser.add_argument(
            "--batch", action="store_true", help="Run the tasks waiting now, then exit (RQ: burst mode)."
        )
        parser.add_argument("--max-tasks", type=int, default=None, help="DB worker: exit after this many tasks.")

    def handle(self, *args: Any, interval: float, batch: bool, max_tasks: int | None, **options: Any) -> None:
        backend = settings.TASKS["default"]
        queues = list(backend.get("QUEUES", ["default"]))
        if backend["BACKEND"] == profiles.RQ_BACKEND:
            call_command("rqworker", *queues, job_class=profiles.RQ_JOB_CLASS, with_scheduler=True, burst=batch)
            return
        logging.getLogger("django_tasks_db").setLevel(logging.INFO)
        worker = ResilientWorker(
            queue_names=queues,
            interval=interval,
            batch=batch,
            backend_name="default",
            startup_delay=True,
            max_tasks=max_tasks,
            worker_id=get_random_string(32),
            excluded_queue_names=[],
        )
        worker.configure_signals()
        worker.run()
