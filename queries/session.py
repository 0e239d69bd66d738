"""A private DuckDB session over a gateway's views, for named queries that need state across
statements: input frames registered under fixed names, temporary tables kept until it closes.

Why not hand out a cursor: a borrowed cursor runs whatever its holder writes, outside the time
limit and the error mapping, and leaves SQL to be written wherever the cursor travels. A session
is opened by ``Gateway.session`` inside a ``queries/`` module, runs each statement under the
watchdog with the time limit it was opened with, turns DuckDB's errors into ``QueryError`` and
its subclasses, and closes its cursor (and with it the frames and temporary tables) when the
block ends. Results are never cached: they depend on the frames given and on the session's own
tables, which no cache key sees.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import duckdb
import polars as pl
import pyarrow as pa

from queries.errors import QueryError, QueryOutOfMemory, QueryTimeout
from queries.result_frame import as_text
from queries.shutdown import ShuttingDown, native_work
from queries.watchdog import watchdog

# registered frames and temporary tables: plain lower-case names, so they can be written into SQL
NAME = re.compile(r"_?[a-z][a-z0-9_]*")


def _checked(name: str) -> str:
    if not NAME.fullmatch(name):
        raise ValueError(f"not a plain table name: {name!r}")
    return name


class Session:
    """One private cursor, its registered frames and temporary tables, each statement bounded by
    ``time_limit_s``. Made by ``Gateway.session``, which closes the cursor."""

    def __init__(
        self,
        cursor: duckdb.DuckDBPyConnection,
        time_limit_s: float,
        frames: Mapping[str, pl.DataFrame],
    ) -> None:
        self._cursor = cursor
        self._limit_s = time_limit_s
        for name, frame in frames.items():
            cursor.register(_checked(name), frame.to_arrow())

    def frame(self, sql: str, params: list | dict | None = None) -> pl.DataFrame:
        """The statement's rows as a polars frame, by way of one Arrow table of the relation:
        sessions serve batch work, whose answers are large (a million history rows cost a third
        less CPU that way than through ``fetch_frame``, built for pages' small answers)."""
        try:
            with watchdog.limit(self._cursor, self._limit_s), native_work():
                table = self._cursor.sql(sql, params=params).to_arrow_table()
            return as_text(pl.from_arrow(table))
        except (ShuttingDown, duckdb.Error) as exc:
            raise self._error(exc) from exc

    def value(self, sql: str, params: list | dict | None = None) -> object:
        """The first column of the first row (None when there is no row)."""
        rows = self.frame(sql, params)
        return None if rows.is_empty() else rows.row(0)[0]

    def create_temp_table(self, name: str, sql: str, params: list | dict | None = None) -> None:
        """``CREATE OR REPLACE TEMP TABLE name AS sql``: a table private to this session, gone
        when it closes. DuckDB spills it to disk past its memory limit, where a frame in Python
        could not."""
        statement = f"CREATE OR REPLACE TEMP TABLE {_checked(name)} AS {sql}"
        try:
            with watchdog.limit(self._cursor, self._limit_s), native_work():
                self._cursor.execute(statement, params)
        except (ShuttingDown, duckdb.Error) as exc:
            raise self._error(exc) from exc

    def batches(self, sql: str, params: list | dict | None, rows: int) -> pa.RecordBatchReader:
        """A reader of the statement's rows in Arrow record batches of at most ``rows``, read as
        they are consumed, while the session lasts. No time limit: this is the road of
        downloads, which may take longer than any page query, and stopping one half way would
        hand the user a silently truncated file."""
        try:
            return self._cursor.sql(sql, params=params).to_arrow_reader(rows)
        except duckdb.Error as exc:
            raise self._error(exc) from exc

    def _error(self, exc: Exception) -> QueryError:
        if isinstance(exc, duckdb.InterruptException):
            return QueryTimeout(f"query took longer than {self._limit_s:g} s and was stopped")
        if isinstance(exc, duckdb.OutOfMemoryException):
            return QueryOutOfMemory(str(exc).splitlines()[0])
        return QueryError(str(exc).splitlines()[0])
