"""Where the seizures are: one dimension ranked, and source -> transit -> port routes for a Sankey.

Both rank the top ``n`` members by a measure and pool the rest in one "all others" row, so the
rows always add up to the filtered total. They add what a ranking hides: the median and the
largest single event, and whether one event carries most of a row's weight (one 2,000 lb load
can put a quiet port at the top of a pounds ranking).

A one-dimension ranking is a question of the seizure engine (``queries.engine.ranking``),
answered from its arrays once they are built; the routes are the same SQL over three keys
(``queries.engine.sql.ranked_sql``), always run by DuckDB.
"""

from __future__ import annotations

import polars as pl

from queries import engine
from queries.engine.sql import MEASURES, RankKey, ranked_params, ranked_sql
from queries.filters import SEIZURE_TARGET, Filters, predicate
from queries.gateway import Gateway, default_gateway
from queries.seizure_stats import GROUPS

DIMENSIONS: tuple[str, ...] = tuple(GROUPS)
DIRECT = "direct"  # transit label of a seizure shipped straight from its source
BETWEEN_PORTS = "between ports"  # port label of a Border Patrol seizure
UNKNOWN_SOURCE = "unknown"
ROUTE = {
    "source": RankKey("source_country", UNKNOWN_SOURCE),
    "transit": RankKey("transit_country", DIRECT),
    "port": RankKey("port_code", BETWEEN_PORTS),
}


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
    question = engine.ranking(filters, GROUPS[by], measure, n)
    return _with_share(engine.answer(question, gateway or default_gateway()))


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
