"""Scoring a backfill: a batch of shipments whose arrivals span most of a year.

A live batch arrives within a day and is scored against a cached per-day snapshot of the lake's
priors; a backfill spans hundreds of days, and must be scored in time that grows with its rows,
not its days. Timed over the configured lake (``CHOKEPOINT_DATA``, default the demo lake), each
repeat from a cold snapshot cache: ``score_shipments`` for ``ROWS`` shipments spread over
``DAYS`` days, against the baseline of the same rows arriving on one day.
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime

import numpy as np
import polars as pl

import settings
from ingest.generate.seizures import PortContext
from ingest.live.synth import synth_seizures, synth_shipments
from lake import reference
from queries.gateway import Gateway
from targeting import scoring

ROWS = 1_200
DAYS = 336


def _rows(spread_days: int) -> pl.DataFrame:
    now = datetime.now(UTC).replace(tzinfo=None)
    rng = np.random.default_rng(ROWS)
    seizures = synth_seizures(rng, 1, now, PortContext(reference.ports(), {}, {}), 1)
    rows = synth_shipments(rng, ROWS, now, 1, seizures.clear())
    offset = pl.int_range(pl.len()) * spread_days // ROWS
    return rows.with_columns(
        (pl.col("shipment_id") + pl.lit(f"-BF{spread_days}")).alias("shipment_id"),
        (pl.lit(now) - pl.duration(days=offset, hours=1)).alias("arrived_at"),
    )


def _timed(frame: pl.DataFrame, repeats: int) -> list[float]:
    gateway = Gateway(settings.data_dir())
    out = []
    for _ in range(repeats):
        scoring._caches.clear()  # cold: no per-day snapshot built by an earlier repeat
        started = time.perf_counter()
        scores = scoring.score_shipments(frame, gateway)
        out.append(time.perf_counter() - started)
        assert scores.height == frame.height and scores["score"].null_count() == 0
    return out


def run_backfill_bench(repeats: int = 5) -> dict:
    backfill = _timed(_rows(DAYS), repeats)
    one_day = _timed(_rows(0), repeats)
    p50, base = statistics.median(backfill), statistics.median(one_day)
    return {
        "rows": ROWS,
        "days": DAYS,
        "backfill_p50_s": round(p50, 3),
        "backfill_p95_s": round(sorted(backfill)[-1 if repeats < 20 else int(0.95 * repeats)], 3),
        "one_day_p50_s": round(base, 3),
        "x_one_day": round(p50 / base, 2),
    }
