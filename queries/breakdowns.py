"""Where the seizures are: one dimension ranked, and source -> transit -> port routes for a Sankey.

Both rank the top ``n`` members by a measure and pool the rest in one "all others" row, so the
rows always add up to the filtered total. They add what a ranking hides: the median and the
largest single event, and whether one event carries most of a row's weight (one 2,000 lb load
can put a quiet port at the top of a pounds ranking).
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from queries.filters import SEIZURE_TARGET, Filters, predicate
from queries.gateway import Gateway, default_gateway
from queries.seizure_stats import GROUPS, MEASURES, OTHERS

DIMENSIONS: tuple[str, ...] = tuple(GROUPS)
DIRECT = "direct"  # transit label of a seizure shipped straight from its source
BETWEEN_PORTS = "between ports"  # port label of a Border Patrol seizure
UNKNOWN_SOURCE = "unknown"
ROUTE = {
    "source": f"coalesce(source_country, '{UNKNOWN_SOURCE}')",
    "transit": f"coalesce(transit_country, '{DIRECT}')",
    "port": f"coalesce(port_code, '{BETWEEN_PORTS}')",
}


def ranked_sql(keys: Mapping[str, str], present: str, where_sql: str, value: str) -> str:
    """Top-n-plus-others SQL over one or more key expressions; bind ``ranked_params``.

    Members are ranked by the measure; the members below rank n are pooled into one row whose
    keys are all ``OTHERS``. Each output row carries events, lbs, pills, value, members (how
    many members it pools), median_lbs, max_lbs and dominated (its largest event weighs more
    than half its lbs). ``keys``, ``present`` and ``value`` must be fixed text, and ``value``
    additive (a count or a sum), since the pooled row sums its members' values.

    Why two passes over the events: one aggregation gives every member's totals, from which
    the pooled row is summed; only the medians need the events again, bucketed by a join to
    the n top members. Joining every event to every member's bucket (the obvious shape) took
    twice as long at a million events.
    """
    names = list(keys)
    select_keys = ", ".join(f"{expr} AS {name}" for name, expr in keys.items())
    joined = ", ".join(names)
    by_rank = ", ".join(
        f"CASE WHEN rank <= ? THEN {name} ELSE '{OTHERS}' END AS b_{name}" for name in names
    )
    by_top = ", ".join(
        f"CASE WHEN is_top THEN {name} ELSE '{OTHERS}' END AS b_{name}" for name in names
    )
    out_keys = ", ".join(f"b_{name} AS {name}" for name in names)
    b_keys = ", ".join(f"b_{name}" for name in names)
    return f"""
        WITH grouped AS (
            SELECT {select_keys}, count(*) AS events, coalesce(sum(lbs), 0) AS lbs,
                   coalesce(sum(pills), 0) AS pills,
                   CAST(coalesce({value}, 0) AS DOUBLE) AS value, max(lbs) AS max_lbs
            FROM seizures WHERE {where_sql} AND {present} GROUP BY ALL
        ), ranked AS (
            SELECT *, row_number() OVER (ORDER BY value DESC, {joined}) AS rank FROM grouped
        ), top AS (
            SELECT {joined}, true AS is_top FROM ranked WHERE rank <= ?
        ), pooled AS (
            SELECT {by_rank}, CAST(sum(events) AS BIGINT) AS events, sum(lbs) AS lbs,
                   CAST(sum(pills) AS BIGINT) AS pills, sum(value) AS value,
                   count(*) AS members, max(max_lbs) AS max_lbs
            FROM ranked GROUP BY ALL
        ), medians AS (
            SELECT {by_top}, median(lbs) AS median_lbs
            FROM (SELECT {select_keys}, lbs FROM seizures WHERE {where_sql} AND {present})
            LEFT JOIN top USING ({joined})
            GROUP BY ALL
        )
        SELECT {out_keys}, events, lbs, pills, value, members, median_lbs, max_lbs,
               coalesce(max_lbs > lbs / 2, false) AS dominated
        FROM pooled JOIN medians USING ({b_keys})
        ORDER BY (b_{names[0]} = '{OTHERS}'), value DESC, {b_keys}
    """  # noqa: S608 -- keys, present and value are fixed fragments from this package


def ranked_params(where_params: list, n: int, keys: int = 1) -> list:
    """The parameters of ``ranked_sql`` in order: the filters, n for the top members, n per key
    for the buckets, then the filters again for the medians' pass."""
    return [*where_params, n, *([n] * keys), *where_params]


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
    sql = ranked_sql({"key": column}, f"{column} IS NOT NULL", where.sql, value)
    gw = gateway or default_gateway()
    frame = gw.frame(sql, ranked_params(where.params, n))
    return _with_share(frame)


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
    frame = gw.frame(sql, ranked_params(where.params, n, len(ROUTE)))
    return _with_share(frame)
