"""Ad-hoc SQL for analysts, read-only: one SELECT at a time over the named views.

DuckDB parses the text and reports each statement's type; anything but a single SELECT (COPY,
ATTACH, CREATE, SET, INSTALL, ...) is refused before it runs, so the escape hatch cannot write
files, change settings or load extensions. Reads are confined by the gateway itself: its DuckDB
database can open nothing outside the data folder (``queries/executor.py``'s ``open_confined``).
The answer is held to the row cap, and says whether rows were left out.
"""

from __future__ import annotations

import duckdb

import settings
from queries.executor import QueryError, Rows
from queries.gateway import Gateway

VIEWS = (
    "seizures",
    "seizures_periods",
    "seizures_monthly",
    "shipments",
    "referrals",
    "referral_events",
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


def run_select(sql: str, gateway: Gateway, limit: int | None = None) -> Rows:
    """Run one SELECT: at most ``limit`` rows, and whether more existed (``Rows.truncated``).

    The limit can lower the row cap (``query_row_cap``), never raise it.
    """
    check_select(sql)
    if limit is not None and limit < 1:
        raise ReadOnlyError("limit must be at least 1")
    cap = settings.get("query_row_cap")
    # the analyst's SQL may read the clock or random(): never served from the result cache
    return gateway.rows(sql, cap=min(limit or cap, cap), cache=False)


def available_views(gateway: Gateway) -> list[str]:
    gateway.refresh()
    names = set(
        gateway.frame(
            "SELECT view_name AS name FROM duckdb_views() WHERE NOT internal "
            "UNION ALL SELECT table_name FROM duckdb_tables()"
        )["name"]
    )
    return [v for v in VIEWS if v in names]
