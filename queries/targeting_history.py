"""The SQL of point-in-time history: what was known about each shipment before it arrived.

``targeting/history.py`` defines the features and joins the parts these queries return; the
counting itself runs here, in DuckDB, over the ``shipments`` view. Every count looks at earlier
days only (outcomes ``OUTCOME_LAG_DAYS`` later still), windows end at the arrival, value norms
come from the ``NORM_MONTHS`` full months before it.

Two roads, one definition. ``lake_history_parts`` reads every shipment of the lake in runs of
whole months, with the lake-wide priors kept in DuckDB temporary tables of one session (they
spill to disk; a frame in Python would not). ``batch_parts``, ``day_priors``,
``backfill_priors`` and ``month_norms`` serve a new batch: its own rows and windows, and priors
and norms the caller may keep for a day (``targeting.history.SnapshotCache``).

Every query runs in a gateway session (``queries/session.py``) bounded by the
``batch_query_time_limit_ms`` setting: these are batch work (training, scoring the lake, the
watcher's scoring thread), whose scans of a national lake take longer than a page may wait. None
is kept in the result cache: the frames are large, read once, and a new batch would make them
stale at once (the snapshots are kept per day by the caller instead).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

import polars as pl

import settings
from lake.contract import SHIPMENT_DECLARED
from queries.gateway import Gateway
from queries.session import Session

OUTCOME_LAG_DAYS = 1
WINDOW_DAYS = 4  # split consignments arrive within a few days (CBP: one box, ~100 parcels)
NORM_MONTHS = 12

DAY = "datediff('day', DATE '1970-01-01', arrived_at)"
ROUTE = "concat_ws('>', origin_country, coalesce(transit_country, '-'), port_code, mode)"
LOG_VPK = "ln(greatest(declared_value_usd, 0.01) / greatest(declared_weight_kg, 0.001))"

# Base columns every history computation reads; history features are added to these.
BASE_COLUMNS = SHIPMENT_DECLARED
PRIOR_SQL = {  # each prior's key as SQL over the shipments columns
    "shipper": "shipper_id",
    "consignee": "consignee_id",
    "address": "consignee_address_id",
    "route": ROUTE,
    "hts": "hts_code",
    "all": "'all'",
}
WINDOW_COLUMNS = "shipment_id, arrived_at, shipper_id, consignee_id, consignee_address_id"
INCOMING = "_incoming"  # a new batch, registered in its session
NEEDED = "_needed"  # the (prior, key, day) a backfill needs, registered in its session
FIRST_DAY_SQL = f"SELECT min({DAY}) FROM shipments"  # noqa: S608 -- fixed fragment


def _time_limit_s() -> float:
    return settings.get("batch_query_time_limit_ms") / 1000


# -- SQL builders: table names and fragments are this module's constants, values are bound ----
def _normalised(table: str, where: str = "TRUE") -> str:
    """The columns the history needs, from ``table`` (the view or a registered batch)."""
    base = ", ".join(BASE_COLUMNS)
    return f"""
        SELECT {base}, consignee_address_id AS address_id, {DAY} AS day, {ROUTE} AS route,
               outcome = 'seized' AS seized, {LOG_VPK} AS lv,
               CAST(date_trunc('month', arrived_at) AS DATE) AS month, TRUE AS target
        FROM {table} WHERE {where}
    """  # noqa: S608 -- table names and fragments are fixed in this module


def _daily_sql(key: str, table: str) -> str:
    """Shipments and seizures per (key, day) of ``table``: all a prior needs."""
    return f"""
        SELECT CAST({key} AS VARCHAR) AS k, {DAY} AS day, count(*) AS n,
               count_if(outcome = 'seized') AS s
        FROM {table} GROUP BY ALL
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


def _values_sql(where: str) -> str:
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


# -- the whole lake, in runs of whole months --------------------------------------------------
@dataclass(frozen=True)
class HistoryParts:
    """What the SQL knows of some shipments: their ``rows`` (base columns, ``day``, ``route``,
    ``month``, ``lv``, ...), each prior (``k``, ``day``, ``pn``, ``ps``), the windows by
    ``shipment_id``, the value norms by (``hts_code``, ``month``), and the lake's first day."""

    rows: pl.DataFrame
    priors: dict[str, pl.DataFrame]
    windows: pl.DataFrame
    norms: pl.DataFrame
    first_day: int | None


def shipments_per_month(gateway: Gateway) -> list[tuple[date, int]]:
    """(arrival month, shipments) of the lake, oldest first: where a batch job cuts its runs."""
    sql = """
        SELECT CAST(date_trunc('month', arrived_at) AS DATE) AS m, count(*) AS n
        FROM shipments GROUP BY ALL ORDER BY m
    """
    with gateway.session(time_limit_s=_time_limit_s()) as session:
        return list(session.frame(sql).iter_rows())


def lake_history_parts(gateway: Gateway, runs: list[tuple[date, date]]) -> Iterator[HistoryParts]:
    """The parts of the shipments arriving in each run of months [start, end), in order.

    The lake-wide priors are computed once into temporary tables of one session, which lasts as
    long as the iteration; each run then reads its own days of them, and its windows and norms
    read the few days (months) before it too, so every count still sees the whole lake."""
    if not runs:
        return
    tables = {name: f"_history_prior_{name}" for name in PRIOR_SQL}
    with gateway.session(time_limit_s=_time_limit_s()) as session:
        first_day = session.value(FIRST_DAY_SQL)
        for name, key_sql in PRIOR_SQL.items():
            session.create_temp_table(tables[name], _prior_sql(_daily_sql(key_sql, "shipments")))
        for lo, hi in runs:
            yield _run_parts(session, lo, hi, first_day, tables)


def _run_parts(
    session: Session, lo: date, hi: date, first_day: int | None, tables: dict[str, str]
) -> HistoryParts:
    start = datetime.combine(lo, datetime.min.time())
    end = datetime.combine(hi, datetime.min.time())
    rows = session.frame(
        _normalised("shipments", "arrived_at >= ? AND arrived_at < ?"), [start, end]
    )
    first, last = (lo - date(1970, 1, 1)).days, (hi - date(1970, 1, 1)).days
    priors = {
        name: session.frame(f"SELECT * FROM {table} WHERE day >= ? AND day < ?", [first, last])  # noqa: S608
        for name, table in tables.items()
    }
    marked = f"""
        SELECT {WINDOW_COLUMNS}, arrived_at >= ? AS target FROM shipments
        WHERE arrived_at >= CAST(? AS TIMESTAMP) - INTERVAL {WINDOW_DAYS} DAY AND arrived_at < ?
    """  # noqa: S608 -- fragments fixed in this module
    windows = session.frame(_windows_sql(marked), [start, start, end])
    values = _values_sql(
        f"arrived_at >= CAST(? AS TIMESTAMP) - INTERVAL {NORM_MONTHS} MONTH AND arrived_at < ?"
    )
    months = """
        SELECT DISTINCT CAST(date_trunc('month', arrived_at) AS DATE) AS month
        FROM shipments WHERE arrived_at >= ? AND arrived_at < ?
    """
    norms = session.frame(_norms_sql(values, months), [start, end, start, end])
    return HistoryParts(rows, priors, windows, norms, first_day)


def no_rows(gateway: Gateway) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The rows and windows frames of no shipment, typed as ``lake_history_parts`` gives them."""
    empty = f"SELECT {WINDOW_COLUMNS}, FALSE AS target FROM shipments WHERE FALSE"  # noqa: S608
    with gateway.session(time_limit_s=_time_limit_s()) as session:
        return session.frame(_normalised("shipments", "FALSE")), session.frame(_windows_sql(empty))


# -- a new batch against the lake -------------------------------------------------------------
def _batch_windows_sql() -> str:
    """The lake rows of the batch's addresses and consignees inside the window, plus the batch
    (whose own lake copies are left out, so a batch already committed counts once)."""
    return f"""
        SELECT {WINDOW_COLUMNS}, FALSE AS target FROM shipments
        WHERE (consignee_address_id IN (SELECT consignee_address_id FROM {INCOMING})
               OR consignee_id IN (SELECT consignee_id FROM {INCOMING}))
          AND arrived_at >= (SELECT min(arrived_at) FROM {INCOMING}) - INTERVAL {WINDOW_DAYS} DAY
          AND arrived_at <= (SELECT max(arrived_at) FROM {INCOMING})
          AND shipment_id NOT IN (SELECT shipment_id FROM {INCOMING})
        UNION ALL
        SELECT {WINDOW_COLUMNS}, TRUE AS target FROM {INCOMING}
    """  # noqa: S608 -- fragments fixed in this module


def batch_parts(gateway: Gateway, batch: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A new batch's rows (``BASE_COLUMNS`` in, the history's columns out) and its windows over
    the lake rows of the same addresses and consignees."""
    with gateway.session({INCOMING: batch.select(BASE_COLUMNS)}, _time_limit_s()) as session:
        rows = session.frame(_normalised(INCOMING))
        windows = session.frame(_windows_sql(_batch_windows_sql()))
    return rows, windows


def day_priors(gateway: Gateway, day: int) -> tuple[dict[str, pl.DataFrame], int | None]:
    """Every prior as of the start of ``day`` (days since 1970) and the lake's first day. Priors
    count earlier days only, so one answer serves the whole day."""
    lag = 1 + OUTCOME_LAG_DAYS
    out = {}
    with gateway.session(time_limit_s=_time_limit_s()) as session:
        for name, key in PRIOR_SQL.items():
            sql = f"""
                SELECT CAST({key} AS VARCHAR) AS k, count(*) AS pn,
                       count_if(outcome = 'seized' AND {DAY} <= ? - {lag}) AS ps
                FROM shipments WHERE {DAY} < ? GROUP BY ALL
            """  # noqa: S608 -- fragments fixed in this module
            out[name] = session.frame(sql, [day, day]).with_columns(pl.lit(day).alias("day"))
        first = session.value(FIRST_DAY_SQL)
    return out, first


def backfill_priors(
    gateway: Gateway, needed: pl.DataFrame
) -> tuple[dict[str, pl.DataFrame], int | None]:
    """Every prior a batch spanning many days needs, in one pass per key, and the lake's first
    day. ``needed`` has ``name`` (a ``PRIOR_SQL`` key), ``k`` (the key's value as text) and
    ``day``: the lake's daily counts of those keys only are summed over the days before each
    pair, so the cost grows with the batch's rows, not with the days it spans."""
    lag = 1 + OUTCOME_LAG_DAYS
    last_day = int(needed["day"].max())
    out = {}
    with gateway.session({NEEDED: needed}, _time_limit_s()) as session:
        for name, key in PRIOR_SQL.items():
            sql = f"""
                WITH need AS (SELECT k, day FROM {NEEDED} WHERE name = ?),
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
            out[name] = session.frame(sql, [name, last_day])
        first = session.value(FIRST_DAY_SQL)
    return out, first


def month_norms(gateway: Gateway, months: list[date]) -> pl.DataFrame:
    """Value norms (``hts_code``, ``month``, ``norm_median``, ``norm_n``, ``norm_mad``) of the
    arrival months, in one query."""
    lake = _values_sql("arrived_at < ?")
    listed = "SELECT unnest(CAST(? AS DATE[])) AS month"
    with gateway.session(time_limit_s=_time_limit_s()) as session:
        return session.frame(_norms_sql(lake, listed), [max(months), months])
