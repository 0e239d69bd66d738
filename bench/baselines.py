"""Two baselines for the callback benchmark, measured in the same run as the app.

A latency number for the app only means something next to what the same answers cost without the
app's machinery (manifest-listed views, metadata caching, memoised as-of dates, any rollups). So
each baseline computes, for a fixed list of views (URL query strings in the app's own format), the
numbers the app's callbacks compute:

- ``kpis``: the Overview cards (events, lbs, fentanyl lbs, pills in the period and a year earlier),
  as ``seizure_stats.kpis`` over ``seizure_stats.current_period``;
- ``trend``: the monthly series, as ``seizure_stats.monthly_trend``;
- ``breakdown``: the top 10 of a dimension plus one "all others" row, as ``breakdowns.breakdown``;
- ``records``: one page of the records grid (rows 50-100 by pounds, descending) and its total, as
  ``records.fetch_page``;
- ``queue``: one page of the targeting queue (rows 50-100 by current score) and its total, as
  ``targeting.fetch_queue`` with no watchlists. Both baselines leave out the queue's long text
  columns (description, consignee name, flags, reasons): they would dominate the pandas memory on
  a 20-million-row lake, and leaving them out can only flatter the baselines.

The two baselines:

- ``RawDuckDB``: plain SQL over the raw parquet lake. Views glob the files
  (``lake/<table>/**/*.parquet``): no manifest, no metadata cache, no memo, no rollup; every value
  is a bound parameter. Because it globs, it would also read files a commit retired less than
  120 s ago, so do not run it while the lake is being compacted.
- ``InMemoryPandas``: what a typical Dash app does: load the needed columns once into pandas
  (``load_seconds``, reported apart), then answer each view with masks, groupby and sorts.

Filters are parsed with ``queries.filters`` and mapped onto columns with its ``FilterTarget``
tables, so a view means the same rows here as in the app; ``tests/test_bench_baselines.py`` checks
both baselines against each other and against the app's own query functions.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qsl

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

import settings
from lake.layout import TABLES, table_dir
from queries.engine.sql import MEASURES, OTHERS
from queries.filters import (
    MULTI_KEYS,
    SEIZURE_TARGET,
    SHIPMENT_TARGET,
    FilterError,
    Filters,
    FilterTarget,
    predicate,
)
from queries.records import COLUMNS as RECORD_COLUMNS
from queries.seizure_stats import GROUPS, current_period
from queries.targeting import QUEUE_DAYS, fiscal_years

KINDS = ("kpis", "trend", "breakdown", "records", "queue")
BREAKDOWN_DIMS = ("area", "port", "mode", "commodity", "source", "transit")
TOP_N = 10  # the Overview and the explorer rank ten members, then "all others"
PAGE_START, PAGE_END = 50, 100  # the grid request bench/callbacks.py replays: the second page
DEFAULT_MEASURE = "lbs"  # the app's default when a view names no measure
FENTANYL = "Fentanyl"  # cbp_drug_type of the "fentanyl lbs" card (hot.PERIOD_COLUMNS)
CBP_CELL = "cbp_cell"  # provenance not counted as modelled (queries.engine.sql.monthly_trend_sql)

RECORD_KEYS = tuple(c.key for c in RECORD_COLUMNS)
RECORD_SQL = ", ".join(f"{c.sql} AS {c.key}" for c in RECORD_COLUMNS)
# The queue columns both baselines return: ids, dates, filter columns and short codes/numbers.
QUEUE_KEYS = (
    "score",
    "shipment_id",
    "arrived_at",
    "port_code",
    "mode",
    "origin_country",
    "transit_country",
    "hts_code",
    "declared_value_usd",
    "outcome",
)
KPI_KEYS = (
    "events",
    "lbs",
    "fentanyl_lbs",
    "pills",
    "events_prior",
    "lbs_prior",
    "fentanyl_lbs_prior",
    "pills_prior",
)
TREND_KEYS = ("month", "events", "lbs", "fentanyl_lbs", "pills", "modelled_events")
BREAKDOWN_KEYS = (
    "key",
    "events",
    "lbs",
    "pills",
    "value",
    "members",
    "median_lbs",
    "max_lbs",
    "dominated",
    "share",
)
ID_COLUMNS = frozenset({"seizure_id", "shipment_id"})  # high-cardinality: kept as strings


@dataclass(frozen=True)
class Skipped:
    """What ``run`` returns for a kind the lake cannot answer (the queue without scores), so a
    benchmark reports the gap instead of crashing or timing an empty answer."""

    kind: str
    reason: str


class Engine(Protocol):
    name: str
    skipped: dict[str, str]

    def run(self, kind: str, view: str, dim: str | None = None) -> object: ...


# -- views and shared helpers ------------------------------------------------------------------
def parse_view(view: str) -> tuple[Filters, str]:
    """The filters and the measure a view's query string names.

    Filters go through the app's own parser (unknown values are refused); the measure is checked
    against the app's measure allow-list, because it decides the breakdown's ranking.
    """
    filters = Filters.from_query_string(view)
    measure = DEFAULT_MEASURE
    for key, value in parse_qsl(view.lstrip("?"), keep_blank_values=True):
        if key == "measure" and value:
            measure = value
    if measure not in MEASURES:
        raise FilterError(f"Measure: unknown value {measure[:40]!r}")
    return filters, measure


def queue_window(filters: Filters, last_arrival: datetime) -> tuple[datetime, datetime]:
    """[start, end) of the queue, as ``queries.targeting.window``: the filters' dates, else the
    last ``QUEUE_DAYS`` days up to the latest arrival."""
    lo, hi = filters.period()
    end = datetime.combine((hi or last_arrival.date()) + timedelta(days=1), datetime.min.time())
    start = datetime.combine(lo, datetime.min.time()) if lo else end - timedelta(days=QUEUE_DAYS)
    return start, end


def _check(kind: str, dim: str | None) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {KINDS}")
    if kind == "breakdown" and dim not in GROUPS:
        raise ValueError(f"breakdown needs a dimension from {tuple(GROUPS)}, got {dim!r}")


def _glob_files(table: str, data_dir: Path) -> list[Path]:
    """Every parquet file under the table's folder: the raw lake as it lies on disk."""
    return sorted(table_dir(table, data_dir).glob("**/*.parquet"))


# -- (a) raw DuckDB ----------------------------------------------------------------------------
class _Dispatch:
    """``run`` for both baselines: check the kind, parse the view, call the kind's method."""

    skipped: dict[str, str]

    def run(self, kind: str, view: str, dim: str | None = None) -> object:
        """Answer one kind for one view; a small frame, dict or (page, total) tuple."""
        _check(kind, dim)
        if kind in self.skipped:
            return Skipped(kind, self.skipped[kind])
        filters, measure = parse_view(view)
        if kind == "breakdown":
            return self.breakdown(filters, dim or "", measure)
        return getattr(self, kind)(filters)


class RawDuckDB(_Dispatch):
    """Plain DuckDB SQL straight over the parquet lake: the floor any DuckDB app starts from.

    One connection with the app's thread count; one view per table over a glob of its files, read
    with hive partitioning and ``union_by_name`` as the app reads them; nothing cached or
    precomputed between calls (even the as-of dates are queried each time).
    """

    name = "raw-duckdb"

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.con = duckdb.connect(config={"threads": settings.get("duckdb_threads")})
        self.tables: set[str] = set()
        for table in ("seizures", "shipments", "scores"):
            if not _glob_files(table, self.data_dir):
                continue
            pattern = str(table_dir(table, self.data_dir) / "**" / "*.parquet").replace("'", "''")
            # A view cannot take parameters: the only formatted parts are the fixed table name
            # and the data folder's glob, quotes escaped.
            self.con.execute(
                f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{pattern}', "  # noqa: S608
                "hive_partitioning = true, union_by_name = true)"
            )
            self.tables.add(table)
        if "seizures" not in self.tables:
            raise FileNotFoundError(f"no seizure files under {table_dir('seizures', data_dir)}")
        self.skipped: dict[str, str] = {}
        if not {"shipments", "scores"} <= self.tables:
            self.skipped["queue"] = "no shipments or no scores table in the lake"

    def close(self) -> None:
        self.con.close()

    def _frame(self, sql: str, params: list) -> pl.DataFrame:
        return self.con.sql(sql, params=params).pl()

    def _scalar(self, sql: str, params: list | None = None) -> Any:
        # fetchall drains the result: DuckDB refuses new work while a result is unfinished
        return self.con.execute(sql, params or []).fetchall()[0][0]

    def _one(self, sql: str, params: list) -> dict[str, Any]:
        cur = self.con.execute(sql, params)
        names = [d[0] for d in cur.description]
        return dict(zip(names, cur.fetchall()[0], strict=True))

    def kpis(self, filters: Filters) -> dict[str, Any]:
        as_of = self._scalar("SELECT max(event_date) FROM seizures")
        period = current_period(filters, as_of)
        prior = period.prior_year()
        where = predicate(filters, SEIZURE_TARGET, use_dates=False)
        # where.sql is predicate()'s fixed fragments over FilterTarget columns; values are bound.
        sql = f"""
            SELECT count(*) FILTER (WHERE now) AS events,
                   coalesce(sum(lbs) FILTER (WHERE now), 0) AS lbs,
                   coalesce(sum(lbs) FILTER (WHERE now AND fentanyl), 0) AS fentanyl_lbs,
                   coalesce(sum(pills) FILTER (WHERE now), 0)::BIGINT AS pills,
                   count(*) FILTER (WHERE before) AS events_prior,
                   coalesce(sum(lbs) FILTER (WHERE before), 0) AS lbs_prior,
                   coalesce(sum(lbs) FILTER (WHERE before AND fentanyl), 0)
                       AS fentanyl_lbs_prior,
                   coalesce(sum(pills) FILTER (WHERE before), 0)::BIGINT AS pills_prior
            FROM (
                SELECT lbs, pills, event_date BETWEEN ? AND ? AS now,
                       event_date BETWEEN ? AND ? AS before,
                       coalesce(cbp_drug_type = ?, false) AS fentanyl
                FROM seizures
                WHERE ({where.sql})
                  AND (event_date BETWEEN ? AND ? OR event_date BETWEEN ? AND ?)
            )
        """  # noqa: S608 -- predicate fragments only; values bound
        params = [period.start, period.end, prior.start, prior.end, FENTANYL, *where.params]
        params += [period.start, period.end, prior.start, prior.end]
        return self._one(sql, params)

    def trend(self, filters: Filters):
        where = predicate(filters, SEIZURE_TARGET)
        sql = f"""
            SELECT date_trunc('month', event_date)::DATE AS month,
                   count(*) AS events,
                   coalesce(sum(lbs), 0) AS lbs,
                   coalesce(sum(lbs) FILTER (WHERE cbp_drug_type = ?), 0) AS fentanyl_lbs,
                   coalesce(sum(pills), 0)::BIGINT AS pills,
                   count(*) FILTER (WHERE provenance <> ?) AS modelled_events
            FROM seizures WHERE {where.sql}
            GROUP BY 1 ORDER BY 1
        """  # noqa: S608 -- predicate fragments only; values bound
        return self._frame(sql, [FENTANYL, CBP_CELL, *where.params])

    def breakdown(self, filters: Filters, dim: str, measure: str):
        column = GROUPS[dim]  # allow-listed column name
        value = MEASURES[measure]  # allow-listed aggregate: count(*), sum(lbs) or sum(pills)
        where = predicate(filters, SEIZURE_TARGET)
        sql = f"""
            WITH base AS (
                SELECT {column} AS key, lbs, pills FROM seizures
                WHERE ({where.sql}) AND {column} IS NOT NULL
            ), ranked AS (
                SELECT key, row_number() OVER (
                           ORDER BY CAST(coalesce({value}, 0) AS DOUBLE) DESC, key) AS rank
                FROM base GROUP BY key
            ), pooled AS (
                SELECT CASE WHEN rank <= ? THEN key ELSE ? END AS key,
                       count(*) AS events, coalesce(sum(lbs), 0) AS lbs,
                       CAST(coalesce(sum(pills), 0) AS BIGINT) AS pills,
                       CAST(coalesce({value}, 0) AS DOUBLE) AS value,
                       count(DISTINCT key) AS members,
                       median(lbs) AS median_lbs, max(lbs) AS max_lbs,
                       coalesce(max(lbs) > sum(lbs) / 2, false) AS dominated
                FROM base JOIN ranked USING (key)
                GROUP BY 1
            )
            SELECT *, value / nullif(sum(value) OVER (), 0) AS share FROM pooled
            ORDER BY (key = ?), value DESC, key
        """  # noqa: S608 -- allow-listed column and aggregate, predicate fragments; values bound
        return self._frame(sql, [*where.params, TOP_N, OTHERS, OTHERS])

    def records(self, filters: Filters):
        where = predicate(filters, SEIZURE_TARGET)
        rows = self._frame(
            f"SELECT {RECORD_SQL} FROM seizures WHERE {where.sql} "  # noqa: S608 -- records.COLUMNS
            "ORDER BY lbs DESC NULLS LAST, seizure_id LIMIT ? OFFSET ?",
            [*where.params, PAGE_END - PAGE_START, PAGE_START],
        )
        total = self._scalar(
            f"SELECT count(*) FROM seizures WHERE {where.sql}",  # noqa: S608 -- predicate only
            where.params,
        )
        return rows, int(total)

    def queue(self, filters: Filters):
        last = self._scalar("SELECT max(arrived_at) FROM shipments")
        if last is None:
            return Skipped("queue", "no shipments")
        start, end = queue_window(filters, last)
        years = fiscal_years(start, end)
        where = predicate(filters, SHIPMENT_TARGET, use_dates=False)
        window = f"""
            SELECT * FROM shipments
            WHERE list_contains(?, fiscal_year) AND arrived_at >= ? AND arrived_at < ?
              AND ({where.sql})
        """  # noqa: S608 -- predicate fragments only; values bound
        head = [years, start, end, *where.params]
        shown = ", ".join("c.score AS score" if k == "score" else f"w.{k}" for k in QUEUE_KEYS)
        sql = f"""
            WITH w AS ({window}),
            c AS (
                SELECT shipment_id, max_by(score, scored_at) AS score FROM scores
                WHERE list_contains(?, fiscal_year) AND shipment_id IN (SELECT shipment_id FROM w)
                GROUP BY shipment_id
            )
            SELECT {shown} FROM w LEFT JOIN c USING (shipment_id)
            ORDER BY c.score DESC NULLS LAST, w.arrived_at DESC, w.shipment_id
            LIMIT ? OFFSET ?
        """  # noqa: S608 -- fixed QUEUE_KEYS and predicate fragments; values bound
        rows = self._frame(sql, [*head, years, PAGE_END - PAGE_START, PAGE_START])
        total = self._scalar(f"SELECT count(*) FROM ({window})", head)  # noqa: S608 -- as above
        return rows, int(total)


# -- (b) pandas in memory ----------------------------------------------------------------------
def _read_columns(table: str, data_dir: Path, wanted: Iterable[str]) -> pa.Table | None:
    """The wanted columns of every file of a table, the hive partition column added from the
    folder name and files of different schemas unified by column name (as ``union_by_name``)."""
    partition = TABLES[table].partition
    root = table_dir(table, data_dir)
    parts = []
    for path in _glob_files(table, data_dir):
        present = set(pq.read_schema(path).names)
        part = pq.read_table(path, columns=[c for c in wanted if c in present])
        folder = path.relative_to(root).parts[0]
        if folder.startswith(f"{partition}="):
            year = int(folder.split("=", 1)[1])
            part = part.append_column(partition, pa.array(np.full(part.num_rows, year, np.int16)))
        parts.append(part)
    if not parts:
        return None
    return pa.concat_tables(parts, promote_options="permissive")


def _to_pandas(table: pa.Table) -> pd.DataFrame:
    """One column at a time, so the arrow and pandas copies of the whole table never coexist.

    Low-cardinality strings become categoricals (dictionary-encoded first, so no object column is
    ever built); ids stay pyarrow-backed strings; dates become datetime64.
    """
    out = {}
    for name in list(table.column_names):
        column = table.column(name)
        table = table.drop_columns([name])
        text = pa.types.is_large_string(column.type) or pa.types.is_string(column.type)
        if text and name not in ID_COLUMNS:
            column = pc.dictionary_encode(column).unify_dictionaries()
        out[name] = column.to_pandas(date_as_object=False)
        del column
    return pd.DataFrame(out, copy=False)


def _dates(series: pd.Series) -> pd.Series:
    """datetime64 day values as ``datetime.date``, as DuckDB returns a DATE: the (small) answer
    then reads the same from both baselines."""
    return pd.Series([d.date() for d in series], index=series.index, dtype=object)


def _page(frame: pd.DataFrame, by: str, order: list[str], ascending: list[bool]) -> pd.DataFrame:
    """Rows [PAGE_START, PAGE_END) of ``frame`` in ``order`` (first key descending, missing last).

    nlargest on the first key keeps ties at the cut, so the candidates always hold the page; only
    when fewer rows have a value than the page needs is the whole frame sorted.
    """
    candidates = frame[by].nlargest(PAGE_END, keep="all").index
    subset = frame.loc[candidates] if len(candidates) >= PAGE_END else frame
    ordered = subset.sort_values(order, ascending=ascending, na_position="last", kind="stable")
    return ordered.iloc[PAGE_START:PAGE_END].reset_index(drop=True)


class InMemoryPandas(_Dispatch):
    """The usual Dash pattern: tables loaded once into pandas, every view computed from them.

    Only the needed columns are loaded (ids, dates, filter columns, measures, score), with
    categoricals for codes, so a 20-million-row shipments table stays within a few GB.
    ``load_seconds`` is the one-off load, kept out of the per-view times.
    """

    name = "pandas"

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        started = time.perf_counter()
        seizure_columns = {
            *RECORD_KEYS,
            *SEIZURE_TARGET.columns.values(),
            *GROUPS.values(),
            "event_date",
            "lbs",
            "pills",
            "cbp_drug_type",
            "provenance",
        }
        seizures = _read_columns("seizures", self.data_dir, sorted(seizure_columns))
        if seizures is None:
            raise FileNotFoundError(f"no seizure files under {table_dir('seizures', data_dir)}")
        self.seizures = _to_pandas(seizures)
        del seizures
        self.skipped: dict[str, str] = {}
        self.shipments: pd.DataFrame | None = None
        self.scores: pd.DataFrame | None = None
        shipment_columns = {*QUEUE_KEYS, *SHIPMENT_TARGET.columns.values()} - {"score"}
        if not (_glob_files("shipments", self.data_dir) and _glob_files("scores", self.data_dir)):
            self.skipped["queue"] = "no shipments or no scores table in the lake"
        else:
            columns = sorted(shipment_columns)
            self.shipments = _to_pandas(_read_columns("shipments", self.data_dir, columns))
            columns = ["shipment_id", "score", "scored_at"]
            self.scores = _to_pandas(_read_columns("scores", self.data_dir, columns))
        self.load_seconds = time.perf_counter() - started

    @staticmethod
    def _mask(frame: pd.DataFrame, filters: Filters, target: FilterTarget) -> pd.Series:
        """The multi-value filters as one boolean mask, columns from the app's FilterTarget; a
        filter the table has no column for is not applied, as in ``predicate``."""
        mask = pd.Series(True, index=frame.index)
        for key in MULTI_KEYS:
            values = getattr(filters, key)
            column = target.columns.get(key)
            if values and column is not None:
                mask &= frame[column].isin(values)
        return mask

    def _seizure_mask(self, filters: Filters, use_dates: bool = True) -> pd.Series:
        frame = self.seizures
        mask = self._mask(frame, filters, SEIZURE_TARGET)
        lo, hi = filters.period()
        day = frame[SEIZURE_TARGET.date_column]
        if use_dates and lo:
            mask &= day >= pd.Timestamp(lo)
        if use_dates and hi:
            mask &= day <= pd.Timestamp(hi)
        return mask

    def kpis(self, filters: Filters) -> dict[str, Any]:
        frame = self.seizures
        day = frame["event_date"]
        period = current_period(filters, day.max().date())
        prior = period.prior_year()
        mask = self._seizure_mask(filters, use_dates=False)
        now = mask & day.between(pd.Timestamp(period.start), pd.Timestamp(period.end))
        before = mask & day.between(pd.Timestamp(prior.start), pd.Timestamp(prior.end))
        fentanyl = frame["cbp_drug_type"] == FENTANYL
        lbs, pills = frame["lbs"], frame["pills"]
        return {
            "events": int(now.sum()),
            "lbs": float(lbs[now].sum()),
            "fentanyl_lbs": float(lbs[now & fentanyl].sum()),
            "pills": int(pills[now].sum()),
            "events_prior": int(before.sum()),
            "lbs_prior": float(lbs[before].sum()),
            "fentanyl_lbs_prior": float(lbs[before & fentanyl].sum()),
            "pills_prior": int(pills[before].sum()),
        }

    def trend(self, filters: Filters) -> pd.DataFrame:
        frame = self.seizures.loc[
            self._seizure_mask(filters), ["event_date", "lbs", "pills", "cbp_drug_type"]
        ]
        provenance = self.seizures.loc[frame.index, "provenance"]
        parts = pd.DataFrame(
            {
                "month": frame["event_date"].to_numpy().astype("datetime64[M]"),
                "lbs": frame["lbs"],
                "fentanyl_lbs": frame["lbs"].where(frame["cbp_drug_type"] == FENTANYL),
                "pills": frame["pills"],
                "modelled": provenance.notna() & (provenance != CBP_CELL),
            }
        )
        out = (
            parts.groupby("month", sort=True)
            .agg(
                events=("lbs", "size"),
                lbs=("lbs", "sum"),
                fentanyl_lbs=("fentanyl_lbs", "sum"),
                pills=("pills", "sum"),
                modelled_events=("modelled", "sum"),
            )
            .reset_index()
        )
        out["month"] = _dates(out["month"])
        out["pills"] = out["pills"].astype("int64")
        return out[list(TREND_KEYS)]

    def breakdown(self, filters: Filters, dim: str, measure: str) -> pd.DataFrame:
        column = GROUPS[dim]
        mask = self._seizure_mask(filters) & self.seizures[column].notna()
        base = self.seizures.loc[mask, [column, "lbs", "pills"]]
        stats = (
            base.groupby(column, observed=True, sort=False)
            .agg(
                events=("lbs", "size"),
                lbs=("lbs", "sum"),
                pills=("pills", "sum"),
                median_lbs=("lbs", "median"),
                max_lbs=("lbs", "max"),
            )
            .reset_index()
            .rename(columns={column: "key"})
        )
        stats["key"] = stats["key"].astype(str)
        stats["value"] = stats[measure].astype(float)
        stats = stats.sort_values(["value", "key"], ascending=[False, True], kind="stable")
        top = stats.iloc[:TOP_N].assign(members=1)
        rows = [top]
        if len(stats) > TOP_N:
            rest = base.loc[~base[column].isin(top["key"]), ["lbs", "pills"]]
            pooled = {
                "key": OTHERS,
                "events": len(rest),
                "lbs": rest["lbs"].sum(),
                "pills": rest["pills"].sum(),
                "median_lbs": rest["lbs"].median(),
                "max_lbs": rest["lbs"].max(),
                "members": len(stats) - TOP_N,
            }
            pooled["value"] = float(pooled[measure])
            rows.append(pd.DataFrame([pooled]))
        out = pd.concat(rows, ignore_index=True)
        out["pills"] = out["pills"].astype("int64")
        out["dominated"] = (out["max_lbs"] > out["lbs"] / 2).fillna(False).astype(bool)
        total = out["value"].sum()
        out["share"] = out["value"] / total if total else np.nan
        return out[list(BREAKDOWN_KEYS)]

    def records(self, filters: Filters) -> tuple[pd.DataFrame, int]:
        mask = self._seizure_mask(filters)
        frame = self.seizures.loc[mask, list(RECORD_KEYS)]
        page = _page(frame, "lbs", ["lbs", "seizure_id"], [False, True])
        page["event_date"] = _dates(page["event_date"])
        page["pills"] = page["pills"].astype("Int64")
        return page, int(mask.sum())

    def queue(self, filters: Filters) -> tuple[pd.DataFrame, int] | Skipped:
        shipments, scores = self.shipments, self.scores
        assert shipments is not None and scores is not None
        if shipments.empty:
            return Skipped("queue", "no shipments")
        start, end = queue_window(filters, shipments["arrived_at"].max().to_pydatetime())
        arrived = shipments["arrived_at"]
        mask = self._mask(shipments, filters, SHIPMENT_TARGET)
        mask &= (arrived >= pd.Timestamp(start)) & (arrived < pd.Timestamp(end))
        window = shipments.loc[mask, [k for k in QUEUE_KEYS if k != "score"]]
        years = scores["fiscal_year"].isin(fiscal_years(start, end))
        # Join first, then keep each shipment's latest score: a left merge is pandas' fast path
        # here (Series.isin on string ids is several times slower on pandas 3's str dtype).
        joined = (
            window.merge(
                scores.loc[years, ["shipment_id", "score", "scored_at"]],
                on="shipment_id",
                how="left",
            )
            .sort_values("scored_at", kind="stable")
            .drop_duplicates("shipment_id", keep="last")
            .reset_index(drop=True)
        )
        order = ["score", "arrived_at", "shipment_id"]
        page = _page(joined, "score", order, [False, False, True])
        return page[list(QUEUE_KEYS)], len(window)


# -- comparing and timing ----------------------------------------------------------------------
def _plain_value(value: object) -> object:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float | np.floating) and np.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _plain_rows(frame: object) -> list[dict[str, Any]]:
    # pandas from InMemoryPandas, polars from RawDuckDB and the app
    records = frame.to_dict("records") if isinstance(frame, pd.DataFrame) else frame.to_dicts()
    return [{k: _plain_value(v) for k, v in row.items()} for row in records]


def as_plain(result: object) -> object:
    """A result as plain Python (dicts, lists, ints, floats, dates; None for missing values), so
    the two baselines and the app can be compared with ``==`` or ``pytest.approx``."""
    if isinstance(result, Skipped):
        return result
    if isinstance(result, dict):
        return {k: _plain_value(v) for k, v in result.items()}
    if isinstance(result, tuple):
        page, total = result
        return _plain_rows(page), int(total)
    return _plain_rows(result)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile, the same rule as ``bench/callbacks.py``'s ``Timing.pct``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def time_baseline(engine: Engine, views: list[str], repeats: int) -> dict[str, dict]:
    """Warm latency of each kind over the views: ``{kind: {p50_ms, p95_ms, max_ms, n}}``.

    Each (kind, view) pair, and for ``breakdown`` each (view, dimension) pair, runs once as a
    warm-up (DuckDB's first scan of a file, pandas' first touch of a column) and then ``repeats``
    timed times, the same cold/warm split the callback benchmark uses. A kind the lake cannot
    answer is reported as ``{"skipped": reason, "n": 0}``.
    """
    if repeats < 1:
        raise ValueError("repeats must be at least 1")
    out: dict[str, dict] = {}
    for kind in KINDS:
        if kind in engine.skipped:
            out[kind] = {"skipped": engine.skipped[kind], "n": 0}
            continue
        dims: tuple[str | None, ...] = BREAKDOWN_DIMS if kind == "breakdown" else (None,)
        timings: list[float] = []
        for view in views:
            for dim in dims:
                for attempt in range(repeats + 1):
                    started = time.perf_counter()
                    engine.run(kind, view, dim)
                    elapsed = (time.perf_counter() - started) * 1000
                    if attempt:
                        timings.append(elapsed)
        out[kind] = {
            "p50_ms": round(statistics.median(timings), 2),
            "p95_ms": round(percentile(timings, 0.95), 2),
            "max_ms": round(max(timings), 2),
            "n": len(timings),
        }
    return out
