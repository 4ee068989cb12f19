"""The bench's summary (medians of the rounds, the ratios of issue 13's targets) and its Markdown table."""

from __future__ import annotations

import statistics
from typing import Any

ROWS = [
    ("hello", 'bare "hello" on the same gunicorn'),
    ("baseline", "the same week JSON from hand-written SQL (psycopg, same server)"),
    ("api", "Dnevnik `GET /api/v1/students/{id}/diary` (bearer), uncached"),
    ("api_cached", "the same, cached (each family's URL repeated)"),
    ("week_page", "Dnevnik week page `/diary/{id}/` (session)"),
    ("marks_page", "Dnevnik marks page `/diary/{id}/marks/` (session)"),
    ("peer", "RosarioSIS parent grades page"),
    ("mark_entry", "30-mark class entry `PUT /api/v1/lessons/{id}/marks`, alone"),
    ("mark_entry_loaded", "the same under a read load at half the saturation throughput"),
]
# (name, numerator, denominator, target, how the target reads)
RATIOS = [
    ("API uncached / baseline", "api", "baseline", 0.50, ">="),
    ("week page / baseline", "week_page", "baseline", 0.35, ">="),
    ("marks page / baseline", "marks_page", "baseline", 0.30, ">="),
    ("API cached / uncached", "api_cached", "api", 3.0, ">="),
    ("baseline / hello", "baseline", "hello", None, ""),
    ("API uncached / hello", "api", "hello", None, ""),
    ("family week page / peer", "week_page", "peer", 5.0, ">="),
]


def _median(values: list[float | None]) -> float | None:
    present = [value for value in values if value is not None]
    return statistics.median(present) if present else None


def summarise(result: dict[str, Any]) -> dict[str, Any]:
    rows: dict[str, dict[str, Any]] = {}
    for name, runs in result["runs"].items():
        if not runs:
            continue
        rows[name] = {
            "rps": _median([run["rps"] for run in runs]),
            "p50_ms": _median([run["latency_us"]["p50"] / 1000 for run in runs]),
            "p99_ms": _median([run["latency_us"]["p99"] / 1000 for run in runs]),
            "cpu_ms_per_request": _median([run.get("cpu_ms_per_request") for run in runs]),
            "errors": sum(sum(run["errors"].values()) + run["bad_status"] for run in runs),
            "rounds": len(runs),
        }
    ratios = {}
    for label, top, bottom, target, _sense in RATIOS:
        if top in rows and bottom in rows and rows[bottom]["rps"]:
            value = rows[top]["rps"] / rows[bottom]["rps"]
            ratios[label] = {"value": value, "target": target, "met": None if target is None else value >= target}
    loaded = rows.get("mark_entry_loaded")
    if loaded:
        ratios["mark entry p99 under load (ms)"] = {
            "value": loaded["p99_ms"],
            "target": 100.0,
            "met": loaded["p99_ms"] < 100.0,
        }
    imported = result["import"]
    first, again = imported["first"], imported["again"]
    ratios["COPY / import (time)"] = {
        "value": imported["copy_seconds"] / first["seconds"],
        "target": 0.50,
        "met": not first["timed_out"] and imported["copy_seconds"] / first["seconds"] >= 0.50,
    }
    ratios["unchanged re-import / first import (time)"] = {
        "value": again["seconds"] / first["seconds"],
        "target": 1.0,
        "met": not again["timed_out"] and again["seconds"] <= first["seconds"],
    }
    return {
        "date": result["date"],
        "machine": result["machine"],
        "parameters": result["parameters"],
        "dataset": result["dataset"],
        "baseline_checked_pupils": result["baseline_checked_pupils"],
        "saturation_rps": result["saturation_rps"],
        "rows": rows,
        "ratios": ratios,
        "import": {
            "pupils": imported["pupils"],
            "rows": imported["rows"],
            "file_mb": round(imported["file_mb"], 1),
            "first_seconds": round(first["seconds"], 2),
            "first_timed_out": first["timed_out"],
            "again_seconds": round(again["seconds"], 2),
            "again_timed_out": again["timed_out"],
            "copy_seconds": round(imported["copy_seconds"], 3),
            "peak_rss_mb": round(max(first["peak_rss_mb"], again["peak_rss_mb"])),
        },
        "seconds": round(result.get("seconds", 0)),
    }


def _number(value: float | None, digits: int = 1, unit: str = "") -> str:
    return "—" if value is None else f"{value:,.{digits}f}{unit}"


def render(summary: dict[str, Any]) -> str:
    p, m, d = summary["parameters"], summary["machine"], summary["dataset"]
    lines = [
        f"`make bench`, {summary['date']} — {m['cores']} cores ({m['cpu']}), PostgreSQL {m['postgresql']}, "
        f"Python {m['python']}",
        f"Scale: {p['schools']} schools × {p['classes']} classes × {p['pupils']} pupils, {p['weeks']} weeks "
        f"({d['lessons']:,} lessons, {d['marks']:,} marks, {d['homework']:,} homework); wrk {p['threads']} thread, "
        f"{p['connections']} connections, {p['duration']} s × {p['rounds']} rounds (medians), rotating "
        f"{p['families']} families; gunicorn 2 workers × 4 threads on core {p['server_cpu']}, wrk on core "
        f"{p['client_cpu']}; baseline JSON checked equal for {summary['baseline_checked_pupils']} pupils.",
        "",
        "| request | req/s | p50 | p99 | server CPU per request | errors |",
        "|---|---|---|---|---|---|",
    ]
    rows = summary["rows"]
    for name, label in ROWS:
        row = rows.get(name)
        if row is None:
            if name == "peer":
                lines.append(f"| {label} | peer: not configured | | | | |")
            continue
        lines.append(
            f"| {label} | {_number(row['rps'])} | {_number(row['p50_ms'], unit=' ms')} | "
            f"{_number(row['p99_ms'], unit=' ms')} | {_number(row['cpu_ms_per_request'], 2, ' ms')} | {row['errors']} |"
        )
    if "read_load" in rows:
        lines.append(
            f"| (the read load beside it, asked {summary['saturation_rps'] / 2:,.0f} req/s) | "
            f"{_number(rows['read_load']['rps'])} | {_number(rows['read_load']['p50_ms'])} ms | "
            f"{_number(rows['read_load']['p99_ms'])} ms | | {rows['read_load']['errors']} |"
        )
    i = summary["import"]
    first = f"> {i['first_seconds']:.0f} s (stopped)" if i["first_timed_out"] else f"{i['first_seconds']:.1f} s"
    again = f"> {i['again_seconds']:.0f} s (stopped)" if i["again_timed_out"] else f"{i['again_seconds']:.1f} s"
    lines += [
        "",
        f"Registry import of {i['pupils']:,} pupils ({i['rows']:,} rows, {i['file_mb']} MB): first import {first}, "
        f"unchanged re-import {again}, `COPY` into a plain table {i['copy_seconds']:.2f} s; "
        f"peak RSS of the import {i['peak_rss_mb']} MB.",
        "",
        "| ratio | value | target | met |",
        "|---|---|---|---|",
    ]
    for label, ratio in summary["ratios"].items():
        target = "" if ratio["target"] is None else f"{'<' if 'p99' in label else '≥'} {ratio['target']:g}"
        if "re-import" in label:
            target = "≤ 1"
        met = "" if ratio["met"] is None else ("yes" if ratio["met"] else "no")
        lines.append(f"| {label} | {ratio['value']:.3f} | {target} | {met} |")
    if "peer" not in rows:
        lines.append("| family week page / peer | peer: not configured | ≥ 5 | |")
    return "\n".join(lines)


def main() -> None:
    """Render the table again from bench/results/latest.json (``python -m bench.report``)."""
    import json
    from pathlib import Path

    results = Path(__file__).resolve().parent / "results"
    summary = summarise(json.loads((results / "latest.json").read_text()))
    (results / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1) + "\n")
    (results / "latest.md").write_text(render(summary) + "\n")
    print(render(summary))


if __name__ == "__main__":
    main()
