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

import itertools
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from queries.filters import SEIZURE_TARGET, vocabulary

HOT_TABLES = ("seizures", "border_crossings")

# The hot copies live in an in-memory database of their own, compressed at each checkpoint
# (DuckDB's lightweight codecs: dictionary, run-length, bit-packing, ALP): at a million events
# the hot tables took 399 MB as they were inserted and 41 MB compressed, at the same query
# speed. Every sync ends in a checkpoint, so a batch's rows are compressed too.
HOT_CATALOG = "hot"
ATTACH_SQL = f"ATTACH ':memory:' AS {HOT_CATALOG} (COMPRESS)"
CHECKPOINT_SQL = f"CHECKPOINT {HOT_CATALOG}"

# Period starts and conditional measures computed once per row at load instead of once per row
# per query: a trend at month grain over a million events spent most of its time truncating
# dates, and then in FILTER clauses comparing strings (most of the trend's time; summing a
# precomputed column instead made it several times faster). They are seen only through the
# ``<table>_periods`` view; the table's own view keeps exactly the lake's columns.
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


# Columns held as ENUMs in the hot copy: the dimensions every card filters and groups on. An ENUM
# is an integer code behind the scenes, so a filter compares integers and a GROUP BY hashes them
# (a breakdown of a million events by port, or a filter on source and mode, is two to four
# times faster over an ENUM than over strings). Each type lists the column's values in the files
# plus the filter's whole reference vocabulary (``queries.filters.vocabulary``), in DuckDB's string
# order, so ORDER BY sorts as it does on text, and a live batch, whose values the contract
# checks against the same references, never carries a value the type lacks; if one ever does,
# its insert fails and the table is loaded afresh with new types. Values leave the gateway as
# plain strings (``queries/result_frame.py``).
ENUM_COLUMNS: dict[str, dict[str, str | None]] = {
    "seizures": {
        **{column: key for key, column in SEIZURE_TARGET.columns.items()},
        "cbp_drug_type": None,
        "provenance": None,
        "unit": None,
    },
}
_type_serial = itertools.count(1)


@dataclass(frozen=True)
class Rollup:
    """A table's events summed per month and per combination of the filter dimensions.

    The monthly trend of a million events reads 1.0M rows; the same months from this rollup
    read about 180 thousand cells (every month, office, port, mode, commodity and country
    combination that has an event). Cells are kept per source file (``_file``), like the hot
    rows, so a batch adds the cells of its files and compaction deletes the cells of the
    files it retired: the rollup follows the lake by file and is never rebuilt per batch.
    Only additive measures live here; medians and single events need the rows.
    """

    view: str
    period: str  # the period column every cell is dated by
    dimensions: tuple[str, ...]
    measures: dict[str, str]  # name -> aggregate over the hot rows

    @property
    def sums(self) -> str:
        return ", ".join(f"{expr} AS {name}" for name, expr in self.measures.items())

    def select_sql(self, source: str) -> str:
        """The cells of the rows of ``source`` (a table or a subquery), with their file."""
        keys = ", ".join(("_file", self.period, *self.dimensions))
        # names and expressions are the fixed ROLLUPS below
        return f"SELECT {keys}, {self.sums} FROM {source} GROUP BY ALL"  # noqa: S608

    def cold_view_sql(self, periods: str) -> str:
        """The rollup as a view summed per query over ``periods`` (no hot copy): the same
        columns, no speed."""
        keys = ", ".join((self.period, *self.dimensions))
        # names and expressions are the fixed ROLLUPS below
        return (
            f"CREATE OR REPLACE VIEW {self.view} AS "  # noqa: S608
            f"SELECT {keys}, {self.sums} FROM {periods} GROUP BY ALL"
        )


ROLLUPS: dict[str, Rollup] = {
    "seizures": Rollup(
        view="seizures_monthly",
        period="month_start",
        dimensions=tuple(SEIZURE_TARGET.columns.values()),
        measures={
            "events": "CAST(count(*) AS BIGINT)",
            "lbs": "CAST(coalesce(sum(lbs), 0) AS DOUBLE)",
            "fentanyl_lbs": "CAST(coalesce(sum(fentanyl_lbs), 0) AS DOUBLE)",
            "pills": "CAST(coalesce(sum(pills), 0) AS BIGINT)",
            "modelled_events": "CAST(coalesce(sum(modelled_event), 0) AS BIGINT)",
        },
    ),
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


def _columns_of(con: duckdb.DuckDBPyConnection, files: list[Path]) -> set[str]:
    """The column names of ``files`` (their footers only)."""
    # the file names come from the table's manifest, inside the data folder
    sql = f"DESCRIBE SELECT * FROM read_parquet({_listed(files)}, union_by_name = true)"  # noqa: S608
    return {row[0] for row in con.execute(sql).fetchall()}


@dataclass
class HotTable:
    """One table held in memory: which files it holds, and how to bring it up to date."""

    name: str
    loaded: set[str] = field(default_factory=set)
    types: dict[str, str] = field(default_factory=dict)  # column -> its ENUM type now

    @property
    def derived(self) -> dict[str, str]:
        return PERIOD_COLUMNS.get(self.name, {})

    @property
    def base(self) -> str:
        """The table's name within ``HOT_CATALOG`` (its ENUM types' names begin with it)."""
        return f"hot_{self.name}"

    @property
    def store(self) -> str:
        return f"{HOT_CATALOG}.{self.base}"

    @property
    def enum_columns(self) -> dict[str, str | None]:
        return ENUM_COLUMNS.get(self.name, {})

    @property
    def rollup(self) -> Rollup | None:
        return ROLLUPS.get(self.name)

    @property
    def rollup_store(self) -> str:
        return f"{HOT_CATALOG}.{self.base}_monthly"

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
            if self.rollup:
                con.execute(
                    f"DELETE FROM {self.rollup_store} WHERE list_contains(?, _file)",  # noqa: S608
                    [removed],
                )
        if added:
            incoming = [Path(a) for a in added]
            # checked first: a failed INSERT would abort the caller's whole transaction
            if not self._fits(con, incoming):
                self._rebuild(con, files)
                return f"reloaded {len(wanted)} files (new columns or values)"
            source = _source(incoming, self.derived)
            con.execute(f"INSERT INTO {self.store} BY NAME SELECT * FROM {source}")  # noqa: S608
            if self.rollup:
                # the cells of the added files, summed from those files alone: the cost
                # follows the batch, not the lake (finding their rows in the hot table
                # meant reading a million file names)
                cells = self.rollup.select_sql(source)
                con.execute(f"INSERT INTO {self.rollup_store} BY NAME {cells}")  # noqa: S608
        self.loaded = wanted
        return f"+{len(added)} -{len(removed)} files"

    def _fits(self, con: duckdb.DuckDBPyConnection, files: list[Path]) -> bool:
        """Whether ``files`` can be inserted as they are: no column the table lacks (a widened
        contract) and no value an ENUM type lacks."""
        columns = {row[0] for row in con.execute(f"DESCRIBE {self.store}").fetchall()}  # noqa: S608
        incoming = _columns_of(con, files)
        if not incoming <= columns:
            return False
        typed = {c: t for c, t in self.types.items() if c in incoming}
        if not typed:
            return True
        # values outside a type: non-null values that do not cast (names fixed, see _rebuild)
        outside = " + ".join(f"count({c}) - count(TRY_CAST({c} AS {t}))" for c, t in typed.items())
        (row,) = con.execute(
            f"SELECT {outside} FROM read_parquet({_listed(files)}, union_by_name = true)"  # noqa: S608
        ).fetchall()
        return row[0] == 0

    def _rebuild(self, con: duckdb.DuckDBPyConnection, files: list[Path]) -> None:
        # files are date-sorted and listed in order, so the table is in (near) date order and
        # its zone maps prune a date filter without an ORDER BY here
        source = _source(files, self.derived)
        types = self._create_enums(con, files)
        casts = ", ".join(f"CAST({column} AS {name}) AS {column}" for column, name in types.items())
        select = f"* REPLACE ({casts})" if casts else "*"
        # the column and type names are fixed here (ENUM_COLUMNS, _create_enums)
        con.execute(f"CREATE OR REPLACE TABLE {self.store} AS SELECT {select} FROM {source}")  # noqa: S608
        if self.rollup:
            # in period order, so a date filter on the rollup is pruned by its zone maps too
            cells = self.rollup.select_sql(self.store)
            con.execute(
                f"CREATE OR REPLACE TABLE {self.rollup_store} AS "  # noqa: S608
                f"{cells} ORDER BY {self.rollup.period}"
            )
        self._drop_types(con, keep=set(types.values()))
        self.types = types
        self.loaded = {str(f) for f in files}

    def _create_enums(self, con: duckdb.DuckDBPyConnection, files: list[Path]) -> dict[str, str]:
        """A new ENUM type per column of ``enum_columns`` the files have: their values (one
        scan of those columns) and the column's reference vocabulary. Returns column -> type."""
        if not self.enum_columns:
            return {}
        listed = _listed(files)
        present = _columns_of(con, files)
        columns = [c for c in self.enum_columns if c in present]
        if not columns:
            return {}
        lists = ", ".join(f"list(DISTINCT {c})" for c in columns)
        # fetchall drains the result: the connection refuses other work while one is unfinished
        (found,) = con.execute(
            f"SELECT {lists} FROM read_parquet({listed}, union_by_name = true)"  # noqa: S608
        ).fetchall()
        values: dict[str, list[str]] = {"name": [], "value": []}
        for column, in_files in zip(columns, found, strict=True):
            key = self.enum_columns[column]
            known = {v for v in in_files or () if v is not None}
            known |= set(vocabulary(key)) if key else set()
            values["name"] += [column] * len(known)
            values["value"] += sorted(known)
        types = {}
        serial = next(_type_serial)
        con.register("_enum_values", pa.table(values, schema=_ENUM_VALUES))
        try:
            for column in columns:
                name = f"{HOT_CATALOG}.main.{self.base}_{column}_t{serial}"
                # DDL takes no parameters: the type and column names are fixed identifiers,
                # and the values come from the registered table, not from the statement
                con.execute(
                    f"CREATE TYPE {name} AS ENUM (SELECT value FROM _enum_values "  # noqa: S608
                    f"WHERE name = '{column}' ORDER BY value)"
                )
                types[column] = name
        finally:
            con.unregister("_enum_values")
        return types

    def _drop_types(self, con: duckdb.DuckDBPyConnection, keep: set[str]) -> None:
        """Drop this table's ENUM types other than ``keep`` (those of an earlier load)."""
        names = con.execute(
            "SELECT type_name FROM duckdb_types() "
            "WHERE database_name = ? AND starts_with(type_name, ?)",
            [HOT_CATALOG, f"{self.base}_"],
        ).fetchall()
        for (name,) in names:
            if f"{HOT_CATALOG}.main.{name}" not in keep:
                con.execute(f'DROP TYPE IF EXISTS {HOT_CATALOG}.main."{name}"')

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
        if self.rollup:
            sqls.append(
                f"CREATE OR REPLACE VIEW {self.rollup.view} AS "  # noqa: S608
                f"SELECT * EXCLUDE (_file) FROM {self.rollup_store}"
            )
        return sqls

    def drop(self, con: duckdb.DuckDBPyConnection) -> None:
        if self.derived:
            con.execute(f"DROP VIEW IF EXISTS {periods_view(self.name)}")
        if self.rollup:
            con.execute(f"DROP VIEW IF EXISTS {self.rollup.view}")
            con.execute(f"DROP TABLE IF EXISTS {self.rollup_store}")
        con.execute(f"DROP TABLE IF EXISTS {self.store}")
        self._drop_types(con, keep=set())
        self.types = {}
        self.loaded = set()


_ENUM_VALUES = pa.schema([("name", pa.string()), ("value", pa.string())])
