"""Independent reads of a lake's referrals for the Referrals tests: a plain DuckDB over the
parquet files (none of the app's views or queries), one row per case built from the raw events,
the funnel counted from it and the durations lifelines is fitted on."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from lake import referral_lifecycle as lifecycle
from lake.layout import table_files
from queries.filters import Filters

CASES_SQL = """
CREATE OR REPLACE TABLE cases AS
SELECT referral_id,
       any_value(seizure_id) FILTER (WHERE step = 'referred') AS seizure_id,
       any_value(agency) FILTER (WHERE step = 'referred') AS agency,
       min(occurred_on) FILTER (WHERE step = 'referred') AS referred,
       min(occurred_on) FILTER (WHERE step = 'accepted') AS accepted,
       min(occurred_on) FILTER (WHERE step = 'investigation_opened') AS investigation_opened,
       min(occurred_on) FILTER (WHERE step = 'warrant') AS warrant,
       min(occurred_on) FILTER (WHERE step = 'arrest') AS arrest,
       min(occurred_on) FILTER (WHERE step = 'prosecution') AS prosecution,
       min(occurred_on) FILTER (WHERE step = 'conviction') AS conviction,
       bool_or(step IN ('declined', 'closed')) AS finished,
       min(occurred_on) FILTER (WHERE step IN ('declined', 'closed')) AS ended_on,
       max(occurred_on) AS last_event
FROM ev GROUP BY referral_id
"""


def _files(lake: Path, table: str) -> str:
    return "[" + ", ".join(f"'{p}'" for p in table_files(table, lake)) + "]"


def raw_lake(lake: Path) -> duckdb.DuckDBPyConnection:
    """Views ``ev`` (events), ``sz`` (seizures), ``sh`` (shipments) over the lake's files as they
    are now, and the table ``cases``: one row per referral, each step's first day."""
    con = duckdb.connect()
    for view, table in (("ev", "referral_events"), ("sz", "seizures"), ("sh", "shipments")):
        con.execute(f"CREATE VIEW {view} AS SELECT * FROM read_parquet({_files(lake, table)})")
    con.execute(CASES_SQL)
    return con


def rows(con, sql: str, params: list | None = None) -> list[tuple]:
    return con.sql(sql, params=params or []).fetchall()


def frame(con, sql: str, params: list | None = None) -> pl.DataFrame:
    return pl.from_arrow(con.sql(sql, params=params or []).to_arrow_table())


def seizure_where(filters: Filters) -> tuple[str, list]:
    """The filters written out by hand for the seizures (``s``), not by ``queries.filters``."""
    parts, params = ["TRUE"], []
    lo, hi = filters.period()
    if lo:
        parts.append("s.event_date >= ?")
        params.append(lo)
    if hi:
        parts.append("s.event_date <= ?")
        params.append(hi)
    for key, column in (("category", "s.category"), ("mode", "s.mode")):
        values = getattr(filters, key)
        if values:
            parts.append(f"{column} IN ({', '.join('?' for _ in values)})")
            params.extend(values)
    assert not (filters.to_query().keys() - {"start", "end", "fy", "category", "mode"})
    return " AND ".join(parts), params


def own_funnel(con, filters: Filters) -> dict[str, dict[str, int]]:
    """Per agency, the referrals of the filtered seizures that reached each funnel step."""
    where, params = seizure_where(filters)
    counted = ", ".join(f"count({s})" for s in lifecycle.FUNNEL)
    found = rows(
        con,
        f"SELECT c.agency, {counted} FROM cases c JOIN sz s USING (seizure_id) "
        f"WHERE {where} GROUP BY c.agency",
        params,
    )
    return {r[0]: dict(zip(lifecycle.FUNNEL, r[1:], strict=True)) for r in found}


def own_seizures(con, filters: Filters) -> int:
    where, params = seizure_where(filters)
    return rows(con, f"SELECT count(*) FROM sz s WHERE {where}", params)[0][0]


def own_durations(con, filters: Filters, step: str) -> tuple[pl.DataFrame, date]:
    """One row per case of the filtered seizures: its agency, days from the referral to the
    step (or to the last day of the record when it has not got there), whether it did, whether
    it was declined or closed and how many days after the referral that happened."""
    as_of = rows(con, "SELECT max(occurred_on) FROM ev")[0][0]
    where, params = seizure_where(filters)
    cases = frame(
        con,
        f"""SELECT c.referral_id, c.agency, c.referred, c.{step} AS reached_on, c.finished,
                   date_diff('day', c.referred, c.ended_on) AS ended_days
            FROM cases c JOIN sz s USING (seizure_id) WHERE {where}""",
        params,
    )
    days = [
        ((on or as_of) - referred).days
        for referred, on in zip(cases["referred"], cases["reached_on"], strict=True)
    ]
    return cases.with_columns(
        pl.Series("days", days), pl.col("reached_on").is_not_null().alias("reached")
    ), as_of
