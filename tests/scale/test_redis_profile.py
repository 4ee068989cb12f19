"""The Redis profile against the machine's Redis (DB 4 for the cache and the sessions, DB 5 for the queue;
``REDIS_TEST_URL``/``REDIS_TEST_TASKS_URL`` move them): the values ``settings`` builds from ``REDIS_URL``,
a notification queued through the product and run by a real RQ worker, the cache, and a session that
lives in Redis. Skipped, loudly, only when no Redis answers."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import django_rq
import pytest
import redis
from django.core.cache import caches
from django.db import transaction
from django_tasks_rq import Job
from rq import SimpleWorker

from dnevnik import profiles
from notify.models import Notification
from notify.services import notify
from tests.diary.conftest import make_account

ROOT = Path(__file__).resolve().parent.parent.parent
CACHE_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/4")
QUEUE_URL = os.environ.get("REDIS_TEST_TASKS_URL", "redis://127.0.0.1:6379/5")


def redis_answers() -> bool:
    try:
        return bool(redis.Redis.from_url(CACHE_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


if not redis_answers():
    message = f"!!! Redis at {CACHE_URL} does not answer: THE REDIS / RQ PROFILE IS NOT TESTED !!!"
    if os.environ.get("CI") == "true":
        raise RuntimeError(message)
    print(message, file=sys.stderr)
    pytest.skip(message, allow_module_level=True)


@pytest.fixture
def redis_profile(settings: Any) -> Iterator[None]:
    """The settings REDIS_URL gives (``test_redis_url_selects_the_profile`` proves they are the same)."""
    for url in (CACHE_URL, QUEUE_URL):
        redis.Redis.from_url(url).flushdb()  # our own DBs only
    settings.CACHES = profiles.redis_caches(CACHE_URL)
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    settings.SESSION_CACHE_ALIAS = "sessions"
    settings.RQ_QUEUES = profiles.rq_queues(QUEUE_URL)
    settings.TASKS = profiles.tasks(profiles.RQ_BACKEND)
    yield
    for url in (CACHE_URL, QUEUE_URL):
        redis.Redis.from_url(url).flushdb()


def test_redis_url_selects_the_profile(tmp_path: Path) -> None:
    code = (
        "import sys; sys.path.insert(0, 'src'); from dnevnik import settings as s; "
        "print(s.CACHES['default']['BACKEND'], s.CACHES['diary']['LOCATION'], s.SESSION_ENGINE, "
        "s.TASKS['default']['BACKEND'], s.RQ_QUEUES['default']['URL'], 'django_rq' in s.INSTALLED_APPS)"
    )
    env = {k: v for k, v in os.environ.items() if k not in {"TASKS_BACKEND", "REDIS_TASKS_URL"}}
    env |= {"REDIS_URL": CACHE_URL, "DNEVNIK_VAR_DIR": str(tmp_path)}
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.core.cache.backends.redis.RedisCache",
        CACHE_URL,
        "django.contrib.sessions.backends.cache",
        profiles.RQ_BACKEND,
        CACHE_URL,
        "True",
    ]


def test_without_redis_the_embedded_default_has_both_aliases_in_memory() -> None:
    assert set(profiles.local_caches()) == {"default", "diary"}


@pytest.mark.usefixtures("redis_profile")
def test_a_notification_is_queued_in_redis_and_delivered_by_an_rq_worker(
    db: None, django_capture_on_commit_callbacks: Any
) -> None:
    person = make_account("rq@example.ru", "+79000000950")
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        notify(kind="mark", user_ids=[person.pk], subject="Оценка 5", body="Алгебра")
    # Enqueued after the commit, into Redis, and not run yet:
    queue = django_rq.get_queue("default", job_class=Job)
    assert queue.count == 1
    assert not Notification.objects.filter(user=person).exists()
    worker = SimpleWorker([queue], connection=queue.connection, job_class=Job)
    assert worker.work(burst=True)
    assert list(Notification.objects.filter(user=person).values_list("subject", flat=True)) == ["Оценка 5"]
    assert queue.count == 0


@pytest.mark.usefixtures("redis_profile")
def test_the_caches_and_the_session_live_in_redis(db: None, client: Any) -> None:
    caches["diary"].set("week", {"marks": ["5"]}, 30)
    assert caches["diary"].get("week") == {"marks": ["5"]}
    assert caches["default"].get("week") is None  # the aliases keep apart
    raw = redis.Redis.from_url(CACHE_URL)
    assert any(b"dnevnik:diary" in key for key in raw.keys("*"))
    person = make_account("session@example.ru", "+79000000951")
    client.force_login(person)
    assert any(b"dnevnik:sessions" in key for key in raw.keys("*"))
    assert client.get("/cabinet/").status_code == 200
