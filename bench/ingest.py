"""Live-ingest benchmark: throughput of one batch end to end, and drop-to-visible latency.

Throughput: batches of 10k-200k valid rows (shipments, the widest table, as CSV and parquet;
seizures as CSV) go through ``process_file`` on a lake that already holds 1,000,000 shipment ids
(so the duplicate check has work to do). Timed: read, validate, quarantine, report, lake write,
commit, log, ledger, move. The baseline measured in the same run is the plain parquet write of
the same accepted frame (``write_parquet_atomic``): the ratio says what validation and the
exactly-once bookkeeping cost on top of writing the data at all.

Latency: ``python -m ops watch`` runs as a subprocess; a file is renamed into the inbox and
this process polls a Gateway (as the app does) until a query sees the batch's rows. Run with the
configured settle time and poll interval, and with short ones, since the settle time (a file must
stay unchanged that long) is most of it. The baseline is the same rows written and committed
directly by this process until the same query sees them.
"""

from __future__ import annotations

import fcntl
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl

import settings
from bench.results import write_result
from ingest.generate.seizures import PortContext
from ingest.live.batch import Context, batch_id_of, drain_scoring, process_file
from ingest.live.synth import synth_seizures, synth_shipments
from ingest.live.validate import fiscal_year
from lake import reference
from lake.contract import conform
from lake.layout import data_version
from lake.writer import commit, write_parquet_atomic, write_partitioned
from queries.gateway import Gateway

REPO = Path(__file__).resolve().parents[1]
SIZES = (10_000, 50_000, 200_000)
SEED_IDS = 1_000_000
LATENCY_ROWS = 500
CASES = (
    ("shipments", "csv", "new"),
    ("shipments", "parquet", "new"),
    ("seizures", "csv", "new"),
    ("shipments", "csv", "mixed"),
)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _frames(size: int) -> dict[str, pl.DataFrame]:
    rng = np.random.default_rng(size)
    ctx = PortContext(reference.ports(), {}, {})
    seizures = synth_seizures(rng, size, _now(), ctx, 1)
    shipments = synth_shipments(rng, size, _now(), 1, seizures.clear())
    return {"seizures": seizures, "shipments": shipments}


def _relabel(frame: pl.DataFrame, table: str, tag: str) -> pl.DataFrame:
    column = {"seizures": "seizure_id", "shipments": "shipment_id"}[table]
    return frame.with_columns((pl.lit(tag) + pl.col(column)).alias(column))


def _encode(frame: pl.DataFrame, fmt: str, path: Path) -> Path:
    if fmt == "csv":
        frame.write_csv(path)
    else:
        frame.write_parquet(path)
    return path


def _seed_lake(data_dir: Path, shipments: pl.DataFrame) -> None:
    """A lake holding SEED_IDS shipment ids, as generated files."""
    parts = []
    for i in range(SEED_IDS // shipments.height):
        parts.append(_relabel(shipments, "shipments", f"SEED{i}-"))
    frame = pl.concat(parts).with_columns(
        pl.lit("seed").alias("batch_id"),
        pl.lit(_now()).alias("ingested_at"),
        fiscal_year(pl.col("arrived_at").dt.date()).alias("fiscal_year"),
    )
    written = write_partitioned("shipments", conform("shipments", frame), "gen-seed", data_dir)
    commit("shipments", add=written, data_dir=data_dir)


def throughput(repeats: int, sizes=SIZES) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="chokepoint-bench-") as tmp:
        data_dir = Path(tmp)
        frames = {size: _frames(size) for size in sizes}
        _seed_lake(data_dir, frames[max(sizes)]["shipments"])
        ctx = Context.open(data_dir)
        ctx.lake_ids.ids("shipments")  # warm the id cache, as a running watcher has it
        inbox = data_dir / "inbox"
        inbox.mkdir()
        for table, fmt, ids in CASES:
            for size in sizes if ids == "new" else sizes[-1:]:
                timings, baseline, cpu_times = [], [], []
                for r in range(repeats):
                    # "new": ids after every id in the lake, as a live feed's clock-based ids are;
                    # "mixed": ids that sort among the lake's, so the full duplicate check runs
                    tag = f"R{r}{fmt}{size}-" if ids == "new" else f"SEED0-X{r}{fmt}{size}-"
                    frame = _relabel(frames[size][table], table, tag)
                    path = _encode(frame, fmt, inbox / f"{table}-{size}-{r}.{fmt}")
                    started, cpu = time.perf_counter(), time.process_time()
                    report = process_file(path, ctx)
                    timings.append(time.perf_counter() - started)
                    cpu_times.append(time.process_time() - cpu)
                    assert report is not None and report.rows_accepted == size, report
                    accepted = pl.read_parquet(data_dir / "lake" / table / report.lake_files[0])
                    started = time.perf_counter()
                    write_parquet_atomic(accepted.to_arrow(), data_dir / "baseline.parquet")
                    baseline.append(time.perf_counter() - started)
                p50 = statistics.median(timings)
                rows.append(
                    {
                        "table": table,
                        "format": fmt,
                        "ids": ids,
                        "rows": size,
                        "p50_s": round(p50, 3),
                        "p95_s": round(pct(timings, 0.95), 3),
                        "rows_per_s": round(size / p50),
                        "cpu_p50_s": round(statistics.median(cpu_times), 3),
                        "baseline_write_p50_s": round(statistics.median(baseline), 3),
                        "x_baseline": round(p50 / statistics.median(baseline), 1),
                    }
                )
        # shipments are scored on a background thread after each batch; the folder must not
        # be removed under it while it is still writing score files
        drain_scoring()
    return rows


def _watcher(data_dir: Path, settle: float | None, interval: float | None) -> subprocess.Popen:
    env = {**os.environ, "CHOKEPOINT_DATA": str(data_dir)}
    if settle is not None:
        env["CHOKEPOINT_FILE_SETTLE_S"] = str(settle)
    if interval is not None:
        env["CHOKEPOINT_WATCH_INTERVAL_S"] = str(interval)
    proc = subprocess.Popen(
        [sys.executable, "-m", "ops", "watch"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    lock = data_dir / "state" / "watch.lock"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # up once it holds the watcher lock
        if proc.poll() is not None:
            raise RuntimeError(f"watcher exited with {proc.returncode}")
        if lock.exists():
            with open(lock, "a+") as handle:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    fcntl.flock(handle, fcntl.LOCK_UN)
                except BlockingIOError:
                    return proc
        time.sleep(0.01)
    proc.kill()
    raise RuntimeError("watcher did not start within 60 s")


def _wait_visible(gateway: Gateway, batch_id: str, timeout_s: float = 60.0) -> float:
    """Poll like the app: the data version, then the query. Returns when rows are seen."""
    deadline = time.monotonic() + timeout_s
    known = None
    while time.monotonic() < deadline:
        version = data_version(gateway.data_dir)
        if version != known:
            known = version
            gateway.refresh(force=True)
            if gateway.has("shipments") and gateway.scalar(
                "SELECT count(*) FROM shipments WHERE batch_id = ?", [batch_id]
            ):
                return time.perf_counter()
        time.sleep(0.002)  # poll interval of the measuring reader
    raise TimeoutError(f"batch {batch_id} not visible after {timeout_s} s")


def latency(batches: int, settle: float | None, interval: float | None) -> dict:
    frame = _frames(LATENCY_ROWS)["shipments"]
    with tempfile.TemporaryDirectory(prefix="chokepoint-bench-") as tmp:
        data_dir = Path(tmp)
        (data_dir / "inbox").mkdir()
        proc = _watcher(data_dir, settle, interval)
        gateway = Gateway(data_dir)
        measured = []
        try:
            for i in range(batches):
                rows = _relabel(frame, "shipments", f"L{i}-")
                tmp_file = _encode(rows, "csv", data_dir / "inbox" / f".shipments-{i}.csv.tmp")
                batch_id = batch_id_of(tmp_file.read_bytes())
                started = time.perf_counter()
                os.replace(tmp_file, tmp_file.with_name(f"shipments-{i}.csv"))
                measured.append(_wait_visible(gateway, batch_id) - started)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        direct = []
        for i in range(min(batches, 10)):
            rows = _relabel(frame, "shipments", f"D{i}-").with_columns(
                pl.lit(f"direct-{i}").alias("batch_id"),
                pl.lit(_now()).alias("ingested_at"),
                fiscal_year(pl.col("arrived_at").dt.date()).alias("fiscal_year"),
            )
            started = time.perf_counter()
            files = write_partitioned("shipments", conform("shipments", rows), f"d-{i}", data_dir)
            commit("shipments", add=files, data_dir=data_dir)
            direct.append(_wait_visible(gateway, f"direct-{i}") - started)
    p50, base = statistics.median(measured), statistics.median(direct)
    return {
        "settle_s": settings.get("file_settle_s") if settle is None else settle,
        "interval_s": settings.get("watch_interval_s") if interval is None else interval,
        "batches": batches,
        "rows_per_batch": LATENCY_ROWS,
        "p50_s": round(p50, 3),
        "p95_s": round(pct(measured, 0.95), 3),
        "max_s": round(max(measured), 3),
        "baseline_direct_commit_p50_s": round(base, 3),
        "x_baseline": round(p50 / base, 1),
    }


def _table(rows: list[dict]) -> str:
    columns = list(rows[0])
    widths = [max(len(c), *(len(str(r[c])) for r in rows)) for c in columns]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines += [
        "  ".join(str(r[c]).ljust(w) for c, w in zip(columns, widths, strict=True)) for r in rows
    ]
    return "\n".join(lines)


def run_ingest_bench(repeats: int = 5, latency_batches: int = 20, out_dir: Path | None = None):
    """Run both benchmarks, print tables, write ``bench/results/ingest-<timestamp>.json``."""
    import platform

    started = time.perf_counter()
    load = os.getloadavg()
    print(f"load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    through = throughput(repeats)
    print(f"Ingest throughput ({repeats} batches each; lake holds {SEED_IDS:,} shipment ids)")
    print(_table(through))
    lat = [latency(latency_batches, None, None), latency(latency_batches, 0.2, 0.05)]
    print(f"\nDrop-to-visible latency ({LATENCY_ROWS} shipments per file, watcher subprocess)")
    print(_table(lat))
    from bench.live_latency import measure

    screen = measure(latency_batches)
    print("\nDrop-to-screen latency (file dropped -> a page callback's output changes, 2 s poll)")
    print(_table([screen]))
    result = {
        "kind": "ingest",
        "load_average_at_start": load,
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "seconds": round(time.perf_counter() - started, 1),
        "throughput": through,
        "latency": lat,
        "drop_to_screen": screen,
    }
    out = write_result("ingest", result, out_dir)
    print(f"written {out.relative_to(REPO) if out.is_relative_to(REPO) else out}")
    return result
