"""Ad-hoc SQL for analysts, read-only: one SELECT at a time over the named views.

DuckDB parses the text and reports each statement's type; anything but a single SELECT (COPY,
ATTACH, CREATE, SET, INSTALL, ...) is refused before it runs, so the escape hatch cannot write
files, change settings or load extensions. Reads are confined by the gateway itself: its DuckDB
database can open nothing outside the data folder (see ``Gateway._open``).
"""

from __future__ import annotations

import duckdb
import polars as pl

import settings
from queries.gateway import Gateway, QueryError

VIEWS = (
    "seizures",
    "seizures_periods",
    "seizures_monthly",
    "shipments",
    "referrals",
    "cbp_public",
    "cbp_public_all",
    "border_crossings",
    "ingest_log",
    "scores",
    "ports",
    "areas",
    "modes",
    "commodities",
    "countries",
)


class ReadOnlyError(QueryError):
    """The SQL is not a single read-only SELECT."""


def check_select(sql: str) -> None:
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise ReadOnlyError(str(exc).splitlines()[0]) from exc
    if len(statements) != 1:
        raise ReadOnlyError(f"one statement at a time, got {len(statements)}")
    kind = statements[0].type
    if kind != duckdb.StatementType.SELECT:
        raise ReadOnlyError(f"only SELECT is allowed, got {kind.name}")


def run_select(sql: str, gateway: Gateway, limit: int | None = None) -> tuple[pl.DataFrame, bool]:
    """Run one SELECT; returns (rows, truncated). Fetches limit + 1 rows to know it truncated.

    The limit can lower the row cap, never raise it.
    """
    check_select(sql)
    cap = settings.get("query_row_cap")
    if limit is not None and limit < 1:
        raise ReadOnlyError("limit must be at least 1")
    limit = min(limit or cap, cap)
    # the analyst's SQL may read the clock or random(): never served from the result cache
    frame = gateway.frame(
        f"SELECT * FROM ({sql.rstrip().rstrip(';')}) LIMIT ?",  # noqa: S608 -- checked: one SELECT
        [limit + 1],
        cache=False,
    )
    return frame.head(limit), frame.height > limit


def available_views(gateway: Gateway) -> list[str]:
    gateway.refresh()
    names = set(
        gateway.frame(
            "SELECT view_name AS name FROM duckdb_views() WHERE NOT internal "
            "UNION ALL SELECT table_name FROM duckdb_tables()"
        )["name"]
    )
    return [v for v in VIEWS if v in names]
