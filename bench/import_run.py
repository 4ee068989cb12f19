"""One timed registry import, in its own process (``python -m bench.import_run FILE SCHOOL``): the product's
``registry.importing.import_registry`` — what ``manage.py import_registry`` and the back office call — timed
from reading the file to the commit, without the interpreter's and Django's start-up, as ``COPY`` is timed.
Prints a running counter of rows, then one line ``BENCH_IMPORT {...}``."""

from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    path, code = Path(sys.argv[1]), sys.argv[2]
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from registry.importing import import_registry
    from registry.models import School

    school = School.objects.get(code=code)
    shown = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        if now - shown[0] >= 1 or done == total:
            shown[0] = now
            sys.stderr.write(f"\r      {done:,}/{total:,} rows ({now - started:.0f} s)")
            sys.stderr.flush()

    started = time.monotonic()
    report = import_registry(school=school, data=path.read_bytes(), filename=path.name, progress=progress)
    seconds = time.monotonic() - started
    sys.stderr.write("\n")
    print("BENCH_IMPORT " + json.dumps({"seconds": seconds, "report": asdict(report)}, default=str))


if __name__ == "__main__":
    main()
