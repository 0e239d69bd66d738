"""Where the lake's files live, and a cheap version number that changes whenever they change.

Readers and writers agree on this layout and on nothing else:
``<data>/lake/<table>/<partition>=<value>/<name>.parquet``. Writers put a file in place with an
atomic rename (``ingest.writer``); temporary files start with a dot and end in ``.tmp``, so the
``*.parquet`` globs below never see them.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import settings


@dataclass(frozen=True)
class TableLayout:
    """A fact table on disk: its folder and the hive partition column of its sub-folders."""

    name: str
    partition: str
    sort_by: str  # files are sorted by this column so DuckDB can prune row groups by date


TABLES: dict[str, TableLayout] = {
    t.name: t
    for t in (
        TableLayout("seizures", "fiscal_year", "event_date"),
        TableLayout("shipments", "fiscal_year", "arrived_at"),
        TableLayout("referrals", "fiscal_year", "referred_on"),
        TableLayout("cbp_public", "vintage", "month_start"),
        TableLayout("border_crossings", "year", "month_start"),
    )
}


def lake_dir(data_dir: Path | None = None) -> Path:
    return (data_dir or settings.data_dir()) / "lake"


def table_dir(table: str, data_dir: Path | None = None) -> Path:
    return lake_dir(data_dir) / TABLES[table].name


def table_files(table: str, data_dir: Path | None = None) -> list[Path]:
    """The visible parquet files of a table (never temporary ones)."""
    root = table_dir(table, data_dir)
    if not root.is_dir():
        return []
    return sorted(p for p in root.glob("*=*/*.parquet") if not p.name.startswith("."))


def table_glob(table: str, data_dir: Path | None = None) -> str:
    return str(table_dir(table, data_dir) / "*=*" / "*.parquet")


def built_tables(data_dir: Path | None = None) -> list[str]:
    """Tables that have at least one file: views are created for these only."""
    return [name for name in TABLES if table_files(name, data_dir)]


def data_version(data_dir: Path | None = None) -> str:
    """A short digest of every visible lake file's name, size and mtime.

    Listing a few hundred files costs about a millisecond, needs no coordination between writers
    (the generator, the importers, the inbox watcher) and cannot drift from what is on disk, which
    a counter file written by each writer could.
    """
    root = lake_dir(data_dir)
    digest = hashlib.blake2b(digest_size=8)
    if root.is_dir():
        for table in sorted(TABLES):
            for path in table_files(table, data_dir):
                stat = path.stat()
                digest.update(
                    f"{path.relative_to(root)}:{stat.st_size}:{stat.st_mtime_ns};".encode()
                )
    return digest.hexdigest()


def is_visible_parquet(name: str) -> bool:
    return name.endswith(".parquet") and not name.startswith(".")


def ensure_dir(path: Path) -> Path:
    os.makedirs(path, exist_ok=True)
    return path
