"""Hot tables: the lake tables every card aggregates, held in DuckDB memory in step with the lake.

Every filter change re-aggregates the seizure events; reading them from parquet each time means
decoding the same files again and again (2-4x the time of the same query on a DuckDB table at
a million rows). A hot table is loaded once per process and then kept in step with its manifest
by file: a batch adds its files' rows, compaction deletes the rows of the files it retired and
inserts the merged file. Nothing is rebuilt per batch. The view keeps the table's public name,
so no query knows the difference, and the swap happens in one transaction, so a reader sees the
table before or after a batch, never half of it.

Each row carries the file it came from (``_file``), which is what makes the diff exact.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

HOT_TABLES = ("seizures", "border_crossings")

# Period starts and conditional measures computed once per row at load instead of once per row
# per query: a trend at month grain over a million events spent most of its time truncating
# dates, and then in FILTER clauses comparing strings (39 ms of a 50 ms trend; summing a
# precomputed column instead: 11 ms). They are seen only through the ``<table>_periods`` view;
# the table's own view keeps exactly the lake's columns.
PERIOD_COLUMNS: dict[str, dict[str, str]] = {
    "seizures": {
        "week_start": "CAST(date_trunc('week', event_date) AS DATE)",
        "month_start": "CAST(date_trunc('month', event_date) AS DATE)",
        "fy_start": (
            "make_date(year(event_date) + CAST(month(event_date) >= 10 AS INTEGER) - 1, 10, 1)"
        ),
        # the event's pounds when its drug is fentanyl, else null (sum() skips it)
        "fentanyl_lbs": "CASE WHEN cbp_drug_type = 'Fentanyl' THEN lbs END",
        # 1 for an event that is not one of CBP's own published cells (continued or modelled)
        "modelled_event": "CAST(provenance <> 'cbp_cell' AS INTEGER)",
    },
}


def periods_view(table: str) -> str:
    return f"{table}_periods"


def cold_periods_sql(table: str) -> str:
    """The ``<table>_periods`` view of a table read straight from parquet (no hot copy): the
    same columns, computed per query."""
    derived = "".join(f", {expr} AS {name}" for name, expr in PERIOD_COLUMNS[table].items())
    # the table name is a fixed TABLES key; the expressions are PERIOD_COLUMNS
    return f"CREATE OR REPLACE VIEW {periods_view(table)} AS SELECT *{derived} FROM {table}"  # noqa: S608


def _listed(files: list[Path]) -> str:
    return "[" + ", ".join("'" + str(f).replace("'", "''") + "'" for f in files) + "]"


def _source(files: list[Path], derived: dict[str, str]) -> str:
    extra = "".join(f", {expr} AS {name}" for name, expr in derived.items())
    # the file names come from the table's manifest, inside the data folder; the derived
    # expressions are the fixed PERIOD_COLUMNS above
    return (
        f"(SELECT *{extra} FROM read_parquet({_listed(files)}, hive_partitioning = true, "  # noqa: S608
        "union_by_name = true, filename = '_file'))"
    )


@dataclass
class HotTable:
    """One table held in memory: which files it holds, and how to bring it up to date."""

    name: str
    loaded: set[str] = field(default_factory=set)

    @property
    def derived(self) -> dict[str, str]:
        return PERIOD_COLUMNS.get(self.name, {})

    @property
    def store(self) -> str:
        return f"hot_{self.name}"

    def sync(self, con: duckdb.DuckDBPyConnection, files: list[Path]) -> str:
        """Bring the table in step with ``files``; returns what it did (for the log and tests).

        Runs on the gateway's own connection inside its lock; the caller wraps it in a
        transaction so readers never see a partial diff.
        """
        wanted = {str(f) for f in files}
        if not self.loaded:
            self._rebuild(con, files)
            return f"loaded {len(wanted)} files"
        added = sorted(wanted - self.loaded)
        removed = sorted(self.loaded - wanted)
        if removed:
            con.execute(f"DELETE FROM {self.store} WHERE list_contains(?, _file)", [removed])  # noqa: S608
        if added:
            try:
                con.execute(
                    f"INSERT INTO {self.store} BY NAME SELECT * FROM {_source([Path(a) for a in added], self.derived)}"  # noqa: S608,E501
                )
            except duckdb.Error:
                # a batch with a column the table lacks (a widened contract): start over
                self._rebuild(con, files)
                return f"reloaded {len(wanted)} files (schema changed)"
        self.loaded = wanted
        return f"+{len(added)} -{len(removed)} files"

    def _rebuild(self, con: duckdb.DuckDBPyConnection, files: list[Path]) -> None:
        # files are date-sorted and listed in order, so the table is in (near) date order and
        # its zone maps prune a date filter without an ORDER BY here
        source = _source(files, self.derived)
        con.execute(f"CREATE OR REPLACE TABLE {self.store} AS SELECT * FROM {source}")  # noqa: S608
        self.loaded = {str(f) for f in files}

    def view_sqls(self, view: str) -> list[str]:
        """The table's view (exactly the lake's columns) and, where it has period columns, the
        ``<view>_periods`` view that adds them."""
        hidden = ", ".join(["_file", *self.derived])
        # names are fixed: the TABLES keys and PERIOD_COLUMNS
        sqls = [f"CREATE OR REPLACE VIEW {view} AS SELECT * EXCLUDE ({hidden}) FROM {self.store}"]  # noqa: S608
        if self.derived:
            sqls.append(
                f"CREATE OR REPLACE VIEW {periods_view(view)} AS "  # noqa: S608
                f"SELECT * EXCLUDE (_file) FROM {self.store}"
            )
        return sqls

    def drop(self, con: duckdb.DuckDBPyConnection) -> None:
        if self.derived:
            con.execute(f"DROP VIEW IF EXISTS {periods_view(self.name)}")
        con.execute(f"DROP TABLE IF EXISTS {self.store}")
        self.loaded = set()
