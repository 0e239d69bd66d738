"""Where the lake's files live, which of them are visible, and a cheap version of it all.

Layout: ``<data>/lake/<table>/<partition>=<value>/<name>.parquet``. A file is *visible* only once
it is listed in its table's manifest (``<table>/_manifest.json``), and a manifest is replaced
whole with an atomic rename. So a writer can add files, or swap many small files for one
compacted file, in a single step: readers see the old set or the new set, never a gap, a double
or a partial file. Files a new manifest no longer lists are deleted by a later commit after a
grace period, so queries already running on the old set can finish.

``data_version`` digests the manifests' identities, so it changes exactly when what readers see
changes, and costs one ``stat`` per table.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import settings

MANIFEST = "_manifest.json"


ROW_GROUP_ROWS = 122_880  # DuckDB's own row-group size: pruning statistics line up with its vectors


@dataclass(frozen=True)
class TableLayout:
    """A fact table on disk: its folder, the hive partition column of its sub-folders, and how
    the rows inside a file are laid out so that DuckDB can skip row groups it does not need."""

    name: str
    partition: str
    sort_by: str  # files sorted by these columns, as in ORDER BY ("a, b DESC")
    month_files: str | None = None  # one file per calendar month of this timestamp column
    row_group_rows: int = ROW_GROUP_ROWS
    # > 0: a file opens with one row group of the first ``head_rows`` rows of every run of
    # equal ``run_keys`` (the sort columns but the last), the rest of each run following
    head_rows: int = 0

    def sort_keys(self) -> tuple[list[str], list[bool]]:
        """``sort_by`` as polars wants it: the column names and which of them descend."""
        names, descending = [], []
        for term in self.sort_by.split(","):
            column, _, direction = term.strip().partition(" ")
            names.append(column)
            descending.append(direction.strip().upper() == "DESC")
        return names, descending

    @property
    def run_keys(self) -> list[str]:
        """The sort columns that make runs: all but the last, which ranks inside a run."""
        return self.sort_keys()[0][:-1]


TABLES: dict[str, TableLayout] = {
    t.name: t
    for t in (
        TableLayout("seizures", "fiscal_year", "event_date"),
        TableLayout("shipments", "fiscal_year", "arrived_at"),
        TableLayout("referral_events", "fiscal_year", "occurred_on"),
        TableLayout("cbp_public", "vintage", "month_start"),
        TableLayout("border_crossings", "year", "month_start"),
        TableLayout("ingest_log", "day", "received_at"),
        # The queue ranks a window by score within a field office and mode: a file per month of
        # arrival keeps a week's window to a file or two, and inside it each office and mode is
        # a run of small row groups, highest score first, so DuckDB reads the runs the filters
        # name and stops a ranking once the first row groups of each run have filled the page.
        # The best 256 rows of every run open the file in one row group of their own: a page
        # ranked over many runs (an office's every mode, a whole year) reads that group and
        # then skips the rest of each run by its scores, instead of reading one group per run.
        TableLayout(
            "scores",
            "fiscal_year",
            "area_id, mode, score DESC",
            month_files="arrived_at",
            row_group_rows=16_384,
            head_rows=256,
        ),
    )
}


def lake_dir(data_dir: Path | None = None) -> Path:
    return (data_dir or settings.data_dir()) / "lake"


def table_dir(table: str, data_dir: Path | None = None) -> Path:
    return lake_dir(data_dir) / TABLES[table].name


def manifest_path(table: str, data_dir: Path | None = None) -> Path:
    return table_dir(table, data_dir) / MANIFEST


def read_manifest(table: str, data_dir: Path | None = None) -> dict:
    """The table's manifest: ``files`` (visible, relative to the table folder) and ``retired``
    (no longer visible, waiting for their grace period to pass)."""
    try:
        return json.loads(manifest_path(table, data_dir).read_text())
    except FileNotFoundError:
        return {"files": [], "retired": [], "serial": 0}


def table_files(table: str, data_dir: Path | None = None) -> list[Path]:
    """The visible parquet files of a table, as its manifest lists them."""
    root = table_dir(table, data_dir)
    return [root / name for name in read_manifest(table, data_dir)["files"]]


def built_tables(data_dir: Path | None = None) -> list[str]:
    """Tables with at least one visible file: views are created for these only."""
    return [name for name in TABLES if read_manifest(name, data_dir)["files"]]


def data_version(data_dir: Path | None = None) -> str:
    """A short digest that changes whenever any table's visible files change.

    Each commit replaces the manifest with a new file (new inode, new mtime), so its identity is
    enough; no directory listing is needed.
    """
    digest = hashlib.blake2b(digest_size=8)
    for table in TABLES:
        try:
            stat = os.stat(manifest_path(table, data_dir))
        except FileNotFoundError:
            continue
        digest.update(f"{table}:{stat.st_ino}:{stat.st_mtime_ns}:{stat.st_size};".encode())
    return digest.hexdigest()


def table_versions(data_dir: Path | None = None) -> dict[str, str]:
    """Per-table versions, so a page re-runs only the queries whose table changed."""
    out = {}
    for table in TABLES:
        try:
            stat = os.stat(manifest_path(table, data_dir))
            out[table] = f"{stat.st_ino:x}-{stat.st_mtime_ns:x}"
        except FileNotFoundError:
            out[table] = ""
    return out


def ensure_dir(path: Path) -> Path:
    os.makedirs(path, exist_ok=True)
    return path
