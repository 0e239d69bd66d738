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


def _listed(files: list[Path]) -> str:
    return "[" + ", ".join("'" + str(f).replace("'", "''") + "'" for f in files) + "]"


def _source(files: list[Path]) -> str:
    # the file names come from the table's manifest, inside the data folder
    return (
        f"read_parquet({_listed(files)}, hive_partitioning = true, "  # noqa: S608
        "union_by_name = true, filename = '_file')"
    )


@dataclass
class HotTable:
    """One table held in memory: which files it holds, and how to bring it up to date."""

    name: str
    loaded: set[str] = field(default_factory=set)

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
                    f"INSERT INTO {self.store} BY NAME SELECT * FROM {_source([Path(a) for a in added])}"  # noqa: S608,E501
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
        con.execute(f"CREATE OR REPLACE TABLE {self.store} AS SELECT * FROM {_source(files)}")  # noqa: S608
        self.loaded = {str(f) for f in files}

    def view_sql(self, view: str) -> str:
        return f"CREATE OR REPLACE VIEW {view} AS SELECT * EXCLUDE (_file) FROM {self.store}"  # noqa: S608

    def drop(self, con: duckdb.DuckDBPyConnection) -> None:
        con.execute(f"DROP TABLE IF EXISTS {self.store}")
        self.loaded = set()
