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
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl

import settings

OUTCOME_LAG_DAYS = 1
WINDOW_DAYS = 4  # split consignments arrive within a few days (CBP: one box, ~100 parcels)
NORM_MONTHS = 12
NORM_MIN_ROWS = 30  # fewer rows of a line in the norm window: no norm, no value flag
MAD_FLOOR = 0.05  # log units: a line whose values never vary must not turn noise into outliers
PRIOR_STRENGTH = 200.0  # Beta prior worth 200 shipments: 3 shipments do not outrank 3,000
BASE_PRIOR = (1.0, 100.0)  # (seized, shipments) before any history: about 1 %
SNAPSHOT_TTL_S = 600.0
# A batch arriving over more days than this (a backfill) is scored against priors computed in
# one pass for its own keys, not against a cached snapshot of the whole lake per day.
SNAPSHOT_DAYS = 3

DAY = "datediff('day', DATE '1970-01-01', arrived_at)"
ROUTE = "concat_ws('>', origin_country, coalesce(transit_country, '-'), port_code, mode)"
LOG_VPK = "ln(greatest(declared_value_usd, 0.01) / greatest(declared_weight_kg, 0.001))"

# Base columns every history computation reads; history features are added to these.
BASE_COLUMNS = (
    "shipment_id", "arrived_at", "port_code", "area_id", "mode", "hts_code", "description",
    "declared_value_usd", "declared_weight_kg", "origin_country", "transit_country",
    "shipper_id", "consignee_id", "consignee_name", "consignee_address_id", "carrier",
    "entry_type", "master_carton", "preprinted_domestic_label", "dea_transaction_id",
    "examined", "outcome",
)  # fmt: skip
PARTY_KEYS = {"shipper": "shipper_id", "consignee": "consignee_id", "address": "address_id"}
SNAPSHOT_KEYS = {"route": "route", "hts": "hts_code"}
PRIOR_KEYS = {**PARTY_KEYS, **SNAPSHOT_KEYS, "all": "'all'"}  # column of the base frame
PRIOR_SQL = {  # the same keys as SQL over the shipments columns
    "shipper": "shipper_id",
    "consignee": "consignee_id",
    "address": "consignee_address_id",
    "route": ROUTE,
    "hts": "hts_code",
    "all": "'all'",
}
HISTORY_COLUMNS = (
    *(f"{p}_prior_{x}" for p in (*PARTY_KEYS, *SNAPSHOT_KEYS, "all") for x in ("n", "s")),
    "address_window_n", "address_window_names", "consignee_window_n", "pair_window_n",
    "norm_median", "norm_mad", "norm_n", "history_days",
)  # fmt: skip
DERIVED_COLUMNS = ("base_rate", "route_rate", "hts_rate", "value_z")


def _normalised(table: str, target: str, where: str = "TRUE") -> str:
    """The columns the history SQL needs, from ``table`` (a view or a registered frame)."""
    base = ", ".join(BASE_COLUMNS)
    return f"""
        SELECT {base}, consignee_address_id AS address_id, {DAY} AS day, {ROUTE} AS route,
               outcome = 'seized' AS seized, {LOG_VPK} AS lv,
               CAST(date_trunc('month', arrived_at) AS DATE) AS month, {target} AS target
        FROM {table} WHERE {where}
    """  # noqa: S608 -- table names and fragments are fixed in this module


def _daily_sql(key: str, table: str, where: str = "TRUE") -> str:
    """Shipments and seizures per (key, day) of ``table``: all a prior needs."""
    return f"""
        SELECT CAST({key} AS VARCHAR) AS k, {DAY} AS day, count(*) AS n,
               count_if(outcome = 'seized') AS s
        FROM {table} WHERE {where} GROUP BY ALL
    """  # noqa: S608 -- fragments fixed in this module


def _prior_sql(daily_sql: str) -> str:
    """Per (key, day): shipments on earlier days and seizures ``OUTCOME_LAG_DAYS`` before that."""
    lag = 1 + OUTCOME_LAG_DAYS
    return f"""
        WITH daily AS (SELECT k, day, sum(n) AS n, sum(s) AS s FROM ({daily_sql}) GROUP BY ALL)
        SELECT k, day,
               coalesce(sum(n) OVER (PARTITION BY k ORDER BY day
                   RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS pn,
               coalesce(sum(s) OVER (PARTITION BY k ORDER BY day
                   RANGE BETWEEN UNBOUNDED PRECEDING AND {lag} PRECEDING), 0) AS ps
        FROM daily
    """  # noqa: S608 -- fragments fixed in this module


def _windows_sql(src_sql: str) -> str:
    """Parcels to the same address (and distinct consignees there) and to the same consignee in
    the ``WINDOW_DAYS`` up to each ``target`` row of ``src_sql``."""
    window = f"RANGE BETWEEN INTERVAL {WINDOW_DAYS} DAY PRECEDING AND CURRENT ROW"
    return f"""
        SELECT shipment_id,
               count(*) OVER wa AS address_window_n,
               count(DISTINCT consignee_id) OVER wa AS address_window_names,
               count(*) OVER wc AS consignee_window_n,
               count(*) OVER ws AS pair_window_n
        FROM ({src_sql})
        WINDOW wa AS (PARTITION BY consignee_address_id ORDER BY arrived_at {window}),
               wc AS (PARTITION BY consignee_id ORDER BY arrived_at {window}),
               ws AS (PARTITION BY consignee_id, shipper_id ORDER BY arrived_at {window})
        QUALIFY target
    """  # noqa: S608 -- fragments fixed in this module


WINDOW_COLUMNS = "shipment_id, arrived_at, shipper_id, consignee_id, consignee_address_id"


def _values_sql(where: str = "TRUE") -> str:
    """The three columns value norms need, from the lake."""
    return f"""
        SELECT hts_code, CAST(date_trunc('month', arrived_at) AS DATE) AS month, {LOG_VPK} AS lv
        FROM shipments WHERE {where}
    """  # noqa: S608 -- fragments fixed in this module


def _norms_sql(src_sql: str, months_sql: str) -> str:
    """Median and MAD of log value per kg by (HTS line, month) over the 12 months before it."""
    return f"""
        WITH src AS ({src_sql}),
        months AS ({months_sql}),
        windowed AS (
            SELECT m.month AS month, s.hts_code, s.lv FROM months m JOIN src s
              ON s.month < m.month AND s.month >= m.month - INTERVAL {NORM_MONTHS} MONTH
        ),
        medians AS (
            SELECT month, hts_code, median(lv) AS norm_median, count(*) AS norm_n
            FROM windowed GROUP BY ALL
        )
        SELECT month, hts_code, norm_median, norm_n, median(abs(lv - norm_median)) AS norm_mad
        FROM windowed JOIN medians USING (month, hts_code)
        GROUP BY ALL
    """  # noqa: S608 -- fragments fixed in this module


def _frame(cur: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> pl.DataFrame:
    return pl.from_arrow(cur.sql(sql, params=params).to_arrow_table())


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
            pl.col("k").alias(key if key != "'all'" else "_all"), pl.col("day").cast(pl.Int64),
            pl.col("pn").alias(f"{name}_prior_n"), pl.col("ps").alias(f"{name}_prior_s"),
        )  # fmt: skip
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
def _month_edges(cur: duckdb.DuckDBPyConnection, chunk_rows: int) -> list[tuple[date, date]]:
    """Runs of whole arrival months of about ``chunk_rows`` shipments each, oldest first, as
    [start, end) month starts."""
    counts = cur.sql(
        "SELECT CAST(date_trunc('month', arrived_at) AS DATE) AS m, count(*) AS n "
        "FROM shipments GROUP BY ALL ORDER BY m"
    ).fetchall()
    edges: list[tuple[date, date]] = []
    start, rows = None, 0
    for month, n in counts:
        start = start or month
        rows += n
        if rows >= chunk_rows:
            edges.append((start, _next_month(month)))
            start, rows = None, 0
    if start is not None:
        edges.append((start, _next_month(counts[-1][0])))
    return edges


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _chunk_history(
    cur: duckdb.DuckDBPyConnection, lo: date, hi: date, first_day: int, priors: dict[str, str]
) -> pl.DataFrame:
    """History of the shipments that arrived in months [lo, hi); every count still looks at the
    whole lake before them: priors come from the lake-wide tables in ``priors``, windows and
    norms read the few days (months) before ``lo`` too."""
    start, end = (
        datetime.combine(lo, datetime.min.time()),
        datetime.combine(hi, datetime.min.time()),
    )
    frame = _frame(cur, _normalised("shipments", "TRUE", "arrived_at >= ? AND arrived_at < ?"),
                   [start, end])  # fmt: skip
    first, last = (start.date() - date(1970, 1, 1)).days, (end.date() - date(1970, 1, 1)).days
    chunk_priors = {
        name: _frame(cur, f"SELECT * FROM {table} WHERE day >= ? AND day < ?", [first, last])  # noqa: S608
        for name, table in priors.items()
    }
    marked = f"""
        SELECT {WINDOW_COLUMNS}, arrived_at >= ? AS target FROM shipments
        WHERE arrived_at >= CAST(? AS TIMESTAMP) - INTERVAL {WINDOW_DAYS} DAY AND arrived_at < ?
    """  # noqa: S608 -- fragments fixed in this module
    windows = _frame(cur, _windows_sql(marked), [start, start, end])
    values = _values_sql(
        f"arrived_at >= CAST(? AS TIMESTAMP) - INTERVAL {NORM_MONTHS} MONTH AND arrived_at < ?"
    )
    months = "SELECT DISTINCT CAST(date_trunc('month', arrived_at) AS DATE) AS month "
    months += "FROM shipments WHERE arrived_at >= ? AND arrived_at < ?"
    norms = _frame(cur, _norms_sql(values, months), [start, end, start, end])
    return _attach(frame, chunk_priors, windows, norms, first_day).sort("arrived_at", "shipment_id")


def history_chunks(
    cur: duckdb.DuckDBPyConnection, chunk_rows: int | None = None
) -> Iterator[pl.DataFrame]:
    """Every shipment of the lake with its point-in-time history, in runs of whole months,
    oldest first (each sorted by arrival), so a batch job over 20 million shipments never holds
    more than a chunk: the lake-wide priors live in DuckDB temporary tables, which spill to disk.
    ``chunk_rows`` defaults to the ``history_chunk_rows`` setting.
    """
    edges = _month_edges(cur, chunk_rows or settings.get("history_chunk_rows"))
    if not edges:
        return
    first_day = cur.sql(f"SELECT min({DAY}) FROM shipments").fetchall()[0][0]  # noqa: S608
    priors = {name: f"_history_prior_{name}" for name in PRIOR_SQL}
    try:
        for name, key_sql in PRIOR_SQL.items():
            cur.execute(
                f"CREATE OR REPLACE TEMP TABLE {priors[name]} AS "
                f"{_prior_sql(_daily_sql(key_sql, 'shipments'))}"
            )
        for lo, hi in edges:
            yield _chunk_history(cur, lo, hi, first_day, priors)
    finally:
        for table in priors.values():
            cur.execute(f"DROP TABLE IF EXISTS {table}")


def batch_history(cur: duckdb.DuckDBPyConnection, chunk_rows: int | None = None) -> pl.DataFrame:
    """Every shipment of the lake with its point-in-time history, in one frame sorted by arrival
    (for lakes that fit in memory; batch jobs at scale iterate ``history_chunks``)."""
    chunks = list(history_chunks(cur, chunk_rows))
    if chunks:
        return pl.concat(chunks)
    empty = f"SELECT {WINDOW_COLUMNS}, FALSE AS target FROM shipments WHERE FALSE"  # noqa: S608
    return _attach(
        _frame(cur, _normalised("shipments", "TRUE", "FALSE")),
        {name: _empty_prior() for name in PRIOR_SQL},
        _frame(cur, _windows_sql(empty)),
        _empty_norms(),
        None,
    )


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


def _day_snapshot(cur: duckdb.DuckDBPyConnection, day: int) -> tuple[dict, int | None]:
    """Every prior as of the start of ``day`` (parties, routes, HTS lines, all traffic), and the
    lake's first day. Priors only count earlier days, so one snapshot serves the whole day."""
    lag = 1 + OUTCOME_LAG_DAYS
    out = {}
    for name, key in PRIOR_SQL.items():
        sql = f"""
            SELECT CAST({key} AS VARCHAR) AS k, count(*) AS pn,
                   count_if(outcome = 'seized' AND {DAY} <= ? - {lag}) AS ps
            FROM shipments WHERE {DAY} < ? GROUP BY ALL
        """  # noqa: S608 -- fragments fixed in this module
        out[name] = _frame(cur, sql, [day, day]).with_columns(pl.lit(day).alias("day"))
    first = cur.sql(f"SELECT min({DAY}) FROM shipments").fetchall()[0][0]  # noqa: S608
    return out, first


def _live_window_rows() -> str:
    """The lake rows of the batch's addresses and consignees inside the window, plus the batch."""
    return f"""
        SELECT {WINDOW_COLUMNS}, FALSE AS target FROM shipments
        WHERE (consignee_address_id IN (SELECT consignee_address_id FROM _incoming)
               OR consignee_id IN (SELECT consignee_id FROM _incoming))
          AND arrived_at >= (SELECT min(arrived_at) FROM _incoming) - INTERVAL {WINDOW_DAYS} DAY
          AND arrived_at <= (SELECT max(arrived_at) FROM _incoming)
          AND shipment_id NOT IN (SELECT shipment_id FROM _incoming)
        UNION ALL
        SELECT {WINDOW_COLUMNS}, TRUE AS target FROM _incoming
    """  # noqa: S608 -- fragments fixed in this module


def _backfill_priors(
    cur: duckdb.DuckDBPyConnection, base: pl.DataFrame
) -> tuple[dict[str, pl.DataFrame], int | None]:
    """Every prior of a batch whose arrivals span many days, in one pass per key: the lake's
    daily counts of the batch's own keys only, summed over the days before each (key, day) pair
    the batch needs. The same numbers as a snapshot per day (``_day_snapshot``), at a cost that
    grows with the batch's rows, not with the number of days it spans."""
    lag = 1 + OUTCOME_LAG_DAYS
    needed = pl.concat(
        [
            base.select(
                pl.lit(name).alias("name"),
                (pl.lit("all") if key == "'all'" else pl.col(key).cast(pl.Utf8)).alias("k"),
                pl.col("day").cast(pl.Int64),
            )
            for name, key in PRIOR_KEYS.items()
        ]
    ).unique()
    last_day = int(needed["day"].max())
    cur.register("_needed", needed.to_arrow())
    try:
        out = {}
        for name, key in PRIOR_SQL.items():
            sql = f"""
                WITH need AS (SELECT k, day FROM _needed WHERE name = ?),
                daily AS (
                    SELECT CAST({key} AS VARCHAR) AS k, {DAY} AS day, count(*) AS n,
                           count_if(outcome = 'seized') AS s
                    FROM shipments
                    WHERE {DAY} < ? AND CAST({key} AS VARCHAR) IN (SELECT k FROM need)
                    GROUP BY ALL
                )
                SELECT need.k, coalesce(sum(d.n), 0) AS pn,
                       coalesce(sum(d.s) FILTER (WHERE d.day <= need.day - {lag}), 0) AS ps,
                       need.day
                FROM need LEFT JOIN daily d ON d.k = need.k AND d.day < need.day
                GROUP BY need.k, need.day
            """  # noqa: S608 -- fragments fixed in this module
            out[name] = _frame(cur, sql, [name, last_day])
    finally:
        cur.unregister("_needed")
    first = cur.sql(f"SELECT min({DAY}) FROM shipments").fetchall()[0][0]  # noqa: S608
    return out, first


def _months_norms(cur: duckdb.DuckDBPyConnection, months: list[date]) -> pl.DataFrame:
    """Value norms of the arrival months, in one query (a backfill spans many; a live batch,
    one month, cached)."""
    lake = _values_sql("arrived_at < ?")
    listed = "SELECT unnest(CAST(? AS DATE[])) AS month"
    return _frame(cur, _norms_sql(lake, listed), [max(months), months])


def live_history(
    cur: duckdb.DuckDBPyConnection,
    frame: pl.DataFrame,
    cache: SnapshotCache,
    snapshot_days: int = SNAPSHOT_DAYS,
) -> pl.DataFrame:
    """History of the rows of ``frame`` (shipments columns) against the lake as it is now.

    Priors come from the cached snapshot of the arrival day (they count earlier days only, so a
    batch's own rows never count for themselves), or, for a batch spanning more than
    ``snapshot_days`` days (a backfill), from one pass over the lake for the batch's own keys.
    Windows run the batch SQL over the lake rows of the same addresses and consignees in the
    window. The lake's own copies of the batch's shipment ids are left out, so a batch already
    committed scores like one that is not.
    """
    cur.register("_incoming", frame.select(BASE_COLUMNS).to_arrow())
    try:
        base = _frame(cur, _normalised("_incoming", "TRUE"))
        windows = _frame(cur, _windows_sql(_live_window_rows()))
    finally:
        cur.unregister("_incoming")
    days = sorted(set(base["day"].to_list()))
    months = sorted(set(base["month"].to_list()))
    if len(days) > snapshot_days:
        priors, first_day = _backfill_priors(cur, base)
        norm = _months_norms(cur, months)
        return _attach(base, priors, windows, norm, first_day)
    first_day = None
    snapshots: dict[str, list[pl.DataFrame]] = {name: [] for name in PRIOR_SQL}
    for day in days:
        snap, first_day = cache.get(("day", day), lambda d=day: _day_snapshot(cur, d))
        for name in PRIOR_SQL:
            snapshots[name].append(snap[name])
    norms = [cache.get(("month", m), lambda m=m: _months_norms(cur, [m])) for m in months]
    priors = {
        name: pl.concat(parts) if parts else _empty_prior() for name, parts in snapshots.items()
    }
    norm = pl.concat(norms) if norms else _empty_norms()
    return _attach(base, priors, windows, norm, first_day)


def warm(cur: duckdb.DuckDBPyConnection, cache: SnapshotCache, when: datetime) -> None:
    """Build the snapshot of ``when``'s day (and month) now, so the first batch of the day does
    not pay for it (about a second per million lake rows)."""
    day = (when.date() - date(1970, 1, 1)).days
    month = when.date().replace(day=1)
    cache.get(("day", day), lambda: _day_snapshot(cur, day))
    cache.get(("month", month), lambda: _months_norms(cur, [month]))


def _empty_prior() -> pl.DataFrame:
    return pl.DataFrame(schema={"k": pl.Utf8, "day": pl.Int64, "pn": pl.Int64, "ps": pl.Int64})


def _empty_norms() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "month": pl.Date, "hts_code": pl.Utf8, "norm_median": pl.Float64,
            "norm_n": pl.Int64, "norm_mad": pl.Float64,
        }
    )  # fmt: skip
