"""Parallel sign-ins cannot outrun the limits: the check and the count are one step (issue 11, part 3).

Seen before the fix: 12 parallel POSTs to /signin/ from different addresses, the right password
last, signed in although 5 failures lock the account. Here real HTTP requests race each other
against a real gunicorn (two worker processes with eight threads each, the shape ``make run``
serves) on the test's PostgreSQL database, or on SQLite over a migrated file (the suite's SQLite
database lives in memory, out of another process's reach).

A guess is counted before its password is checked and a refused guess records nothing, so the
recorded hits are exactly the passwords that were checked.
"""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from django.conf import settings as django_settings
from django.db import connection

from portal.models import ThrottleHit, User
from tests.conftest import PASSWORD, registration_data

ROOT = Path(__file__).resolve().parents[2]
WRONG = "Wrong-Password-1"
SECRET_KEY = "race-test-secret-key-" + "x" * 40

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass
class Served:
    url: str
    hits: Callable[[str, str | None], int]  # hits of a rule, for one key or (None) for all
    user_id: Callable[[str], int]

    def csrf(self) -> str:
        return str(requests.get(f"{self.url}/signin/", timeout=30).cookies["csrftoken"])

    def register(self, number: int) -> str:
        email = f"racer{number}@example.ru"
        token = self.csrf()
        data = registration_data(email=email, phone=f"+7912000{number:04d}", snils="")
        response = requests.post(
            f"{self.url}/register/",
            data={**data, "csrfmiddlewaretoken": token},
            cookies={"csrftoken": token},
            allow_redirects=False,
            timeout=60,
        )
        assert response.status_code == 302, response.text[:2000]
        return email

    def sign_in_in_parallel(self, attempts: list[tuple[str, str, str]]) -> list[bool]:
        """(login, password, client address) each in its own request, all let go at once; True = signed in."""
        token = self.csrf()
        start = threading.Barrier(len(attempts))

        def one(attempt: tuple[str, str, str]) -> bool:
            login, password, address = attempt
            start.wait(timeout=60)
            response = requests.post(
                f"{self.url}/signin/",
                data={"csrfmiddlewaretoken": token, "login": login, "password": password},
                cookies={"csrftoken": token},
                headers={"X-Forwarded-For": address},
                allow_redirects=False,
                timeout=120,
            )
            assert response.status_code in (200, 302), response.text[:2000]
            return response.status_code == 302

        with ThreadPoolExecutor(max_workers=len(attempts)) as pool:
            return list(pool.map(one, attempts))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def migrated_var(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A var/ directory with a migrated SQLite file, copied for each gunicorn."""
    var = tmp_path_factory.mktemp("race-var")
    env = {**os.environ, "DNEVNIK_VAR_DIR": str(var), "DATABASE_URL": f"sqlite:///{var / 'db.sqlite3'}"}
    env["SECRET_KEY"] = SECRET_KEY
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--verbosity", "0"], cwd=ROOT, env=env, check=True, timeout=300
    )
    return var


def database_of_this_test(var: Path) -> tuple[str, Callable[[str, str | None], int], Callable[[str], int]]:
    """The URL gunicorn should use, and how the test reads the hits and an account's id from it."""
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{host}/{db['NAME']}"

        def orm_hits(rule: str, key: str | None) -> int:
            found = ThrottleHit.objects.filter(rule=rule)
            return (found.filter(key=key) if key else found).count()

        return url, orm_hits, lambda email: User.objects.get(email=email).pk

    # The suite's SQLite database lives in memory, out of another process's reach: a migrated file instead.
    database = var / "db.sqlite3"

    def query(sql: str, *args: str) -> Any:
        with sqlite3.connect(database, timeout=30) as db:
            return db.execute(sql, args).fetchone()[0]

    def file_hits(rule: str, key: str | None) -> int:
        if key is None:
            return int(query("SELECT COUNT(*) FROM portal_throttlehit WHERE rule = ?", rule))
        return int(query("SELECT COUNT(*) FROM portal_throttlehit WHERE rule = ? AND key = ?", rule, key))

    return (
        f"sqlite:///{database}",
        file_hits,
        lambda email: int(query("SELECT id FROM portal_user WHERE email = ?", email)),
    )


@pytest.fixture
def serve(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[int], Served]]:
    """A gunicorn whose account limit is ``account_limit`` failures in 15 minutes, behind a trusted
    proxy at 127.0.0.1 (so each request names its client address in X-Forwarded-For)."""
    processes: list[subprocess.Popen[bytes]] = []

    def start(account_limit: int) -> Served:
        var = tmp_path / f"var-{account_limit}"
        if connection.vendor == "postgresql":
            var.mkdir()
        else:
            shutil.copytree(request.getfixturevalue("migrated_var"), var)
        database_url, hits, user_id = database_of_this_test(var)
        port = free_port()
        env = {
            **os.environ,
            "DNEVNIK_VAR_DIR": str(var),
            "DATABASE_URL": database_url,
            "DB_CONN_MAX_AGE": "0",
            "SECRET_KEY": SECRET_KEY,
            "TASKS_BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "TRUSTED_PROXIES": "127.0.0.1/32",
            "RATE_LIMIT_SIGNIN_ACCOUNT": f"{account_limit}/900",
            "DEBUG": "true",  # static files by name, without a collectstatic manifest
            "DJANGO_SETTINGS_MODULE": "tests.gunicorn_settings",
            "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'src'}",
        }
        process = subprocess.Popen(  # noqa: S603 (our own gunicorn, arguments fixed here)
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "dnevnik.wsgi:application",
                "--chdir",
                "src",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--threads",
                "8",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=(var / "gunicorn.log").open("wb"),
        )
        processes.append(process)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                if requests.get(f"{url}/signin/", timeout=30).status_code == 200:
                    break
            except requests.RequestException:
                pass
            assert process.poll() is None, (var / "gunicorn.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.3)
        return Served(url=url, hits=hits, user_id=user_id)

    yield start
    for process in processes:
        process.terminate()
        process.wait(timeout=30)


def test_parallel_wrong_guesses_stop_at_the_limit_and_the_right_password_after_them_never_signs_in(
    serve: Callable[[int], Served],
) -> None:
    served = serve(5)
    email = served.register(1)
    account = f"user:{served.user_id(email)}"

    first = served.sign_in_in_parallel([(email, WRONG, f"198.51.100.{n}") for n in range(30)])
    assert not any(first)
    assert served.hits("signin_account", account) == 5, "exactly the limit is recorded, none lost, none over"
    assert served.hits("signin_address", None) == 5, "a refused guess records nothing"

    # The seen attack: 12 parallel POSTs from fresh addresses, the right password among them and last.
    second = [(email, WRONG, f"203.0.113.{n}") for n in range(11)] + [(email, PASSWORD, "203.0.113.99")]
    second[5] = (email, PASSWORD, "203.0.113.55")
    assert served.sign_in_in_parallel(second) == [False] * 12
    assert served.hits("signin_account", account) == 5


def test_thirty_parallel_wrong_guesses_record_exactly_thirty(serve: Callable[[int], Served]) -> None:
    served = serve(50)
    email = served.register(2)
    account = f"user:{served.user_id(email)}"

    assert not any(served.sign_in_in_parallel([(email, WRONG, f"198.51.100.{n}") for n in range(30)]))
    assert served.hits("signin_account", account) == 30

    # Within the limit the right password still works, and the count starts afresh.
    assert served.sign_in_in_parallel([(email, PASSWORD, "198.51.100.200")]) == [True]
    assert served.hits("signin_account", account) == 0


def test_parallel_guesses_from_one_address_stop_at_the_address_limit(serve: Callable[[int], Served]) -> None:
    served = serve(5)
    email = served.register(3)
    limit = django_settings.RATE_LIMITS["signin_address"][0]

    guesses = [(f"stranger{n}@example.ru", WRONG, "192.0.2.7") for n in range(30)]
    assert not any(served.sign_in_in_parallel(guesses))
    assert served.hits("signin_address", "ip:192.0.2.7") == limit == 10

    assert served.sign_in_in_parallel([(email, PASSWORD, "192.0.2.7")]) == [False], "the address is paused"
    assert served.sign_in_in_parallel([(email, PASSWORD, "192.0.2.8")]) == [True]
