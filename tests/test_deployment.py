"""A deployment as the README and docs/security.md describe it: ``check --deploy`` clean, durable SQLite,
health-checked connections, and private keys made once, atomically, even by processes starting together."""

from __future__ import annotations

import builtins
import hashlib
import io
import os
import secrets
import stat
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings

from dnevnik import settings as settings_module
from notify import push
from portal import oidc_keys

ROOT = Path(__file__).resolve().parent.parent
# Settings an operator sets (and the browser tests' async switch); the child processes start without them.
OPERATOR_VARIABLES = {
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "DEBUG",
    "HTTPS",
    "SECURE_COOKIES",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "OIDC_ISSUER",
    "OIDC_RSA_PRIVATE_KEY",
    "HSTS_SECONDS",
    "HSTS_INCLUDE_SUBDOMAINS",
    "HSTS_PRELOAD",
    "DATABASE_URL",
    "DATABASE_REPLICA_URLS",
    "DB_POOL",
    "REDIS_URL",
    "REDIS_SESSIONS_URL",
    "REDIS_TASKS_URL",
    "TASKS_BACKEND",
    "DNEVNIK_VAR_DIR",
    "SECOND_FACTOR_REQUIRED_FOR",
    "WEBAUTHN_RP_ID",
    "WEBAUTHN_ORIGINS",
    "PUSH_BACKEND",
    "WEBPUSH_VAPID_PRIVATE_KEY",
}


def environment(var_dir: Path, **variables: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in OPERATOR_VARIABLES}
    return {**env, "DNEVNIK_VAR_DIR": str(var_dir), **variables}


def production(var_dir: Path, switch: str = "HTTPS") -> dict[str, str]:
    """The production environment of docs/security.md."""
    return environment(
        var_dir,
        **{switch: "on"},
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="dnevnik.example.ru",
        OIDC_ISSUER="https://dnevnik.example.ru",
        OIDC_RSA_PRIVATE_KEY=oidc_keys.new_private_key_pem(),
        PUSH_BACKEND="notify.push.WebPushBackend",
        WEBPUSH_VAPID_PRIVATE_KEY=push.new_private_key_pem(),
    )


def run_python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603  (our own interpreter and code)
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


CHECK_DEPLOY = """
import os, sys
sys.path.insert(0, "src")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dnevnik.settings")
import django
django.setup()
from django.core.management import call_command
call_command("check", deploy=True, fail_level="WARNING")
"""


@pytest.mark.parametrize("switch", ["HTTPS", "SECURE_COOKIES"])
def test_check_deploy_is_clean_with_the_production_settings(tmp_path: Path, switch: str) -> None:
    result = run_python(CHECK_DEPLOY, production(tmp_path, switch))
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout + result.stderr


def test_check_deploy_names_what_a_developer_machine_lacks(tmp_path: Path) -> None:
    result = run_python(CHECK_DEPLOY, environment(tmp_path))
    assert result.returncode != 0
    for check_id in ("security.W004", "security.W008", "security.W012", "oauth2_provider.W008", "dnevnik.W001"):
        assert check_id in result.stderr


def test_a_plain_http_issuer_behind_https_is_flagged(tmp_path: Path) -> None:
    result = run_python(CHECK_DEPLOY, {**production(tmp_path), "OIDC_ISSUER": "http://dnevnik.example.ru"})
    assert result.returncode != 0
    assert "dnevnik.W002" in result.stderr


def test_production_requires_the_second_factor_of_staff_and_says_when_it_is_off(tmp_path: Path) -> None:
    code = CHECK_DEPLOY.replace(
        'call_command("check", deploy=True, fail_level="WARNING")',
        "from django.conf import settings as s\n"
        "print(','.join(s.SECOND_FACTOR_REQUIRED_FOR), s.OTP_WEBAUTHN_ALLOWED_ORIGINS)",
    )
    result = run_python(code, production(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "teacher,form_tutor,registrar,operator ['https://dnevnik.example.ru']\n"
    developer = run_python(code, environment(tmp_path))
    assert developer.stdout.startswith(" ")  # off on a developer's machine and in the embedded demo
    switched_off = run_python(CHECK_DEPLOY, {**production(tmp_path), "SECOND_FACTOR_REQUIRED_FOR": ""})
    assert switched_off.returncode != 0
    assert "dnevnik.W003" in switched_off.stderr


@pytest.mark.parametrize("backend", ["notify.push.FileBackend", "notify.push.LocmemBackend"])
def test_production_warns_when_push_would_not_reach_a_phone(tmp_path: Path, backend: str) -> None:
    local = run_python(CHECK_DEPLOY, {**production(tmp_path), "PUSH_BACKEND": backend})
    assert local.returncode != 0
    assert "dnevnik.W004" in local.stderr
    assert "dnevnik.W005" not in local.stderr
    keyless = run_python(CHECK_DEPLOY, {**production(tmp_path), "WEBPUSH_VAPID_PRIVATE_KEY": ""})
    assert keyless.returncode != 0
    assert "dnevnik.W005" in keyless.stderr
    assert "dnevnik.W004" not in keyless.stderr
    developer = run_python(CHECK_DEPLOY, environment(tmp_path))
    assert "dnevnik.W004" not in developer.stderr
    assert "dnevnik.W005" not in developer.stderr


def test_production_allows_no_plain_http_redirect_uris_and_pins_the_issuer(tmp_path: Path) -> None:
    code = CHECK_DEPLOY.replace(
        'call_command("check", deploy=True, fail_level="WARNING")',
        "from django.conf import settings as s\n"
        "p = s.OAUTH2_PROVIDER\n"
        "print(sorted(p['ALLOWED_REDIRECT_URI_SCHEMES']), p['OIDC_ISS_ENDPOINT'], s.SECURE_PROXY_SSL_HEADER,"
        " s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.SECURE_HSTS_SECONDS)",
    )
    result = run_python(code, production(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split(" ", 2) == [
        "['https',",
        "'ru.dnevnik.mobile']",
        "https://dnevnik.example.ru ('HTTP_X_FORWARDED_PROTO', 'https') True True 31536000\n",
    ]


def test_sqlite_commits_are_durable_and_in_wal_mode(tmp_path: Path) -> None:
    """Read through a connection of the embedded default database, the file in ``var/``."""
    code = CHECK_DEPLOY.replace(
        'call_command("check", deploy=True, fail_level="WARNING")',
        "from django.db import connection\n"
        "with connection.cursor() as cursor:\n"
        "    cursor.execute('PRAGMA synchronous'); synchronous = cursor.fetchone()[0]\n"
        "    cursor.execute('PRAGMA journal_mode'); journal = cursor.fetchone()[0]\n"
        "print(connection.vendor, synchronous, journal)",
    )
    result = run_python(code, environment(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["sqlite", "2", "wal"]  # 2 = FULL
    assert (tmp_path / "dnevnik.sqlite3").exists()


STATIC_BACKEND = """
import os, sys
sys.path.insert(0, "src")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dnevnik.settings")
from django.conf import settings
print(settings.STORAGES["staticfiles"]["BACKEND"])
"""


def test_production_serves_static_files_by_their_remembered_hashed_names(tmp_path: Path) -> None:
    result = run_python(STATIC_BACKEND, production(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "dnevnik.static.RememberedManifestStorage"


def test_database_connections_are_health_checked() -> None:
    assert django_settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


# --- Private key files ---------------------------------------------------------------------------------------


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    """The usual umask 022, under which a plainly written file is world-readable."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.fixture
def modes_at_creation(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[tuple[str, int]]:
    """The mode of every file under ``tmp_path`` at the instant it is opened for writing."""
    seen: list[tuple[str, int]] = []
    real_open, real_os_open = io.open, os.open

    def note(path: Any) -> None:
        if isinstance(path, (str, os.PathLike)) and str(path).startswith(str(tmp_path)) and os.path.isfile(path):
            seen.append((str(path), stat.S_IMODE(os.stat(path).st_mode)))

    def spy_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        handle = real_open(file, mode, *args, **kwargs)
        if any(flag in mode for flag in "wax+"):
            note(file)
        return handle

    def spy_os_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        descriptor = real_os_open(path, flags, *args, **kwargs)
        if flags & (os.O_WRONLY | os.O_RDWR):
            note(path)
        return descriptor

    monkeypatch.setattr(builtins, "open", spy_open)
    monkeypatch.setattr(io, "open", spy_open)  # what pathlib's read_text and write_text call
    monkeypatch.setattr(os, "open", spy_os_open)
    return seen


def first_start(monkeypatch: pytest.MonkeyPatch, var_dir: Path) -> tuple[str, str]:
    monkeypatch.setattr(settings_module, "VAR_DIR", var_dir)
    return settings_module.secret_key_from_var(), oidc_keys.active_key(var_dir / "oidc-keys")


@pytest.mark.usefixtures("permissive_umask")
def test_keys_are_private_from_the_first_instant(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, modes_at_creation: list[tuple[str, int]]
) -> None:
    secret_key, oidc_key = first_start(monkeypatch, tmp_path)
    assert len(secret_key) >= 50
    assert "PRIVATE KEY" in oidc_key
    assert modes_at_creation, "the key files were written"
    assert all(mode & 0o077 == 0 for _, mode in modes_at_creation), modes_at_creation
    for path in (tmp_path / "secret_key", tmp_path / "oidc-keys" / "active.pem"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "oidc-keys").stat().st_mode) == 0o700
    assert first_start(monkeypatch, tmp_path) == (secret_key, oidc_key)  # made once, then read


@pytest.mark.usefixtures("permissive_umask")
def test_a_rotated_key_and_its_replacement_are_private(
    tmp_path: Path, modes_at_creation: list[tuple[str, int]]
) -> None:
    first = oidc_keys.active_key(tmp_path)
    retired = oidc_keys.rotate(tmp_path)
    assert retired.read_text() == first
    assert oidc_keys.active_key(tmp_path) != first
    assert all(mode & 0o077 == 0 for _, mode in modes_at_creation), modes_at_creation
    assert {stat.S_IMODE(path.stat().st_mode) for path in (retired, tmp_path / "active.pem")} == {0o600}
    assert {path.name for path in tmp_path.rglob("*") if path.is_file()} == {"active.pem", retired.name}


def racing(make: Callable[..., str], parties: int) -> Callable[..., str]:
    """``make``, but every caller waits until all of them have made their value: they all race to write."""
    barrier = threading.Barrier(parties, timeout=30)

    def slow(*args: Any, **kwargs: Any) -> str:
        value = make(*args, **kwargs)
        barrier.wait()
        return value

    return slow


def test_processes_starting_together_agree_on_one_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    parties = 6
    monkeypatch.setattr(oidc_keys, "new_private_key_pem", racing(oidc_keys.new_private_key_pem, parties))
    monkeypatch.setattr(settings_module.secrets, "token_urlsafe", racing(secrets.token_urlsafe, parties))
    results: list[tuple[str, str]] = []
    errors: list[BaseException] = []

    def start() -> None:
        try:
            results.append(first_start(monkeypatch, tmp_path))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=start) for _ in range(parties)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(results) == parties
    assert len(set(results)) == 1
    assert results[0] == (
        (tmp_path / "secret_key").read_text().strip(),
        (tmp_path / "oidc-keys" / "active.pem").read_text(),
    )
    assert sorted(path.name for path in tmp_path.rglob("*")) == ["active.pem", "oidc-keys", "secret_key"]


def test_app_processes_started_at_once_share_the_keys(tmp_path: Path) -> None:
    code = (
        "import hashlib, sys; sys.path.insert(0, 'src'); from dnevnik import settings as s; "
        "print(hashlib.sha256((s.SECRET_KEY + s.OAUTH2_PROVIDER['OIDC_RSA_PRIVATE_KEY']).encode()).hexdigest())"
    )
    env = environment(tmp_path)
    processes = [
        subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)  # noqa: S603
        for _ in range(4)
    ]
    digests = {process.communicate(timeout=120)[0].strip() for process in processes}
    on_disk = (tmp_path / "secret_key").read_text().strip() + (tmp_path / "oidc-keys" / "active.pem").read_text()
    assert digests == {hashlib.sha256(on_disk.encode()).hexdigest()}


SWITCH_INTERVAL = """
import os, sys
sys.path.insert(0, "src")
import dnevnik.wsgi
print(sys.getswitchinterval())
"""


@pytest.mark.parametrize(("variable", "expected"), [(None, 0.001), ("5", 0.005)])
def test_the_served_application_keeps_the_threads_gil_waits_short(
    tmp_path: Path, variable: str | None, expected: float
) -> None:
    """gunicorn's threads wait for the GIL at most a millisecond after a statement (``dnevnik.wsgi``), unless the
    operator says otherwise."""
    env = environment(tmp_path)
    env.pop("GIL_SWITCH_INTERVAL_MS", None)
    if variable is not None:
        env["GIL_SWITCH_INTERVAL_MS"] = variable
    answer = run_python(SWITCH_INTERVAL, env)
    assert answer.returncode == 0, answer.stderr
    assert float(answer.stdout.split()[-1]) == pytest.approx(expected)
