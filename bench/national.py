"""``make bench``: the app at national scale, against the baselines, at several sizes.

For each lake size (1M, 5M and 20M shipments by default; ``bench/lakes.py`` builds them once):

0. bring the stored emerging-threats answer up to date (``refresh_emerging``);
1. serve the real internal app under gunicorn (2 workers x 4 threads, ``bench/server.py``) and
   time its cold start (process start until an analyst sees numbers);
2. replay the scripted analyst session through HTTP (``bench/session.py``): the first replay is
   cold (nothing cached since start), the next ones warm; then a data change (one small seizure
   batch committed to the lake) and the session again from the same browser tab (its connection,
   so its worker), so "cold after a data change" is measured the way an open dashboard meets it;
3. at the largest size, 20 concurrent analysts for 60 s, reading 1–3 s between actions, then
   60 s more with no pause (the stress case);
3b. at the smallest size (the default lake's), what users wait for in headless Chromium
   (``bench/browser.py``): every page until rendered and each interaction until settled, on a
   quiet server and again under 20 analysts' load;
4. time the same numbers computed by the baselines in the same run (``bench/baselines.py``):
   plain DuckDB SQL over the raw parquet, and pandas on the data loaded in memory;
5. read each worker's peak RSS.

It prints one table per size and writes everything to ``bench/results/national-<time>.json``.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl

from bench import baselines, lakes, public_load, server, session
from bench.app_engine import AppQueries
from bench.machine import machine
from bench.results import RESULTS, write_result

DEFAULT_SIZES = (1_000_000, 5_000_000, 20_000_000)
VIEWS = ("", "?fy=2025", "?fy=2025&area=chicago-field-office", "?source=CN&mode=express,mail")
# Which baseline computes the numbers each callback shows (None: no baseline computes it).
# Timed runs per view and engine after a warm-up: 20 samples a kind at least, so a p95 is not
# simply the slowest of a handful.
BASELINE_REPEATS = 5
QUERY_ENGINES = ("raw_duckdb", "pandas", "app_uncached", "app_cached")
BASELINE_KIND = {
    "overview-events-value": "kpis",
    "overview-trend-graph": "trend",
    "explorer-records-grid": "records",
    "targeting-queue-grid": "queue",
}


def baseline_kind(callback: str) -> str | None:
    if callback in BASELINE_KIND:
        return BASELINE_KIND[callback]
    parts = callback.split(":")
    if len(parts) == 3 and parts[1] in baselines.BREAKDOWN_DIMS and parts[2] == "main":
        return "breakdown"
    return None


@contextmanager
def data_change(data_dir: Path) -> Iterator[str]:
    """One small seizure batch committed to the lake (what a live feed does every few seconds),
    removed again afterwards so the benchmark lake stays as built. Yields the batch's name."""
    from lake.writer import commit, write_partitioned
    from queries.gateway import Gateway

    gateway = Gateway(data_dir)
    rows = gateway.frame(
        "SELECT * FROM seizures WHERE event_date = (SELECT max(event_date) FROM seizures) LIMIT 20",
        cache=False,
    )
    stem = f"bench-change-{int(time.time())}"
    rows = rows.with_columns(
        (pl.col("seizure_id") + "-" + stem).alias("seizure_id"), pl.lit(stem).alias("batch_id")
    )
    files = write_partitioned("seizures", rows, stem, data_dir)
    commit("seizures", add=files, data_dir=data_dir)
    try:
        yield stem
    finally:
        commit("seizures", remove=files, data_dir=data_dir)


def _after_change(base: str, data_dir: Path, poll_s: float, client: session.Client) -> dict:
    """The session right after a data change, once the page would have noticed it (one poll),
    from the same browser tab: its connection, hence its worker, as an open page keeps it."""
    with data_change(data_dir):
        time.sleep(poll_s)  # pages poll the data version this often; real time, not a test
        replayed = session.run_session(base, repeats=0, client=client.same_tab())
    return replayed


def time_baselines(data_dir: Path, repeats: int) -> dict:
    """Both baselines over VIEWS; pandas' load time reported on its own."""
    out: dict = {}
    raw = baselines.RawDuckDB(data_dir)
    try:
        out["raw_duckdb"] = baselines.time_baseline(raw, list(VIEWS), repeats)
    finally:
        raw.close()
    started = time.perf_counter()
    frames = baselines.InMemoryPandas(data_dir)
    out["pandas_load_s"] = round(time.perf_counter() - started, 1)
    out["pandas"] = baselines.time_baseline(frames, list(VIEWS), repeats)
    del frames
    for label, cached in (("app_uncached", False), ("app_cached", True)):
        app = AppQueries(data_dir, cached)
        out[label] = baselines.time_baseline(app, list(VIEWS), repeats)
        out["arrays_build_ms"] = round(app.arrays_build_s * 1000, 1)
    out["kinds"] = query_ratios(out)
    return out


def query_ratios(base: dict) -> list[dict]:
    """Per kind, the same numbers four ways at p95: raw DuckDB, pandas, the app's query layer
    on a view asked for the first time since the data changed (uncached) and on a repeated
    view (cached); with the ratios the targets are stated in."""
    rows = []
    for kind in baselines.KINDS:
        p95 = {k: base[k].get(kind, {}).get("p95_ms") for k in QUERY_ENGINES}
        if not all(p95.values()):
            rows.append({"kind": kind, "skipped": True, **p95})
            continue
        rows.append(
            {
                "kind": kind,
                **p95,
                "uncached_over_raw": round(p95["app_uncached"] / p95["raw_duckdb"], 3),
                "cached_over_raw": round(p95["app_cached"] / p95["raw_duckdb"], 4),
                "pandas_over_uncached": round(p95["pandas"] / p95["app_uncached"], 1),
                "pandas_over_cached": round(p95["pandas"] / p95["app_cached"], 1),
            }
        )
    return rows


def with_ratios(rows: list[dict], base: dict) -> list[dict]:
    """Each callback row with the baselines' p95 for the same numbers and the ratios."""
    out = []
    for row in rows:
        kind = baseline_kind(row["callback"])
        raw = base["raw_duckdb"].get(kind, {}) if kind else {}
        pandas = base["pandas"].get(kind, {}) if kind else {}
        app = row.get("warm_p95_ms")
        cold = row.get("cold_p50_ms")
        extra = {
            "baseline": kind or "",
            "raw_p95_ms": raw.get("p95_ms"),
            "pandas_p95_ms": pandas.get("p95_ms"),
        }
        if app and raw.get("p95_ms"):
            extra["x_raw"] = round(app / raw["p95_ms"], 3)
            extra["x_raw_cold"] = round(cold / raw["p95_ms"], 3) if cold else None
        if app and pandas.get("p95_ms"):
            extra["pandas_over_app"] = round(pandas["p95_ms"] / app, 1)
            extra["pandas_over_app_cold"] = round(pandas["p95_ms"] / cold, 1) if cold else None
        out.append({**row, **extra})
    return out


def refresh_emerging(data_dir: Path) -> float:
    """Recompute the lake's stored emerging-threats answer, as the scoring job leaves it after a
    load; the seconds it took.

    A lake built before holds an answer older than ``emerging_refresh_s``, so the app would
    start recomputing it at start-up (an idle-priority child process, 5 s at 20M shipments)
    while the first replay is timed, and a run's cold numbers would depend on how long ago the
    lake was last benchmarked. Fresh, it is next recomputed 15 minutes on, after the run."""
    from targeting.emerging_cache import compute_elsewhere

    started = time.perf_counter()
    compute_elsewhere(data_dir)
    return round(time.perf_counter() - started, 1)


def browser_runs(base: str, public: str | None, repeats: int, analysts: int) -> dict:
    """What users wait for in headless Chromium (``bench/browser.py``): on a quiet server, then
    while ``analysts`` simulated analysts work the same server (a ``make bench``-level load)."""
    import threading

    from bench import browser

    out = {"quiet": browser.run_browser_bench(base, repeats)}
    stop = threading.Event()

    def load() -> None:
        while not stop.is_set():
            session.concurrent_analysts(
                base, analysts, 20, public_base=public, think_s=session.THINK_S
            )

    worker = threading.Thread(target=load, daemon=True)
    worker.start()
    try:
        out["loaded"] = browser.run_browser_bench(base, max(1, repeats // 2))
    finally:
        stop.set()
        worker.join()
    return out


def bench_size(
    shipments: int, repeats: int, analysts: int, seconds: float, with_browser: bool = False
) -> dict:
    lake = lakes.lake_for(shipments)
    built_s = lakes.ensure(lake)
    result: dict = {"shipments": shipments, "build_s": round(built_s, 1)}
    print(f"\n== {lake.label} shipments ({lake.data_dir.name}) ==", flush=True)
    result["emerging_refresh_s"] = refresh_emerging(lake.data_dir)
    with (
        server.serve(lake.data_dir) as served,
        public_load.gunicorn(lake.data_dir, workers=1, threads=4) as public,
    ):
        result["cold_start_s"] = served.started_s
        browser = session.Client(served.base, public)
        try:
            replayed = session.run_session(served.base, repeats, public_base=public, client=browser)
            result["session"] = replayed
            result["after_change"] = _after_change(served.base, lake.data_dir, 2.5, browser)
        finally:
            browser.close()
        if with_browser:
            result["browser"] = browser_runs(served.base, public, min(repeats, 5), analysts or 20)
        if analysts:  # as analysts work (reading between actions), then as a stress test
            for key, think_s in (
                ("concurrent", session.THINK_S),
                ("concurrent_stress", session.NO_THINK),
            ):
                result[key] = session.concurrent_analysts(
                    served.base, analysts, seconds, public_base=public, think_s=think_s
                )
        result["worker_peak_rss_mb"] = served.worker_peak_rss_mb()
    result["baselines"] = time_baselines(lake.data_dir, repeats=BASELINE_REPEATS)
    result["rows"] = with_ratios(replayed["rows"], result["baselines"])
    counts = _lake_counts(lake.data_dir)
    result["lake"] = counts
    return result


def _lake_counts(data_dir: Path) -> dict:
    from queries.gateway import Gateway

    gateway = Gateway(data_dir)
    return {
        "seizures": gateway.scalar("SELECT count(*) FROM seizures"),
        "shipments": gateway.scalar("SELECT count(*) FROM shipments"),
        "scored": gateway.has("scores"),
    }


def _fmt(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}" if value >= 10 or value == 0 else f"{value:.2f}"
    return str(value)


TABLE_COLUMNS = (
    ("callback", "callback"),
    ("cold_p50_ms", "cold p50"),
    ("cold_max_ms", "cold max"),
    ("warm_p50_ms", "warm p50"),
    ("warm_p95_ms", "warm p95"),
    ("warm_max_ms", "warm max"),
    ("kb_p50", "KB"),
    ("raw_p95_ms", "raw DuckDB p95"),
    ("x_raw", "x raw"),
    ("pandas_p95_ms", "pandas p95"),
    ("pandas_over_app", "pandas / app"),
)


def table(rows: list[dict]) -> str:
    """A plain-text table (also pasted as markdown by ``markdown_table``)."""
    header = [label for _, label in TABLE_COLUMNS]
    body = [[_fmt(row.get(key)) for key, _ in TABLE_COLUMNS] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in body)) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in body]
    return "\n".join(lines)


def markdown_table(rows: list[dict]) -> str:
    header = [label for _, label in TABLE_COLUMNS]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        lines.append("| " + " | ".join(_fmt(row.get(k)) for k, _ in TABLE_COLUMNS) + " |")
    return "\n".join(lines)


def summary(result: dict) -> dict:
    """The issue's targets, read off one size's result."""
    rows = [r for r in result["rows"] if r.get("warm_p95_ms") is not None]
    colds = [r["cold_max_ms"] for r in result["rows"] if r.get("cold_max_ms") is not None]
    after = [r["cold_p50_ms"] for r in result["after_change"]["rows"] if r.get("cold_p50_ms")]
    kinds = [k for k in result["baselines"]["kinds"] if not k.get("skipped")]
    ratios = [k["uncached_over_raw"] for k in kinds]
    faster = [k["pandas_over_cached"] for k in kinds]
    faster_cold = [k["pandas_over_uncached"] for k in kinds]
    out = {
        "worst_warm_p95_ms": max((r["warm_p95_ms"] for r in rows), default=None),
        "worst_cold_ms": max(colds, default=None),
        "worst_cold_after_change_ms": max(after, default=None),
        "median_cold_after_change_ms": round(statistics.median(after), 1) if after else None,
        "worst_uncached_over_raw": max(ratios, default=None),
        "least_pandas_over_cached": min(faster, default=None),
        "least_pandas_over_uncached": min(faster_cold, default=None),
        "peak_rss_mb": max(result["worker_peak_rss_mb"].values(), default=None),
        "cold_start_s": result["cold_start_s"],
        "errors": result["session"]["errors"] + result["after_change"]["errors"],
    }
    for key in ("concurrent", "concurrent_stress"):
        if key in result:
            c = result[key]
            out[key] = {
                k: c.get(k)
                for k in ("analysts", "think_s", "requests", "errors", "p50_ms", "p95_ms", "max_ms")
            }
    return out


def run(sizes: tuple[int, ...], repeats: int, analysts: int, seconds: float) -> dict:
    started = time.perf_counter()
    results = []
    for shipments in sizes:
        biggest = shipments == max(sizes)
        smallest = shipments == min(sizes)  # the default lake's size: what users browse
        result = bench_size(shipments, repeats, analysts if biggest else 0, seconds, smallest)
        result["summary"] = summary(result)
        results.append(result)
        print(table(result["rows"]))
        print(json.dumps(result["summary"], indent=1))
    report = {
        "kind": "national",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "seconds": round(time.perf_counter() - started, 1),
        "scale": [{"shipments": r["shipments"], **r["lake"], **r["summary"]} for r in results],
        "sizes": results,
    }
    out = write_result("national", report, indent=1, default=_json_default)
    print(f"\nscale curve: {json.dumps(report['scale'], indent=1, default=_json_default)}")
    print("\n" + markdown_report(report))
    print(f"written {out.relative_to(RESULTS.parent.parent)}")
    return report


def markdown_report(report: dict) -> str:
    """The README's performance tables: the largest size per callback, and the scale curve."""
    largest = max(report["sizes"], key=lambda r: r["shipments"])
    m = report["machine"]
    lines = [
        f"Measured {report['when'][:10]} on {m['cpus']} CPUs, {m['memory_gib']} GiB, "
        f"Python {m['python']} (load average at the end {m['load_average'][0]}).",
        "",
        f"**{largest['lake']['shipments']:,} shipments, {largest['lake']['seizures']:,} seizures** "
        "(ms; cold = first request of a view since start, nothing cached; warm = the same "
        "views again):",
        "",
        markdown_table(largest["rows"]),
        "",
        "The same numbers computed four ways (p95 ms over the benchmark views; the app's query "
        "layer uncached = first ask since a data change, once the seizure arrays of the data "
        f"version are built ({_fmt(largest['baselines'].get('arrays_build_ms'))} ms here), "
        "cached = a repeated view; pandas loaded its tables in "
        f"{_fmt(largest['baselines'].get('pandas_load_s'))} s):",
        "",
        "| kind | raw DuckDB | pandas | app uncached | app cached | uncached / raw "
        "| pandas / app uncached | pandas / app cached |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for k in largest["baselines"]["kinds"]:
        lines.append(
            f"| {k['kind']} | {_fmt(k.get('raw_duckdb'))} | {_fmt(k.get('pandas'))} | "
            f"{_fmt(k.get('app_uncached'))} | {_fmt(k.get('app_cached'))} | "
            f"{_fmt(k.get('uncached_over_raw'))} | {_fmt(k.get('pandas_over_uncached'))} | "
            f"{_fmt(k.get('pandas_over_cached'))} |"
        )
    lines += [
        "",
        "| shipments | seizures | cold start s | worst warm p95 | worst cold | cold after "
        "change (median / worst) | worst uncached / raw | least pandas / app (uncached, "
        "cached) | peak RSS MB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in report["scale"]:
        lines.append(
            f"| {row['shipments']:,} | {row['seizures']:,} | {row['cold_start_s']} | "
            f"{_fmt(row['worst_warm_p95_ms'])} | {_fmt(row['worst_cold_ms'])} | "
            f"{_fmt(row['median_cold_after_change_ms'])} / "
            f"{_fmt(row['worst_cold_after_change_ms'])} | "
            f"{_fmt(row['worst_uncached_over_raw'])} | "
            f"{_fmt(row['least_pandas_over_uncached'])}, "
            f"{_fmt(row['least_pandas_over_cached'])} | {_fmt(row['peak_rss_mb'])} |"
        )
    for key in ("concurrent", "concurrent_stress"):
        c = largest["summary"].get(key)
        if c:
            lines += ["", _concurrency_line(c)]
    return "\n".join(lines)


def _concurrency_line(c: dict) -> str:
    think = c.get("think_s") or [0, 0]
    how = (
        f"pausing {think[0]:g}–{think[1]:g} s after each action"
        if think[1]
        else "with no pause between actions (stress)"
    )
    return (
        f"{c['analysts']} concurrent analysts, {how}: {c['requests']:,} requests, "
        f"{c['errors']} errors, p50 {c['p50_ms']} ms, p95 {c['p95_ms']} ms, max {c['max_ms']} ms."
    )


def _json_default(value):
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(type(value))
