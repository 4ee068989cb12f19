"""``make bench``: the evening read and the start of the year, measured side by side in one run.

Builds the dataset in a fresh bench database, starts hello, the hand-written-SQL baseline and the product
(twice: caches off and on) on gunicorn pinned to one core, drives them with wrk pinned to the other, three
rounds, medians; then the class mark entry alone and under a read load at half the saturation throughput;
then the registry import against ``COPY``. Prints the table and writes bench/results/. Every knob is an
environment variable (bench/README.md). Every server is stopped however the run ends.
"""

from __future__ import annotations

import json
import os
import platform
import secrets
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg

from bench import import_bench, registry_file
from bench.dataset import MarkEntry, mark_entry_body
from bench.load import Load, Request, finish_wrk, measure, start_wrk, stop_all, write_requests
from bench.report import render, summarise
from bench.servers import ROOT, Fleet, Server

RESULTS = ROOT / "bench" / "results"
WORK = RESULTS / "work"
PYTHON = str(ROOT / ".venv" / "bin" / "python")


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def config() -> dict[str, Any]:
    return {
        "database_url": os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dnevnik_bench"),
        "schools": env_int("BENCH_SCHOOLS", 5),
        "classes": env_int("BENCH_CLASSES", 10),
        "pupils": env_int("BENCH_PUPILS", 25),
        "weeks": env_int("BENCH_WEEKS", 9),
        "families": env_int("BENCH_FAMILIES", 200),
        "rounds": env_int("BENCH_ROUNDS", 3),
        "duration": env_int("BENCH_DURATION", 10),
        "warmup": env_int("BENCH_WARMUP", 3),
        "connections": env_int("BENCH_CONNECTIONS", 16),
        "threads": env_int("BENCH_THREADS", 1),
        "cached_repeat": env_int("BENCH_CACHED_REPEAT", 10),
        "sample": env_int("BENCH_SAMPLE", 20),
        "marks_connections": env_int("BENCH_MARKS_CONNECTIONS", 1),
        "import_pupils": env_int("BENCH_IMPORT_PUPILS", 100_000),
        "import_timeout": env_int("BENCH_IMPORT_TIMEOUT", 240),
        "port": env_int("BENCH_PORT", 8600),
        "server_cpu": os.environ.get("BENCH_SERVER_CPU", "1"),
        "client_cpu": os.environ.get("BENCH_CLIENT_CPU", "0"),
        "peer": bool(os.environ.get("ROSARIO_URL") and os.environ.get("ROSARIO_USER")),
    }


def step(message: str) -> None:
    print(f"\n== {message}", flush=True)


def machine(dsn: str) -> dict[str, Any]:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    with psycopg.connect(dsn) as connection:
        row = connection.execute("SHOW server_version").fetchone()
    return {
        "cores": os.cpu_count(),
        "cpu": model,
        "postgresql": row[0] if row else "?",
        "python": platform.python_version(),
        "kernel": platform.release(),
    }


def fresh_database(dsn: str) -> None:
    parts = urlsplit(dsn)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def product_env(cfg: dict[str, Any], **extra: str) -> dict[str, str]:
    """Production as docs/security.md describes it: DEBUG off, behind HTTPS (the bench's requests carry the
    proxy's X-Forwarded-Proto), a pinned issuer, PostgreSQL with persistent connections."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "PYTHONPATH": f"{ROOT}:{ROOT / 'src'}",
        "DATABASE_URL": cfg["database_url"],
        "DB_CONN_MAX_AGE": "600",
        "DEBUG": "off",
        "HTTPS": "on",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "OIDC_ISSUER": "https://127.0.0.1",
        "DNEVNIK_VAR_DIR": str(WORK / "var"),
        "TZ": "Europe/Moscow",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)  # noqa: S603


def get_json(url: str, headers: dict[str, str]) -> Any:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310  (our loopback servers)
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
        return json.loads(answer.read())


def check_baseline(product: Server, baseline: Server, families: list[dict[str, str]], sample: int) -> int:
    """The baseline's week JSON must equal the product's for a sample of pupils, or nothing is timed."""
    chosen = families[:: max(1, len(families) // max(1, sample))][:sample]
    for n, family in enumerate(chosen, 1):
        path = f"/api/v1/students/{family['pupil']}/diary"
        headers = {"Authorization": f"Bearer {family['token']}", "X-Forwarded-Proto": "https"}
        ours, theirs = get_json(product.url + path, headers), get_json(baseline.url + path, headers)
        if ours != theirs:
            (WORK / "mismatch.json").write_text(json.dumps({"product": ours, "baseline": theirs}, ensure_ascii=False))
            raise SystemExit(f"baseline differs from the product for pupil {family['pupil']}: see {WORK}/mismatch.json")
        if sys.stdout.isatty():
            sys.stdout.write(f"\r    baseline JSON equal to the product's: {n}/{len(chosen)} pupils")
    print(f"\r    baseline JSON equal to the product's: {len(chosen)}/{len(chosen)} pupils", flush=True)
    return len(chosen)


def peer_requests() -> tuple[str, Request] | None:
    """RosarioSIS's parent grades page, signed in as ROSARIO_USER; None when not configured."""
    url, user, password = (os.environ.get(name, "") for name in ("ROSARIO_URL", "ROSARIO_USER", "ROSARIO_PASSWORD"))
    if not (url and user):
        return None
    import requests

    session = requests.Session()
    base = url.rstrip("/")
    session.post(f"{base}/index.php?modfunc=login", data={"USERNAME": user, "PASSWORD": password}, timeout=30)
    page = os.environ.get("ROSARIO_GRADES_PATH", "/Modules.php?modname=Grades/StudentGrades.php")
    answer = session.get(base + page, timeout=30)
    if answer.status_code != 200 or 'name="USERNAME"' in answer.text:
        raise SystemExit(f"peer: cannot sign in to RosarioSIS at {base} as {user} (status {answer.status_code})")
    cookie = "; ".join(f"{name}={value}" for name, value in session.cookies.items())
    parts = urlsplit(base)
    return f"{parts.scheme}://{parts.netloc}", Request("GET", parts.path + page, (("Cookie", cookie),))


def scenarios(cfg: dict[str, Any], manifest: dict[str, Any]) -> dict[str, Path]:
    proxy = ("X-Forwarded-Proto", "https")
    families = manifest["families"]
    cookie = manifest["session_cookie"]

    def api(family: dict[str, str]) -> Request:
        headers = (("Authorization", f"Bearer {family['token']}"), proxy)
        return Request("GET", f"/api/v1/students/{family['pupil']}/diary", headers)

    def page(family: dict[str, str], suffix: str) -> Request:
        return Request(
            "GET", f"/diary/{family['pupil']}/{suffix}", ((("Cookie", f"{cookie}={family['session']}"), proxy))
        )

    def marks(entry: dict[str, Any]) -> Request:
        body = mark_entry_body(MarkEntry(**entry))
        headers = (("Authorization", f"Bearer {entry['token']}"), ("Content-Type", "application/json"), proxy)
        return Request("PUT", f"/api/v1/lessons/{entry['lesson_id']}/marks", headers, json.dumps(body))

    files = {
        "hello": [Request("GET", "/", (proxy,))],
        "api": [api(family) for family in families],
        "api_cached": [api(family) for family in families for _ in range(cfg["cached_repeat"])],
        "week_page": [page(family, "") for family in families],
        "marks_page": [page(family, "marks/") for family in families],
        "mark_entry": [marks(entry) for entry in manifest["mark_entries"]],
    }
    return {name: write_requests(WORK / f"{name}.tsv", requests) for name, requests in files.items()}


def reset_marks(dsn: str, manifest: dict[str, Any]) -> None:
    """Empty the mark-entry lessons again, so every PUT of the next run writes 30 new marks."""
    lessons = [entry["lesson_id"] for entry in manifest["mark_entries"]]
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute("DELETE FROM diary_mark WHERE lesson_id = ANY(%s)", [lessons])


def bench(cfg: dict[str, Any], fleet: Fleet) -> dict[str, Any]:
    dsn = cfg["database_url"]
    WORK.mkdir(parents=True, exist_ok=True)
    load = Load(cpu=cfg["client_cpu"], threads=cfg["threads"], connections=cfg["connections"], duration=cfg["duration"])
    env = product_env(cfg)

    step(f"dataset: fresh database {urlsplit(dsn).path.lstrip('/')}, migrate, generate")
    fresh_database(dsn)
    manage(env, "migrate", "--no-input", "-v0")
    manage(env, "collectstatic", "--no-input", "-v0")
    manifest_path = WORK / "manifest.json"
    subprocess.run(  # noqa: S603
        [
            PYTHON,
            "-m",
            "bench.dataset",
            "--out",
            str(manifest_path),
            "--import-school",
            "bench-import",
            *(f"--{name}={cfg[name]}" for name in ("schools", "classes", "pupils", "weeks", "families")),
        ],
        cwd=ROOT,
        env=env,
        check=True,
    )
    # What autovacuum would have done by the evening (and this machine's PostgreSQL runs without it): without
    # statistics the planner takes the marks of one pupil for a scan of the term's lessons.
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
    manifest = json.loads(manifest_path.read_text())
    files = scenarios(cfg, manifest)
    peer = peer_requests()
    if peer is not None:
        files["peer"] = write_requests(WORK / "peer.tsv", [peer[1]])

    step(f"servers: gunicorn, 2 workers × 4 threads, on core {cfg['server_cpu']}; wrk on core {cfg['client_cpu']}")
    port = cfg["port"]
    raw_env = {**env, "BENCH_BASELINE_DSN": urlsplit(dsn)._replace(scheme="postgresql").geturl()}
    hello = fleet.start("hello", port, "bench.hello:application", raw_env)
    baseline = fleet.start("baseline", port + 1, "bench.baseline.app:application", raw_env)
    uncached = fleet.start(
        "product", port + 2, "dnevnik.wsgi:application", {**env, "BENCH_CACHE": "off"}, chdir=ROOT / "src"
    )
    cached = fleet.start("product-cached", port + 3, "dnevnik.wsgi:application", env, chdir=ROOT / "src")
    for server in fleet.servers:
        fleet.wait_ready(server)
        print(f"    {server.name:<16} {server.url}", flush=True)
    checked = check_baseline(uncached, baseline, manifest["families"], cfg["sample"])

    plan: list[tuple[str, Server | str, Path]] = [
        ("hello", hello, files["hello"]),
        ("baseline", baseline, files["api"]),
        ("api", uncached, files["api"]),
        ("api_cached", cached, files["api_cached"]),
        ("week_page", uncached, files["week_page"]),
        ("marks_page", uncached, files["marks_page"]),
    ]
    if peer is not None:
        plan.append(("peer", peer[0], files["peer"]))

    step(f"warm-up: {cfg['warmup']} s each")
    for name, target, path in plan:
        url = target if isinstance(target, str) else target.url
        finish_wrk(start_wrk(load, url, path, duration=cfg["warmup"]), f"warm-up {name}", cfg["warmup"])

    runs: dict[str, list[dict[str, Any]]] = {name: [] for name, _t, _p in plan}
    runs |= {"mark_entry": [], "mark_entry_loaded": [], "read_load": []}
    for round_number in range(1, cfg["rounds"] + 1):
        step(f"round {round_number}/{cfg['rounds']}: {cfg['duration']} s a scenario, {cfg['connections']} connections")
        for name, target, path in plan:
            label = f"[{round_number}/{cfg['rounds']}] {name}"
            if isinstance(target, str):
                runs[name].append(finish_wrk(start_wrk(load, target, path), label, cfg["duration"]))
                runs[name][-1]["cpu_ms_per_request"] = None
            else:
                runs[name].append(measure(load, target, path, label))

    saturation = statistics.median(run["rps"] for run in runs["api"])
    half = saturation / 2
    step(f"class mark entry (30 marks a PUT), alone and under a read load of {half:.0f} req/s (half the saturation)")
    marks_options = {"connections": cfg["marks_connections"]}
    for round_number in range(1, cfg["rounds"] + 1):
        reset_marks(dsn, manifest)
        label = f"[{round_number}/{cfg['rounds']}] mark entry alone"
        runs["mark_entry"].append(measure(load, uncached, files["mark_entry"], label, **marks_options))
        reset_marks(dsn, manifest)
        reads = start_wrk(load, uncached.url, files["api"], rate=half, duration=cfg["duration"] + 2)
        time.sleep(1)
        label = f"[{round_number}/{cfg['rounds']}] mark entry under load"
        runs["mark_entry_loaded"].append(measure(load, uncached, files["mark_entry"], label, **marks_options))
        runs["mark_entry_loaded"][-1]["cpu_ms_per_request"] = None  # the server's CPU went to the reads too
        runs["read_load"].append(finish_wrk(reads, f"[{round_number}/{cfg['rounds']}] the read load", 1))
    reset_marks(dsn, manifest)
    fleet.stop()

    step(f"registry import of {cfg['import_pupils']:,} generated pupils against COPY of the same file")
    registry = WORK / f"registry-{cfg['import_pupils']}.csv"
    rows = registry_file.write(registry, cfg["import_pupils"])
    size_mb = registry.stat().st_size / 1e6
    print(f"    generated {registry.name}: {rows:,} rows, {size_mb:.1f} MB", flush=True)
    first = import_bench.run_import(registry, "bench-import", env, "first import", cfg["import_timeout"])
    again = import_bench.run_import(registry, "bench-import", env, "unchanged re-import", cfg["import_timeout"])
    copy = import_bench.copy_seconds(dsn, registry, cfg["rounds"])

    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "parameters": {k: v for k, v in cfg.items() if k != "database_url"},
        "machine": machine(dsn),
        "dataset": manifest["counts"],
        "baseline_checked_pupils": checked,
        "saturation_rps": saturation,
        "runs": runs,
        "import": {
            "pupils": cfg["import_pupils"],
            "rows": rows,
            "file_mb": size_mb,
            "first": first,
            "again": again,
            "copy_seconds": copy,
        },
    }


def _interrupt(signum: int, frame: Any) -> None:
    """SIGTERM (a CI timeout, ``kill``) ends the run like Ctrl-C: through the ``finally`` that stops the servers."""
    raise KeyboardInterrupt


def main() -> None:
    cfg = config()
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even where a shell started us ignoring it
    fleet = Fleet(cpu=cfg["server_cpu"], log_dir=WORK)
    started = time.monotonic()
    try:
        result = bench(cfg, fleet)
    except KeyboardInterrupt:
        print("\nInterrupted: stopping the servers.", file=sys.stderr)
        raise SystemExit(130) from None
    finally:
        stop_all()
        fleet.stop()
    result["seconds"] = time.monotonic() - started
    summary = summarise(result)
    (RESULTS / "latest.json").write_text(json.dumps(result, ensure_ascii=False, indent=1))
    (RESULTS / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1) + "\n")
    table = render(summary)
    (RESULTS / "latest.md").write_text(table + "\n")
    print("\n" + table)
    print(
        f"\nWritten: {RESULTS / 'summary.json'}, {RESULTS / 'latest.md'}, {RESULTS / 'latest.json'} "
        f"({result['seconds']:.0f} s in all)"
    )


if __name__ == "__main__":
    main()
