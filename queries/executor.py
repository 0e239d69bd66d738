"""The one execute path to DuckDB: a connection, its lock, per-thread cursors, the time limit and
the row cap.

Both gateways, the internal one (``queries/gateway.py``) and the public one
(``public/gateway.py``), compose an ``Executor``; neither runs SQL another way. So the
rules every query obeys live here once:

- **Confinement.** ``open_confined`` opens an in-memory database that can read only one folder,
  with extensions never loaded on demand and the configuration locked afterwards.
- **One cursor per thread.** DuckDB refuses a connection shared by two threads, and a dropped
  cursor closes, so each thread gets its own cursor and keeps it.
- **Time limit.** The process's watchdog (``queries/watchdog.py``) interrupts a query running
  past ``query_time_limit_ms``, so one slow request cannot hold a worker thread hostage.
- **Row cap.** A query returns at most ``query_row_cap`` rows unless its caller asks for another
  cap, or for every row (``cap=None``). The statement runs wrapped in ``LIMIT cap + 1``, so DuckDB
  stops early and the caller learns whether rows were left out (``Rows.truncated``): a runaway
  answer (a filter gone wrong, an analyst's cross join) cannot fill a worker's memory, and a cut
  answer never passes for a whole one.

This module imports no lake, engine or cache module: the public process loads it alone.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Literal

import duckdb
import polars as pl

import settings
from queries.errors import QueryError, QueryTimeout, RowCapExceeded
from queries.result_frame import fetch_frame
from queries.shutdown import ShuttingDown, native_work
from queries.watchdog import watchdog

Params = list | dict | None
__all__ = [
    "SETTING",
    "Cap",
    "Connection",
    "Executor",
    "Params",
    "QueryError",
    "QueryTimeout",
    "RowCapExceeded",
    "Rows",
    "open_confined",
    "parquet_views",
    "resolve_cap",
]
CAP_PARAM = "chokepoint_row_cap"  # the cap's name when the statement's parameters are named


class _Default(Enum):
    SETTING = "query_row_cap"


SETTING = _Default.SETTING
"""The default cap: ``query_row_cap`` from ``settings.py``, read when the query runs."""

Cap = int | None | Literal[_Default.SETTING]
"""A row cap: a number of rows, ``None`` for every row, or ``SETTING``."""


def resolve_cap(cap: Cap) -> int | None:
    """The number of rows ``cap`` allows (None: all of them)."""
    if cap is SETTING:
        return settings.get("query_row_cap")
    if cap is not None and (isinstance(cap, bool) or cap < 0):
        raise ValueError(f"a row cap is a whole number of rows or None, not {cap!r}")
    return cap


@dataclass(frozen=True)
class Rows:
    """A query's rows up to its cap, and whether more existed.

    ``truncated`` is what a page or the SQL escape hatch shows next to a capped table; code that
    computes from the rows calls ``whole()``, which refuses a cut answer rather than let a sum or
    a chart silently miss rows.
    """

    frame: pl.DataFrame
    truncated: bool = False

    @classmethod
    def cut(cls, frame: pl.DataFrame, cap: int | None) -> Rows:
        """``frame`` (fetched with up to ``cap + 1`` rows) held to ``cap`` rows."""
        if cap is not None and frame.height > cap:
            return cls(frame.head(cap), truncated=True)
        return cls(frame)

    def whole(self) -> pl.DataFrame:
        """The frame, or ``RowCapExceeded`` when rows were left out."""
        if self.truncated:
            raise RowCapExceeded(
                f"the answer has more than {self.frame.height:,} rows (the row cap, "
                "query_row_cap); narrow the filters"
            )
        return self.frame

    def __len__(self) -> int:
        return self.frame.height


def capped(sql: str, params: Params, cap: int) -> tuple[str, Params]:
    """``sql`` wrapped to return at most ``cap + 1`` rows, with the limit as a bound parameter.

    ``sql`` must be one statement: the code's own, or text ``single_select`` (or the SQL escape
    hatch's check) let through. It goes on lines of its own, so a trailing ``--`` comment cannot
    swallow the closing parenthesis; DuckDB keeps an inner ORDER BY through the outer LIMIT. Only
    a statement that can be a subquery can be capped (SELECT, VALUES, DESCRIBE, SHOW,
    SUMMARIZE): anything else fails to parse, a refusal in itself.
    """
    # the statement is the caller's own text, run as it would be unwrapped; the limit is bound
    wrapped = f"SELECT * FROM (\n{sql.rstrip().rstrip(';')}\n) LIMIT "  # noqa: S608
    if isinstance(params, dict):
        return f"{wrapped}${CAP_PARAM}", {**params, CAP_PARAM: cap + 1}
    return f"{wrapped}?", [*(params or ()), cap + 1]


def single_select(sql: str) -> None:
    """Refuse (``QueryError``) any text but one SELECT: no ``COPY ... TO``, ``ATTACH``, ``SET``,
    ``CREATE`` or ``INSTALL`` runs, even where the database may read."""
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryError(str(exc).splitlines()[0]) from exc
    if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
        raise QueryError("only single SELECT statements are answered")


def open_confined(
    folder: Path, prepare: Callable[[duckdb.DuckDBPyConnection], None] | None = None
) -> duckdb.DuckDBPyConnection:
    """An in-memory database that can read only ``folder``, then locked.

    ``prepare`` runs before the lock (attach a database, copy small tables in). Afterwards no
    extension is installed or loaded on demand, no file outside ``folder`` and no URL can be
    read, and the configuration cannot be changed, so neither a page nor an analyst's SQL can
    reach anything but the folder's files.
    """
    con = duckdb.connect(
        ":memory:",
        config={
            "threads": settings.get("duckdb_threads"),
            "memory_limit": settings.get("duckdb_memory_limit"),
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
            # freed memory goes back to the system in the background (the uncompressed rows of
            # a hot load, a query's hash tables) instead of staying with the allocator until
            # some later allocation on the same thread
            "allocator_background_threads": True,
        },
    )
    # GLOBAL: a plain SET holds for this connection alone, and every query runs on a cursor,
    # which would then read each parquet file's footer again on every query
    con.execute("SET GLOBAL parquet_metadata_cache = true")
    con.execute("SET enable_progress_bar = false")
    if prepare is not None:
        prepare(con)
    allowed = str(folder.resolve()).rstrip("/") + "/"
    con.execute("SET allowed_directories = ?", [[allowed]])
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


Connection = duckdb.DuckDBPyConnection
PLAIN_NAME = re.compile(r"[a-z][a-z0-9_]*")


def parquet_views(con: Connection, files: Mapping[str, Path | None]) -> tuple[str, ...]:
    """Each name of ``files`` made a view over its parquet file, or dropped where the file is
    None; returns the names with a view. For a gateway whose views follow a manifest (the
    public extract's): the names are plain identifiers, checked; the paths are the gateway's to
    check (inside its folder), and are written as quoted literals, since a view's definition
    takes no bound parameter."""
    built = []
    for name, path in files.items():
        if not PLAIN_NAME.fullmatch(name):
            raise ValueError(f"not a plain view name: {name!r}")
        if path is None:
            con.execute(f"DROP VIEW IF EXISTS {name}")
            continue
        literal = str(path).replace("'", "''")
        con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM read_parquet('{literal}')")  # noqa: S608
        built.append(name)
    return tuple(built)


class Executor:
    """One DuckDB connection, opened on first use by ``opener``, and the one way to query it.

    The connection is opened lazily, never at import, because DuckDB is not fork-safe and
    gunicorn forks after import. ``selects_only`` refuses anything but a single SELECT before it
    runs (the public database is read-only in every sense).
    """

    def __init__(
        self, opener: Callable[[], duckdb.DuckDBPyConnection], selects_only: bool = False
    ) -> None:
        self._opener = opener
        self._selects_only = selects_only
        self._lock = threading.Lock()
        self._local = threading.local()
        self._connection: duckdb.DuckDBPyConnection | None = None

    @property
    def opened(self) -> bool:
        return self._connection is not None

    def _connect(self) -> duckdb.DuckDBPyConnection:
        """The connection, opened if need be; the caller holds the lock."""
        if self._connection is None:
            with native_work():
                self._connection = self._opener()
        return self._connection

    @contextmanager
    def exclusive(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The connection, while no other thread makes a cursor on it: for changing the catalog
        (views, the hot tables), since DuckDB refuses a new cursor while another thread changes
        the catalog on the same connection, and one of the two would fail."""
        with self._lock:
            yield self._connect()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """This thread's cursor, kept for the thread's life."""
        cur = getattr(self._local, "cursor", None)
        if cur is None:
            with self._lock:
                cur = self._local.cursor = self._connect().cursor()
        return cur

    def own_cursor(self) -> duckdb.DuckDBPyConnection:
        """A new cursor for the caller alone, to close when done: for a long read that runs
        under no time limit and must not hold the thread's cursor (building the seizure arrays,
        streaming an export)."""
        with self._lock:
            return self._connect().cursor()

    def run(self, sql: str, params: Params = None, *, cap: Cap = SETTING) -> Rows:
        """Run one statement with bound ``params`` on this thread's cursor, under the time limit,
        returning at most ``cap`` rows (see the module's docstring)."""
        if self._selects_only:
            single_select(sql)
        limit = resolve_cap(cap)
        statement, bound = (sql, params) if limit is None else capped(sql, params, limit)
        cur = self.cursor()
        limit_s = settings.get("query_time_limit_ms") / 1000
        try:
            with watchdog.limit(cur, limit_s), native_work():
                frame = fetch_frame(cur.execute(statement, bound))
        except ShuttingDown as exc:
            raise QueryError(str(exc)) from exc
        except duckdb.InterruptException as exc:
            raise QueryTimeout(f"query took longer than {limit_s:g} s and was stopped") from exc
        except duckdb.Error as exc:
            raise QueryError(str(exc).splitlines()[0]) from exc
        return Rows.cut(frame, limit)
