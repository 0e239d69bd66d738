"""Where the seizures are: one dimension ranked, and source -> transit -> port routes for a Sankey.

Both rank the top ``n`` members by a measure and pool the rest in one "all others" row, so the
rows always add up to the filtered total. They add what a ranking hides: the median and the
largest single event, and whether one event carries most of a row's weight (one 2,000 lb load
can put a quiet port at the top of a pounds ranking).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import polars as pl

from queries.filters import SEIZURE_TARGET, Filters, predicate
from queries.gateway import Gateway, default_gateway
from queries.seizure_arrays import SeizureArrays
from queries.seizure_stats import GROUPS, MEASURES, OTHERS

DIMENSIONS: tuple[str, ...] = tuple(GROUPS)
DIRECT = "direct"  # transit label of a seizure shipped straight from its source
BETWEEN_PORTS = "between ports"  # port label of a Border Patrol seizure
UNKNOWN_SOURCE = "unknown"


@dataclass(frozen=True)
class RankKey:
    """One key of a ranking: the column it groups on, and the label a missing value shows as
    (None: the caller's ``present`` condition leaves rows without it out)."""

    column: str
    missing: str | None = None

    def label(self, name: str) -> str:
        """The key's text in the output and in the ranking's tie-break."""
        text = f"CAST({name} AS VARCHAR)"
        return f"coalesce({text}, '{self.missing}')" if self.missing else text


ROUTE = {
    "source": RankKey("source_country", UNKNOWN_SOURCE),
    "transit": RankKey("transit_country", DIRECT),
    "port": RankKey("port_code", BETWEEN_PORTS),
}


def ranked_sql(keys: Mapping[str, RankKey], present: str, where_sql: str, value: str) -> str:
    """Top-n-plus-others SQL over one or more keys; bind ``ranked_params``.

    Members are ranked by the measure (ties by their labels); the members below rank n are
    pooled into one row whose keys are all ``OTHERS``. Each output row carries events, lbs,
    pills, value, members (how many members it pools), median_lbs, max_lbs and dominated (its
    largest event weighs more than half its lbs). ``keys``, ``present`` and ``value`` must be
    fixed text, and ``value`` additive (a count or a sum), since the pooled row sums its
    members' values.

    Why it is shaped so, each measured over a million events:
    - one aggregation gives every member's totals, from which the pooled row is summed; only
      the medians need the events again, bucketed by a join to the n top members (joining
      every event to every member's bucket took twice as long);
    - events group and join on the raw columns (the hot tables' ENUMs, missing values matched
      with IS NOT DISTINCT FROM), and labels are made for the few output rows only: labelling
      every event first made a route ranking 2.5 times slower;
    - the medians group by the member's rank, an integer, not by its label (10-15 % less).
    """
    names = list(keys)
    columns = ", ".join(f"{key.column} AS {name}" for name, key in keys.items())
    joined = ", ".join(names)
    labels = ", ".join(key.label(name) for name, key in keys.items())
    out_keys = ", ".join(
        f"CASE WHEN bucket = 0 THEN '{OTHERS}' ELSE any_value({key.label(name)}) END AS {name}"
        for name, key in keys.items()
    )
    same_member = " AND ".join(f"e.{name} IS NOT DISTINCT FROM t.{name}" for name in names)
    return f"""
        WITH grouped AS (
            SELECT {columns}, count(*) AS events, coalesce(sum(lbs), 0) AS lbs,
                   coalesce(sum(pills), 0) AS pills,
                   CAST(coalesce({value}, 0) AS DOUBLE) AS value, max(lbs) AS max_lbs
            FROM seizures WHERE {where_sql} AND {present} GROUP BY ALL
        ), ranked AS (
            SELECT *, row_number() OVER (ORDER BY value DESC, {labels}) AS rank FROM grouped
        ), pooled AS (
            SELECT CASE WHEN rank <= ? THEN rank ELSE 0 END AS bucket, {out_keys},
                   CAST(sum(events) AS BIGINT) AS events, sum(lbs) AS lbs,
                   CAST(sum(pills) AS BIGINT) AS pills, sum(value) AS value,
                   count(*) AS members, max(max_lbs) AS max_lbs
            FROM ranked GROUP BY 1
        ), medians AS (
            SELECT coalesce(t.rank, 0) AS bucket, median(e.lbs) AS median_lbs
            FROM (SELECT {columns}, lbs FROM seizures WHERE {where_sql} AND {present}) e
            LEFT JOIN (SELECT {joined}, rank FROM ranked WHERE rank <= ?) t ON {same_member}
            GROUP BY 1
        )
        SELECT {joined}, events, lbs, pills, value, members, median_lbs, max_lbs,
               coalesce(max_lbs > lbs / 2, false) AS dominated
        FROM pooled JOIN medians USING (bucket)
        ORDER BY bucket = 0, bucket
    """  # noqa: S608 -- keys, present and value are fixed fragments from this package


def ranked_params(where_params: list, n: int) -> list:
    """The parameters of ``ranked_sql`` in order: the filters, n for the pooled buckets, the
    filters again for the medians' pass, then n for the top members it joins to."""
    return [*where_params, n, *where_params, n]


def _check(measure: str) -> str:
    if measure not in MEASURES:
        raise ValueError(f"unknown measure {measure!r}")
    return MEASURES[measure]


def _with_share(frame: pl.DataFrame) -> pl.DataFrame:
    total = frame["value"].sum() if not frame.is_empty() else 0
    share = pl.col("value") / total if total else pl.lit(None, pl.Float64)
    return frame.with_columns(share.alias("share"))


def breakdown(
    filters: Filters,
    by: str,
    measure: str = "lbs",
    n: int = 10,
    gateway: Gateway | None = None,
) -> pl.DataFrame:
    """The top ``n`` members of a dimension plus one ``__others__`` row (seizures without the
    dimension, such as between-port seizures for ``port``, are left out, as in ``top``).

    Columns: key, events, lbs, pills, value, members, median_lbs, max_lbs, dominated, share.
    """
    if by not in GROUPS:
        raise ValueError(f"unknown dimension {by!r}")
    value = _check(measure)
    column = GROUPS[by]
    where = predicate(filters, SEIZURE_TARGET)
    sql = ranked_sql({"key": RankKey(column)}, f"{column} IS NOT NULL", where.sql, value)
    gw = gateway or default_gateway()
    frame = gw.frame(
        sql,
        ranked_params(where.params, n),
        arrays=lambda arrays: ranked_from_arrays(arrays, filters, column, measure, n),
    )
    return _with_share(frame)


RANKED_SCHEMA = {
    "key": pl.String,
    "events": pl.Int64,
    "lbs": pl.Float64,
    "pills": pl.Int64,
    "value": pl.Float64,
    "members": pl.Int64,
    "median_lbs": pl.Float64,
    "max_lbs": pl.Float64,
    "dominated": pl.Boolean,
}


def ranked_from_arrays(
    arrays: SeizureArrays, filters: Filters, column: str, measure: str, n: int
) -> pl.DataFrame:
    """``ranked_sql`` for one key, answered from the sorted arrays (``queries/seizure_arrays``):
    the same rows, ranks and tie-breaks, without a pass over the events for the medians."""
    stats = arrays.member_stats(filters, column)
    names = arrays.names[column]
    width = len(names)  # the missing-value code, last, is left out as SQL's IS NOT NULL does
    totals = {"events": stats.events, "lbs": stats.lbs, "pills": stats.pills}
    values = totals[measure][:width].astype(np.float64)
    present = np.flatnonzero(stats.events[:width])
    # by value, descending, then by name, as the SQL's row_number() orders them
    ranked = present[np.lexsort((arrays.name_rank[column][present], -values[present]))]
    top, rest = ranked[:n], ranked[n:]
    largest = stats.largest_each()
    out = {
        "key": [names[c] for c in top],
        "events": stats.events[top].tolist(),
        "lbs": stats.lbs[top].tolist(),
        "pills": stats.pills[top].tolist(),
        "value": values[top].tolist(),
        "members": [1] * len(top),
        "median_lbs": [stats.median(int(c)) for c in top],
        "max_lbs": [_or_none(largest[c]) for c in top],
    }
    if len(rest):
        pooled = {
            "key": OTHERS,
            "events": int(stats.events[rest].sum()),
            "lbs": float(stats.lbs[rest].sum()),
            "pills": int(stats.pills[rest].sum()),
            "value": float(values[rest].sum()),
            "members": len(rest),
            "median_lbs": arrays.pooled_median(filters, stats, top.tolist()),
            "max_lbs": _or_none(np.nanmax(largest[rest])) if stats.weighed[rest].any() else None,
        }
        for name, value in pooled.items():
            out[name].append(value)
    out["dominated"] = [
        largest is not None and largest > lbs / 2
        for largest, lbs in zip(out["max_lbs"], out["lbs"], strict=True)
    ]
    return pl.DataFrame(out, schema=RANKED_SCHEMA)


def _or_none(value: float) -> float | None:
    return None if np.isnan(value) else float(value)


def route_flows(
    filters: Filters,
    measure: str = "lbs",
    n: int = 15,
    gateway: Gateway | None = None,
) -> pl.DataFrame:
    """The top ``n`` source -> transit -> port routes, and every other route pooled into one
    row whose source, transit and port are ``__others__``. A missing transit country is shown as
    "direct", a missing port as "between ports", so every seizure lands on some route.

    Columns: source, transit, port, events, lbs, pills, value, members, median_lbs, max_lbs,
    dominated, share.
    """
    value = _check(measure)
    where = predicate(filters, SEIZURE_TARGET)
    sql = ranked_sql(ROUTE, "TRUE", where.sql, value)
    gw = gateway or default_gateway()
    frame = gw.frame(sql, ranked_params(where.params, n))
    return _with_share(frame)
