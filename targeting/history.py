"""Point-in-time history of each shipment: what was known about it before it arrived.

Every history feature is computed "as of" the shipment's arrival, never later, so training and
evaluation see only what an officer could have seen (no leakage):

* **Counts by day.** Shipments of the same shipper, consignee, delivery address, route
  (origin > transit > port > mode), HTS line, and of all traffic, that arrived on *earlier days*
  (before 00:00 UTC of the arrival day). Arrivals are known at once (manifests are filed ahead).
* **Outcomes with a lag.** Seizures among those count only for shipments that arrived at least
  ``OUTCOME_LAG_DAYS`` full days before the arrival day: an exam result is not instant.
* **Windows.** Parcels to the same address (and how many different consignee ids used it), to the
  same consignee, and from the same shipper to the same consignee, in the ``WINDOW_DAYS`` before
  the arrival, up to the arrival itself.
* **Value norms.** Median and MAD of log(value per kg) of the HTS line over the 12 full months
  before the arrival month (robust: a few mis-declared rows do not move them).

Two ways, one definition. ``history_chunks`` computes every shipment of the lake (training,
evaluation, ``score_lake``): daily counts per key, windowed over earlier days, kept lake-wide in
DuckDB; the rows come out in runs of whole months, so memory stays bounded at national scale
(``batch_history`` is the same in one frame, for lakes that fit in memory).
``live_history`` scores a new batch against the lake in well under a second: the priors come
from a snapshot of the lake "as of the start of the arrival day" (they count earlier days only,
so one snapshot serves a whole day and is cached, ``SNAPSHOT_TTL_S``), norms from a per-month
snapshot, and the windows run the batch SQL over the few lake rows of the same addresses and
consignees. ``tests/test_targeting_history.py`` checks that both ways give the same numbers.
Known limit: rows of earlier days that reach the lake after a snapshot count from its refresh.

The counting is SQL, in ``queries/targeting_history.py`` (named queries through the gateway);
this module chooses what to ask for, keeps the snapshots, joins the parts and derives the rates.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import polars as pl

import settings
from queries import targeting_history as history_sql
from queries.gateway import Gateway

# The counting windows are fixed with the SQL that counts (queries/targeting_history.py).
OUTCOME_LAG_DAYS = history_sql.OUTCOME_LAG_DAYS
WINDOW_DAYS = history_sql.WINDOW_DAYS
NORM_MONTHS = history_sql.NORM_MONTHS
BASE_COLUMNS = history_sql.BASE_COLUMNS  # what history reads; its features are added to these
NORM_MIN_ROWS = 30  # fewer rows of a line in the norm window: no norm, no value flag
MAD_FLOOR = 0.05  # log units: a line whose values never vary must not turn noise into outliers
PRIOR_STRENGTH = 200.0  # Beta prior worth 200 shipments: 3 shipments do not outrank 3,000
BASE_PRIOR = (1.0, 100.0)  # (seized, shipments) before any history: about 1 %
SNAPSHOT_TTL_S = 600.0
# A batch arriving over more days than this (a backfill) is scored against priors computed in
# one pass for its own keys, not against a cached snapshot of the whole lake per day.
SNAPSHOT_DAYS = 3

PARTY_KEYS = {"shipper": "shipper_id", "consignee": "consignee_id", "address": "address_id"}
SNAPSHOT_KEYS = {"route": "route", "hts": "hts_code"}
PRIOR_KEYS = {**PARTY_KEYS, **SNAPSHOT_KEYS, "all": "'all'"}  # column of the rows frame
HISTORY_COLUMNS = (
    *(f"{p}_prior_{x}" for p in (*PARTY_KEYS, *SNAPSHOT_KEYS, "all") for x in ("n", "s")),
    "address_window_n",
    "address_window_names",
    "consignee_window_n",
    "pair_window_n",
    "norm_median",
    "norm_mad",
    "norm_n",
    "history_days",
)
DERIVED_COLUMNS = ("base_rate", "route_rate", "hts_rate", "value_z")


def _attach(
    frame: pl.DataFrame,
    priors: dict[str, pl.DataFrame],
    windows: pl.DataFrame,
    norms: pl.DataFrame,
    first_day: int | None,
) -> pl.DataFrame:
    """Join priors (by key and day), windows (by id) and norms (by line and month), derive."""
    for name, prior in priors.items():
        key = PRIOR_KEYS[name]
        renamed = prior.select(
            pl.col("k").alias(key if key != "'all'" else "_all"),
            pl.col("day").cast(pl.Int64),
            pl.col("pn").alias(f"{name}_prior_n"),
            pl.col("ps").alias(f"{name}_prior_s"),
        )
        if key == "'all'":
            frame = frame.join(renamed.drop("_all"), on="day", how="left")
        else:
            frame = frame.join(renamed, on=[key, "day"], how="left")
    frame = frame.join(windows, on="shipment_id", how="left")
    frame = frame.join(norms, on=["hts_code", "month"], how="left")
    history_days = pl.col("day") - first_day if first_day is not None else pl.lit(0)
    counts = [c for c in HISTORY_COLUMNS if c.endswith(("_n", "_s", "_names"))]
    return derive(
        frame.with_columns(
            *[pl.col(c).fill_null(0).cast(pl.Int64) for c in counts],
            history_days.clip(lower_bound=0).cast(pl.Int64).alias("history_days"),
        )
    )


def derive(frame: pl.DataFrame) -> pl.DataFrame:
    """Smoothed seizure rates (Beta prior around the all-traffic rate) and the value z-score."""
    a, b = BASE_PRIOR
    base = (pl.col("all_prior_s") + a) / (pl.col("all_prior_n") + b)
    m = PRIOR_STRENGTH
    rate = {
        f"{name}_rate": (pl.col(f"{name}_prior_s") + m * pl.col("base_rate"))
        / (pl.col(f"{name}_prior_n") + m)
        for name in SNAPSHOT_KEYS
    }
    scale = 1.4826 * pl.max_horizontal(pl.col("norm_mad"), pl.lit(MAD_FLOOR))
    distance = (pl.col("lv") - pl.col("norm_median")) / scale
    z = pl.when(pl.col("norm_n") >= NORM_MIN_ROWS).then(distance)
    return frame.with_columns(base.alias("base_rate")).with_columns(
        *[expr.alias(name) for name, expr in rate.items()], z.alias("value_z")
    )


# -- batch: every shipment of the lake --------------------------------------------------------
def _month_runs(gateway: Gateway, chunk_rows: int) -> list[tuple[date, date]]:
    """Runs of whole arrival months of about ``chunk_rows`` shipments each, oldest first, as
    [start, end) month starts."""
    counts = history_sql.shipments_per_month(gateway)
    runs: list[tuple[date, date]] = []
    start, rows = None, 0
    for month, n in counts:
        start = start or month
        rows += n
        if rows >= chunk_rows:
            runs.append((start, _next_month(month)))
            start, rows = None, 0
    if start is not None:
        runs.append((start, _next_month(counts[-1][0])))
    return runs


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _joined(parts: history_sql.HistoryParts) -> pl.DataFrame:
    return _attach(parts.rows, parts.priors, parts.windows, parts.norms, parts.first_day)


def history_chunks(gateway: Gateway, chunk_rows: int | None = None) -> Iterator[pl.DataFrame]:
    """Every shipment of the lake with its point-in-time history, in runs of whole months,
    oldest first (each sorted by arrival), so a batch job over 20 million shipments never holds
    more than a chunk: the lake-wide priors stay in DuckDB, which spills them to disk.
    ``chunk_rows`` defaults to the ``history_chunk_rows`` setting.
    """
    runs = _month_runs(gateway, chunk_rows or settings.get("history_chunk_rows"))
    for parts in history_sql.lake_history_parts(gateway, runs):
        yield _joined(parts).sort("arrived_at", "shipment_id")


def batch_history(gateway: Gateway, chunk_rows: int | None = None) -> pl.DataFrame:
    """Every shipment of the lake with its point-in-time history, in one frame sorted by arrival
    (for lakes that fit in memory; batch jobs at scale iterate ``history_chunks``)."""
    chunks = list(history_chunks(gateway, chunk_rows))
    if chunks:
        return pl.concat(chunks)
    rows, windows = history_sql.no_rows(gateway)
    priors = {name: _empty_prior() for name in history_sql.PRIOR_SQL}
    return _attach(rows, priors, windows, _empty_norms(), None)


# -- live: a new batch against the lake -------------------------------------------------------
@dataclass
class SnapshotCache:
    """Per-day priors (parties, routes, HTS lines, all traffic) and per-month value norms of one
    lake, each kept ``SNAPSHOT_TTL_S``.

    Both depend only on earlier days (months), so they change at midnight, not with each batch;
    rows from earlier days that reach the lake later count from the next refresh.
    """

    data_dir: Path
    entries: dict = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, key: tuple, compute: Callable[[], object]):
        now = time.monotonic()
        with self.lock:
            hit = self.entries.get(key)
            if hit and now - hit[0] < SNAPSHOT_TTL_S:
                return hit[1]
        value = compute()
        with self.lock:
            self.entries[key] = (now, value)
            if len(self.entries) > 64:
                oldest = min(self.entries, key=lambda k: self.entries[k][0])
                self.entries.pop(oldest)
        return value


def _needed_priors(rows: pl.DataFrame) -> pl.DataFrame:
    """The (prior, key, day) pairs a batch's rows need, keys as text."""
    return pl.concat(
        [
            rows.select(
                pl.lit(name).alias("name"),
                (pl.lit("all") if key == "'all'" else pl.col(key).cast(pl.Utf8)).alias("k"),
                pl.col("day").cast(pl.Int64),
            )
            for name, key in PRIOR_KEYS.items()
        ]
    ).unique()


def live_history(
    gateway: Gateway,
    frame: pl.DataFrame,
    cache: SnapshotCache,
    snapshot_days: int = SNAPSHOT_DAYS,
) -> pl.DataFrame:
    """History of the rows of ``frame`` (shipments columns) against the lake as it is now.

    Priors come from the cached snapshot of the arrival day (they count earlier days only, so a
    batch's own rows never count for themselves), or, for a batch spanning more than
    ``snapshot_days`` days (a backfill), from one pass over the lake for the batch's own keys
    (the same numbers as a snapshot per day, at a cost that grows with the batch's rows, not
    with the days it spans). Windows run the batch SQL over the lake rows of the same addresses
    and consignees in the window. The lake's own copies of the batch's shipment ids are left
    out, so a batch already committed scores like one that is not.
    """
    base, windows = history_sql.batch_parts(gateway, frame)
    days = sorted(set(base["day"].to_list()))
    months = sorted(set(base["month"].to_list()))
    if len(days) > snapshot_days:
        priors, first_day = history_sql.backfill_priors(gateway, _needed_priors(base))
        norm = history_sql.month_norms(gateway, months)
        return _attach(base, priors, windows, norm, first_day)
    first_day = None
    snapshots: dict[str, list[pl.DataFrame]] = {name: [] for name in history_sql.PRIOR_SQL}
    for day in days:
        snap, first_day = cache.get(("day", day), lambda d=day: history_sql.day_priors(gateway, d))
        for name in history_sql.PRIOR_SQL:
            snapshots[name].append(snap[name])
    norms = [
        cache.get(("month", m), lambda m=m: history_sql.month_norms(gateway, [m])) for m in months
    ]
    priors = {
        name: pl.concat(parts) if parts else _empty_prior() for name, parts in snapshots.items()
    }
    norm = pl.concat(norms) if norms else _empty_norms()
    return _attach(base, priors, windows, norm, first_day)


def warm(gateway: Gateway, cache: SnapshotCache, when: datetime) -> None:
    """Build the snapshot of ``when``'s day (and month) now, so the first batch of the day does
    not pay for it (about a second per million lake rows)."""
    day = (when.date() - date(1970, 1, 1)).days
    month = when.date().replace(day=1)
    cache.get(("day", day), lambda: history_sql.day_priors(gateway, day))
    cache.get(("month", month), lambda: history_sql.month_norms(gateway, [month]))


def _empty_prior() -> pl.DataFrame:
    return pl.DataFrame(schema={"k": pl.Utf8, "day": pl.Int64, "pn": pl.Int64, "ps": pl.Int64})


def _empty_norms() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "month": pl.Date,
            "hts_code": pl.Utf8,
            "norm_median": pl.Float64,
            "norm_n": pl.Int64,
            "norm_mad": pl.Float64,
        }
    )
