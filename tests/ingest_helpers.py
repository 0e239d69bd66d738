"""Helpers for the live-ingest tests: valid rows, files in a tmp inbox, and what ended where.

Valid rows come from the simulator's synthesis (seeded), so every test starts from rows the
validator must accept and spoils exactly what it wants to test. ``where_ids`` answers the
conservation question: which input ids are in the lake, which in quarantine.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl

from ingest.generate.seizures import PortContext
from ingest.live import partner_updates
from ingest.live.report import BatchReport
from ingest.live.synth import synth_seizures, synth_shipments
from ingest.live.watcher import Watcher
from lake import reference
from lake.layout import table_files
from tests.repo import REPO

ID = {"seizures": "seizure_id", "shipments": "shipment_id", "referral_events": "event_id"}


def now_utc() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def valid_rows(table: str, n: int, seed: int = 1, tag: int = 0) -> pl.DataFrame:
    """``n`` rows of ``table`` in the incoming layout; ``tag`` makes ids distinct between calls."""
    rng = np.random.default_rng(seed)
    now, tick = now_utc(), 1_700_000_000_000_000 + tag
    if table == "seizures":
        return synth_seizures(rng, n, now, PortContext(reference.ports(), {}, {}), tick)
    if table == "shipments":
        seizures = synth_seizures(rng, 1, now, PortContext(reference.ports(), {}, {}), tick)
        return synth_shipments(rng, n, now, tick, seizures.clear())
    # referral events: each row refers a new case (its referred step), valid on its own
    seizure_ids = [f"SZLTEST{tag:04d}{i:05d}" for i in range(n)]
    referral_ids = [f"RFLTEST{tag:04d}{i:05d}" for i in range(n)]
    rows = partner_updates.new_referrals(rng, seizure_ids, referral_ids, now.date(), {})
    return partner_updates.events_frame(rows, [f"EVLTEST{tag:04d}{i:05d}" for i in range(n)])


def csv_bytes(frame: pl.DataFrame) -> bytes:
    sink = io.BytesIO()
    frame.write_csv(sink)
    return sink.getvalue()


def parquet_bytes(frame: pl.DataFrame) -> bytes:
    sink = io.BytesIO()
    frame.write_parquet(sink)
    return sink.getvalue()


def drop(data_dir: Path, name: str, content: bytes, age_s: float = 60.0) -> Path:
    """Put a file in the inbox with a modification time ``age_s`` in the past (settled)."""
    inbox = data_dir / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    path = inbox / name
    path.write_bytes(content)
    stamp = path.stat().st_mtime - age_s
    os.utime(path, (stamp, stamp))
    return path


def run_once(data_dir: Path, settle_s: float = 1.0, compact: bool = False) -> list[BatchReport]:
    """``watch --once`` in this process; returns the reports of the batches it processed."""
    lines: list[str] = []
    watcher = Watcher(data_dir, log=lines.append, settle_s=settle_s, interval_s=0.01)
    watcher.run(once=True, compact=compact)
    errors = [line for line in lines if line.startswith("error")]
    assert not errors, errors
    return watcher.reports


def lake_frame(data_dir: Path, table: str) -> pl.DataFrame:
    files = table_files(table, data_dir)
    if not files:
        return pl.DataFrame()
    return pl.concat([pl.read_parquet(f) for f in files], how="diagonal_relaxed")


def quarantine_frame(data_dir: Path, table: str) -> pl.DataFrame:
    folder = data_dir / "quarantine" / table
    files = [
        p
        for p in sorted(folder.glob("*.parquet"))
        if not p.with_name(f"{p.stem}.reason.txt").exists()
    ]
    if not files:
        return pl.DataFrame()
    return pl.concat([pl.read_parquet(f) for f in files], how="diagonal_relaxed")


def where_ids(data_dir: Path, table: str) -> tuple[list[str], list[str]]:
    """(ids in the lake, ids in quarantine), each sorted, duplicates kept."""
    lake = lake_frame(data_dir, table)
    quarantined = quarantine_frame(data_dir, table)
    column = ID[table]
    in_lake = sorted(lake[column].to_list()) if lake.height else []
    in_quarantine = (
        sorted(v for v in quarantined[column].to_list() if v is not None)
        if quarantined.height and column in quarantined.columns
        else []
    )
    return in_lake, in_quarantine


def assert_conserved(reports: list[BatchReport]) -> None:
    for report in reports:
        assert report.rows_accepted + report.rows_quarantined == report.rows_read, report
        assert sum(report.reasons.values()) == report.rows_quarantined, report


OPS_COMMANDS = ("watch", "demo", "targeting")  # they wire ingest and targeting: ``python -m ops``


def ingest(data_dir, *args: str, failpoint: str | None = None) -> subprocess.CompletedProcess:
    """``python -m ingest ARGS`` (``python -m ops ARGS`` for the commands that wire ingest and
    targeting together) in a subprocess on ``data_dir``, with fast settle times."""
    env = {
        **os.environ,
        "CHOKEPOINT_DATA": str(data_dir),
        "CHOKEPOINT_FILE_SETTLE_S": "0.05",
        "CHOKEPOINT_WATCH_INTERVAL_S": "0.01",
        "CHOKEPOINT_COMPACT_MIN_FILES": "3",
    }
    env.pop("CHOKEPOINT_FAILPOINT", None)
    if failpoint:
        env["CHOKEPOINT_FAILPOINT"] = failpoint
    return subprocess.run(
        [sys.executable, "-m", "ops" if args and args[0] in OPS_COMMANDS else "ingest", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
