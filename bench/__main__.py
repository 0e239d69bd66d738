"""``python -m bench``: benchmarks (``make bench``), never part of ``make test``.

By default the national-scale benchmark (``bench/national.py``): the real app under gunicorn at
1M, 5M and 20M shipments against raw-DuckDB and pandas baselines, written to
``bench/results/national-<timestamp>.json``. ``--callbacks`` times every page callback
in-process over the configured lake; ``--ingest`` and ``--public-load`` measure the live feed
and the public app, ``--backfill`` the scoring of a year-long backfill. Every result file
records the machine it ran on.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime

from bench.callbacks import run
from bench.machine import machine
from bench.national import DEFAULT_SIZES
from bench.results import RESULTS, write_result


def table(rows: list[dict]) -> str:
    columns = list(rows[0])
    widths = [max(len(c), *(len(str(r[c])) for r in rows)) for c in columns]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    for row in sorted(rows, key=lambda r: -r["warm_p50_ms"]):
        lines.append("  ".join(str(row[c]).ljust(w) for c, w in zip(columns, widths, strict=True)))
    return "\n".join(lines)


def public_load(clients: int, seconds: float) -> int:
    """50 clients x 60 s against gunicorn serving the public app (``bench/public_load.py``)."""
    import settings
    from bench.public_load import gunicorn, run
    from ingest.publish import publish, read_manifest

    if read_manifest() is None:
        print(publish().summary())
    with gunicorn(settings.data_dir()) as base:
        result = run(base, clients=clients, seconds=seconds)
    _save("public-load", result)
    return 0 if result["errors"] == 0 else 1


def _save(kind: str, result: dict) -> int:
    result = {
        "kind": kind,
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        **result,
    }
    print(json.dumps(result, indent=2))
    out = write_result(kind, result)
    print(f"written {out.relative_to(RESULTS.parent.parent)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10, help="warm requests per view")
    parser.add_argument(
        "--public-load", action="store_true", help="load-test the public app under gunicorn"
    )
    parser.add_argument("--clients", type=int, default=50, help="--public-load: clients")
    parser.add_argument(
        "--seconds", type=float, default=60, help="--public-load and analysts: duration"
    )
    parser.add_argument(
        "--ingest", action="store_true", help="live-ingest throughput and drop-to-visible latency"
    )
    parser.add_argument(
        "--callbacks", action="store_true", help="every page callback in-process, this lake"
    )
    parser.add_argument(
        "--backfill", action="store_true", help="scoring a year-long backfill, this lake"
    )
    parser.add_argument(
        "--browser", action="store_true", help="what users wait for in headless Chromium"
    )
    parser.add_argument(
        "--audit", action="store_true", help="what the audit trail adds to each record read"
    )
    parser.add_argument(
        "--sizes",
        default=",".join(str(n) for n in DEFAULT_SIZES),
        help="shipments per benchmark lake, comma-separated (built once under .cache/bench/)",
    )
    parser.add_argument("--analysts", type=int, default=20, help="concurrent analysts")
    args = parser.parse_args(argv)
    if args.public_load:
        return public_load(args.clients, args.seconds)
    if args.ingest:
        from bench.ingest import run_ingest_bench

        run_ingest_bench(repeats=args.repeats)
        return 0
    if args.browser:
        import settings
        from bench.browser import run as run_browser
        from bench.browser import table as browser_table

        result = run_browser(settings.data_dir(), repeats=min(args.repeats, 5))
        print(browser_table(result["rows"]))
        return _save("browser", result)
    if args.audit:
        from bench.audit import run_audit_bench

        return _save("audit", run_audit_bench(repeats=max(args.repeats, 200) * 10))
    if args.backfill:
        from bench.backfill import run_backfill_bench

        return _save("backfill", run_backfill_bench(repeats=min(args.repeats, 5)))
    if not args.callbacks:
        from bench.national import run as run_national

        sizes = tuple(int(n) for n in args.sizes.split(","))
        report = run_national(sizes, args.repeats, args.analysts, args.seconds)
        return 0 if all(s["errors"] == 0 for s in report["scale"]) else 1
    from app import create_app
    from queries.gateway import default_gateway

    started = time.perf_counter()
    app = create_app()
    gateway = default_gateway()
    seizures = gateway.scalar("SELECT count(*) FROM seizures")
    shipments = gateway.scalar("SELECT count(*) FROM shipments") if gateway.has("shipments") else 0
    rows = run(app, repeats=args.repeats)
    result = {
        "kind": "callbacks",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "lake": {"seizures": seizures, "shipments": shipments},
        "seconds": round(time.perf_counter() - started, 1),
        "rows": rows,
    }
    print(
        f"Callback latency, {seizures:,} seizures / {shipments:,} shipments, "
        f"{machine()['cpus']} CPUs, {args.repeats} warm repeats x 6 views"
    )
    print(table(rows))
    out = write_result("callbacks", result)
    print(f"written {out.relative_to(RESULTS.parent.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
