"""The task worker lives through a PostgreSQL restart: a notification queued after ``pg_ctl stop -m
immediate`` and a start again is delivered by the same worker process, which never exited.

On a scratch cluster of the test's own (``tests.pgcluster``), never on the machine's PostgreSQL.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pgcluster import Cluster, primary_cluster, wait_for

ROOT = Path(__file__).resolve().parent.parent.parent
# The operator's variables of the outer run must not leak into the processes of the scratch cluster.
LEAKS = {"DATABASE_URL", "DATABASE_REPLICA_URLS", "REDIS_URL", "TASKS_BACKEND", "DB_POOL", "DNEVNIK_VAR_DIR", "DEBUG"}

ENQUEUE = """
import os, sys
sys.path.insert(0, "src")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dnevnik.settings")
import django
django.setup()
from django.db import transaction
from django.utils import timezone
from notify.services import notify
from portal.models import User
now = timezone.now()
user = User.objects.filter(email="worker@example.ru").first() or User.objects.create_user(
    "worker@example.ru", "Correct-Horse-42", surname="Рабочев", given_name="Пётр", phone="+79000000901",
    email_confirmed_at=now, phone_confirmed_at=now)
with transaction.atomic():
    notify(kind="mark", user_ids=[user.pk], subject=sys.argv[1], body="")
"""

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="PostgreSQL-only: runs in the PostgreSQL pass of the suite (TEST_DATABASE_URL), on a scratch cluster",
)


def environment(cluster: Cluster, var_dir: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in LEAKS}
    return {**env, "DATABASE_URL": cluster.url("dnevnik"), "DB_CONN_MAX_AGE": "60", "DNEVNIK_VAR_DIR": str(var_dir)}


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, timeout=300)  # noqa: S603


@pytest.fixture
def migrated(tmp_path: Path) -> Iterator[tuple[Cluster, dict[str, str]]]:
    with primary_cluster() as cluster:
        cluster.psql("CREATE DATABASE dnevnik")
        env = environment(cluster, tmp_path)
        manage(env, "migrate", "--no-input", "-v0")
        yield cluster, env


def delivered(cluster: Cluster, subject: str) -> bool:
    sql = f"SELECT count(*) FROM notify_notification WHERE subject = '{subject}'"  # noqa: S608  (our constants)
    return cluster.psql(sql, "dnevnik") == "1"


def statuses(cluster: Cluster) -> list[str]:
    """The tasks' results: recorded just after the task's own commit, so waited for as well."""
    return cluster.psql("SELECT status FROM django_tasks_database_dbtaskresult ORDER BY enqueued_at", "dnevnik").split()


def enqueue(env: dict[str, str], subject: str) -> None:
    subprocess.run([sys.executable, "-c", ENQUEUE, subject], cwd=ROOT, env=env, check=True, timeout=120)  # noqa: S603


def test_a_task_queued_after_a_database_restart_is_done_by_the_same_worker(
    migrated: tuple[Cluster, dict[str, str]], tmp_path: Path
) -> None:
    cluster, env = migrated
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "task_worker", "--interval", "0.2"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        enqueue(env, "before")
        wait_for(lambda: delivered(cluster, "before"), timeout=60)

        cluster.stop("immediate")
        time.sleep(3)  # the worker polls a dead server meanwhile, and backs off
        assert worker.poll() is None, "the worker ended when the database stopped"
        cluster.start()

        enqueue(env, "after")
        wait_for(lambda: delivered(cluster, "after"), timeout=90)
        assert worker.poll() is None
        output = (tmp_path / "worker.log").read_text()
        assert "the database is unavailable" in output, output
        wait_for(lambda: statuses(cluster) == ["SUCCESSFUL", "SUCCESSFUL"], timeout=30)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        log.close()
