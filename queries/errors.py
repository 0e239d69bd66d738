"""The errors a query can end in, as callers above ``queries/`` see them: never a DuckDB class,
so no module outside ``queries/`` and ``lake/`` needs to import DuckDB to handle one."""

from __future__ import annotations


class QueryError(RuntimeError):
    """A query failed or was refused; the message is safe to show to a user."""


class QueryTimeout(QueryError):
    """A query ran past the time limit and was interrupted."""


class QueryOutOfMemory(QueryError):
    """A query needed more memory than DuckDB's limit (``duckdb_memory_limit``) allows: a batch
    job on a lake too large for the machine, which its caller may skip rather than crash on."""


class RowCapExceeded(QueryError):
    """A query's answer had more rows than its cap, and the caller needed all of them."""
