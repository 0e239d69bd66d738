"""The internal app's door to DuckDB: named views over the lake, the result cache, bound parameters.

One in-memory DuckDB database per process holds *views* over the parquet lake and the reference
CSVs; nothing is copied. The database, its per-thread cursors, the time limit and the row cap are
the executor's (``queries/executor.py``), the one execute path; this module decides what the
database holds. When the lake's data version changes (a new batch, a new vintage) the views are
recreated so that tables built after start-up appear without a restart.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

import settings
from lake import reference
from lake.layout import TABLES, data_version, table_files, table_versions
from queries.engine.arrays import SeizureArrays
from queries.executor import (
    SETTING,
    Cap,
    Executor,
    Params,
    QueryError,
    QueryTimeout,
    Rows,
    open_confined,
    resolve_cap,
)
from queries.hot import (
    ATTACH_SQL,
    CHECKPOINT_SQL,
    HOT_TABLES,
    PERIOD_COLUMNS,
    ROLLUPS,
    HotTable,
    cold_periods_sql,
    periods_view,
)
from queries.referral_state import REFERRALS_VIEW_SQL
from queries.result_cache import ResultCache
from queries.session import Session
from queries.shutdown import ShuttingDown, exiting, native_work, start_background

__all__ = ["Gateway", "QueryError", "QueryTimeout", "Rows", "default_gateway"]

REFERENCE_VIEWS = ("ports", "areas", "modes", "commodities")


def _sql_string(text: str) -> str:
    """Escape a literal for a statement that cannot take parameters (CREATE VIEW)."""
    return text.replace("'", "''")


def _cbp_public_view() -> str:
    """Newest vintage per (publication, fiscal year), newest meaning the latest month covered."""
    return """
        CREATE OR REPLACE VIEW cbp_public AS
        WITH vintages AS (
            SELECT DISTINCT publication, fiscal_year, vintage, vintage_through
            FROM cbp_public_all
        ), chosen AS (
            SELECT publication, fiscal_year, vintage
            FROM vintages
            QUALIFY row_number() OVER (
                PARTITION BY publication, fiscal_year
                ORDER BY vintage_through DESC, vintage DESC
            ) = 1
        )
        SELECT a.* FROM cbp_public_all a
        JOIN chosen USING (publication, fiscal_year, vintage)
    """


class Gateway:
    """Views over one data folder, queried through per-thread cursors."""

    def __init__(self, data_dir: Path | None = None, hot: bool = False) -> None:
        """``hot=True`` holds ``HOT_TABLES`` in memory (``queries/hot.py``): for the app's
        long-lived gateway, which answers many queries; a batch job reads each row once or
        twice and needs the memory for its own work."""
        self.data_dir = data_dir or settings.data_dir()
        self.executor = Executor(self._open)
        self._version: str | None = None
        self._checked_at = 0.0
        self._check_every_s = settings.get("lake_check_s")  # read once: refresh is a hot path
        self.tables: tuple[str, ...] = ()
        self._files: dict[str, list[Path]] = {}  # per table, the files its view reads
        self._memo: dict = {}
        self._table_versions: dict[str, str] = {}
        self._hot = {name: HotTable(name) for name in HOT_TABLES} if hot else {}
        self._generation = 0
        self.results: ResultCache[Rows] = ResultCache(settings.get("result_cache_entries"))
        self._arrays: SeizureArrays | None = None
        self._arrays_lock = threading.Lock()  # one build at a time
        self._syncs = 0  # odd while a sync changes the hot tables (see _build_arrays)

    # -- connection and views -------------------------------------------------------------
    def _open(self) -> duckdb.DuckDBPyConnection:
        """A database that can read only this data folder (``open_confined``), so neither a page
        nor the analyst's SQL escape hatch can reach anything but the lake; the hot tables'
        database and the reference tables are put in before it is locked."""
        return open_confined(self.data_dir, self._prepare)

    def _prepare(self, con: duckdb.DuckDBPyConnection) -> None:
        if self._hot:
            con.execute(ATTACH_SQL)
        self._create_reference_views(con)

    def _create_reference_views(self, con: duckdb.DuckDBPyConnection) -> None:
        """Reference tables are copied in as small tables: registered frames are private to the
        connection that registered them, while tables are visible to every cursor."""
        frames = {name: getattr(reference, name)() for name in REFERENCE_VIEWS}
        frames["countries"] = reference.countries()
        frames["code_names"] = reference.code_names()
        for name, frame in frames.items():
            con.register("_incoming", frame.to_arrow())
            # names come from the fixed REFERENCE_VIEWS tuple, never from input
            con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _incoming")  # noqa: S608
            con.unregister("_incoming")

    def _create_lake_views(self, con: duckdb.DuckDBPyConnection) -> tuple[str, ...]:
        """One view per built table over exactly the files its manifest lists; the hot tables
        (``queries/hot.py``) are views over in-memory copies brought up to date by file."""
        built = []
        for name in TABLES:
            view = "cbp_public_all" if name == "cbp_public" else name
            paths = table_files(name, self.data_dir)
            self._files[name] = paths
            files = [str(p) for p in paths]
            hot = self._hot.get(name)
            if not files:
                con.execute(f"DROP VIEW IF EXISTS {view}")
                if name in PERIOD_COLUMNS:
                    con.execute(f"DROP VIEW IF EXISTS {periods_view(name)}")
                if name in ROLLUPS:
                    con.execute(f"DROP VIEW IF EXISTS {ROLLUPS[name].view}")
                if hot is not None:
                    hot.drop(con)
                continue
            if hot is not None:
                con.execute("BEGIN TRANSACTION")
                try:
                    hot.sync(con, paths)
                    con.execute("COMMIT")
                except BaseException:
                    con.execute("ROLLBACK")
                    hot.loaded = set()  # unknown state: load afresh next time
                    raise
                # the views live in the main database, and a transaction writes to one
                # database only; they name the hot tables, not their rows, so a reader sees
                # the sync's rows all at once either way
                for sql in hot.view_sqls(view):
                    con.execute(sql)
                con.execute(CHECKPOINT_SQL)  # compress what the sync added
                built.append(name)
                continue
            listed = ", ".join(f"'{_sql_string(f)}'" for f in files)
            # view names are the fixed TABLES keys; the files are the manifest's, in our folder
            sql = (
                f"CREATE OR REPLACE VIEW {view} AS SELECT * FROM read_parquet("  # noqa: S608
                f"[{listed}], hive_partitioning = true, union_by_name = true)"
            )
            con.execute(sql)
            if name in PERIOD_COLUMNS:
                con.execute(cold_periods_sql(name))
            if name in ROLLUPS:
                con.execute(ROLLUPS[name].cold_view_sql(periods_view(name)))
            built.append(name)
        if "cbp_public" in built:
            con.execute(_cbp_public_view())
        else:
            con.execute("DROP VIEW IF EXISTS cbp_public")
        if "referral_events" in built:
            con.execute(REFERRALS_VIEW_SQL)
            built.append("referrals")
        else:
            con.execute("DROP VIEW IF EXISTS referrals")
        return tuple(built)

    def refresh(self, force: bool = False, check_now: bool = False) -> str:
        """Recreate the views if the lake changed; returns the current data version.

        The check (a ``stat`` of every table's manifest) is made at most every ``lake_check_s``
        per process, unless ``check_now`` (see ``catch_up``).
        """
        now = time.monotonic()
        recent = now - self._checked_at < self._check_every_s
        if not (force or check_now) and self.executor.opened and recent:
            return self._version or ""
        with self.executor.exclusive() as con:
            version = data_version(self.data_dir)
            if force or version != self._version:
                # versions are read before the views, so a cached result is never filed under
                # a version newer than the files it was computed from
                versions = table_versions(self.data_dir)
                versions.update({periods_view(t): versions[t] for t in PERIOD_COLUMNS})
                versions.update({r.view: versions[t] for t, r in ROLLUPS.items()})
                versions["referrals"] = versions.get("referral_events", "")  # its view
                self._syncs += 1
                try:
                    with native_work():
                        self.tables = self._create_lake_views(con)
                    self._version = version
                    self._table_versions = versions
                finally:
                    self._syncs += 1
                self._refresh_ahead(self.results.prune(versions, version))
            self._checked_at = now
            return version

    @property
    def version(self) -> str:
        return self.refresh()

    def catch_up(self, seen: Mapping[str, str]) -> None:
        """Look for new data now if a page has seen table versions (``table_versions``, which
        its poll reads straight from the manifests) other than this gateway's.

        The page's poll and this process's throttled check are not in step: a batch committed
        just after the last check is seen by the page first, and the cards it then asks for
        would be computed from the old files, kept under the old version, and not asked for
        again until the next batch."""
        known = self._table_versions
        if any(version and known.get(table) != version for table, version in seen.items()):
            self.refresh(check_now=True)

    @contextmanager
    def session(
        self,
        frames: Mapping[str, pl.DataFrame] | None = None,
        time_limit_s: float | None = None,
    ) -> Iterator[Session]:
        """A private session over these views for the block (``queries/session.py``): for named
        queries that read input ``frames`` (registered under their keys) or keep temporary
        tables across statements. Each statement is bounded by ``time_limit_s`` (default
        ``query_time_limit_ms``); the session's cursor is closed when the block ends."""
        self.refresh()
        cursor = self.executor.own_cursor()
        if time_limit_s is None:
            time_limit_s = settings.get("query_time_limit_ms") / 1000
        try:
            yield Session(cursor, time_limit_s, frames or {})
        finally:
            cursor.close()

    def memo(self, key: str, compute):
        """``compute()`` once per data version: for small facts many callbacks ask for (the
        as-of date, the published range) that only change when the lake does."""
        version = self.refresh()
        cache = self._memo
        if cache.get("__version__") != version:
            cache.clear()
            cache["__version__"] = version
        if key not in cache:
            cache[key] = compute()
        return cache[key]

    def versions_of(self, tables: tuple[str, ...]) -> tuple[str, ...]:
        """The current version of each of ``tables`` (for caches keyed by the data)."""
        self.refresh()
        return tuple(self._table_versions.get(t, "") for t in tables)

    def has(self, table: str) -> bool:
        self.refresh()
        return table in self.tables

    def files(self, table: str) -> list[Path]:
        """The files ``table``'s view reads now (empty when the table is not built)."""
        self.refresh()
        return list(self._files.get(table, ()))

    # -- running queries ------------------------------------------------------------------
    def rows(
        self,
        sql: str,
        params: Params = None,
        *,
        cap: Cap = SETTING,
        cache: bool = True,
        arrays: Callable[[SeizureArrays], pl.DataFrame | None] | None = None,
    ) -> Rows:
        """Run a query with bound parameters: at most ``cap`` rows (``query_row_cap`` unless
        the caller says otherwise; None for all) and whether more existed (``Rows``).

        Results are reused until a table the SQL names changes (``queries/result_cache.py``);
        ``cache=False`` is for statements whose answer depends on something else, such as the
        clock. The executor (``queries/executor.py``) stops a query past the time limit.

        ``arrays`` answers the same query from the seizure arrays when those of the current
        data version are built (``seizure_arrays``), unless it returns None; the SQL answers
        then, until they are built, and in a background recomputation. The result is kept
        under the SQL's key either way, and held to the same cap. The seizure engine passes it
        (``queries.engine.answer``), with the SQL that specifies its answer.
        """
        limit = resolve_cap(cap)
        self.refresh()
        if not cache:
            return self.executor.run(sql, params, cap=limit)
        # the cap is part of what was asked: the same SQL under another cap is another answer
        key = ResultCache.key(sql, (params, limit), self._table_versions, self._version or "")

        def compute() -> Rows:
            built = self.seizure_arrays() if arrays is not None else None
            answer = arrays(built) if built is not None and arrays is not None else None
            if answer is None:
                return self.executor.run(sql, params, cap=limit)
            return Rows.cut(answer, limit)

        return self.results.get_or_compute(key, compute, (params, limit))

    def frame(
        self,
        sql: str,
        params: Params = None,
        cache: bool = True,
        arrays: Callable[[SeizureArrays], pl.DataFrame | None] | None = None,
        *,
        cap: Cap = SETTING,
    ) -> pl.DataFrame:
        """Every row of a query's answer as a polars frame (see ``rows``), for code that computes
        from it: an answer longer than ``cap`` is refused (``RowCapExceeded``), never cut, so a
        card never shows a figure that silently misses rows. A caller that needs more rows than
        ``query_row_cap`` (a batch job's input) passes a larger cap or None."""
        return self.rows(sql, params, cap=cap, cache=cache, arrays=arrays).whole()

    def seizure_arrays(self, build: bool = False) -> SeizureArrays | None:
        """The seizure arrays of the current data version, or None while they are not built.

        Only a hot gateway keeps them (they are built from its hot table). ``build=True`` builds
        them first if they are stale, on the calling thread, without looking at the lake
        (``refresh``) itself: the app's builder thread does, at low priority, while the
        keep-warm thread follows the lake, so no request waits for a build.
        """
        if "seizures" not in self._hot:
            return None
        if not build or not self.executor.opened:
            self.refresh()
        version = self._table_versions.get("seizures")
        arrays = self._arrays
        if arrays is not None and arrays.version == version:
            return arrays
        if not build or version is None or "seizures" not in self.tables:
            return None
        with self._arrays_lock:
            return self._build_arrays()

    def _build_arrays(self) -> SeizureArrays | None:
        """Build the arrays of the hot seizures as they are now, unless a sync moves them
        meanwhile: the rows read must be exactly those of the version they are filed under.
        No gateway lock is held while reading (the builder runs at low priority, and a lock
        it held would hold up every request behind it); ``_syncs`` tells a sync happened."""
        syncs = self._syncs
        version = self._table_versions.get("seizures", "")
        if self._arrays is not None and self._arrays.version == version:
            return self._arrays
        if syncs % 2:  # a sync is under way: the next look builds
            return None
        self._arrays = None  # free the old arrays before the new ones take memory
        cursor = self.executor.own_cursor()  # every row, under no time limit: a low-priority build
        with native_work():
            table = cursor.sql(SeizureArrays.LOAD_SQL).to_arrow_table()
            cursor.close()
        if self._syncs != syncs:
            return None
        with native_work():
            self._arrays = SeizureArrays(table, version)
        return self._arrays

    def _refresh_ahead(self, asked: list[tuple[str, tuple[Params, int | None]]]) -> None:
        """Recompute, in the background, the most recently used results a data change made
        stale: pages open on them poll the data version and will ask again within seconds, and
        then find the new answer ready instead of all re-querying at once."""
        limit = settings.get("refresh_ahead_entries")
        if not asked or limit <= 0:
            return
        self._generation += 1
        generation = self._generation

        def work() -> None:
            for sql, (params, cap) in asked[:limit]:
                if generation != self._generation or exiting():
                    return  # newer data arrived (its own refresh takes over), or exit
                try:
                    self.rows(sql, params, cap=cap)
                except (QueryError, ShuttingDown):
                    continue

        start_background(work, "refresh-ahead")

    def scalar(self, sql: str, params: Params = None) -> Any:
        """The first column of the first row, or None when there is no row."""
        result = self.frame(sql, params)
        return None if result.is_empty() else result.row(0)[0]


_default: Gateway | None = None
_default_lock = threading.Lock()


def default_gateway() -> Gateway:
    """The process-wide gateway over ``CHOKEPOINT_DATA``, created on first use."""
    global _default
    with _default_lock:
        if _default is None or _default.data_dir != settings.data_dir():
            _default = Gateway(hot=True)
        return _default
