"""Which ids, and which batches, the lake already holds: for duplicates and for redone batches.

Ids are read once per visible file (the id column only) and kept, with their smallest and
largest value, while the file stays listed under the same size and modification time. A batch is
then compared only with the files whose id range overlaps its own: live ids grow with time
(``SZL<clock>...``), so a new batch usually overlaps no file at all, and a lake of millions of
generated rows costs nothing. A compaction lists a new file with the same ids; it is read once and
its sources are forgotten.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ingest.live.incoming import ID_COLUMN
from lake.layout import read_manifest, table_dir

BATCH_PREFIX = "batch-"
COMPACT_PREFIX = "compact-"


def batch_file_name(batch_id: str) -> str:
    return f"{BATCH_PREFIX}{batch_id}.parquet"


@dataclass(frozen=True)
class _FileIds:
    key: tuple[int, int]  # size and modification time the ids were read at
    ids: pl.Series
    low: str | None
    high: str | None


class LakeIds:
    """Per-process cache of the id column of every visible file of the live tables."""

    def __init__(self, data_dir: Path | None = None) -> None:
        self.data_dir = data_dir
        self._files: dict[tuple[str, str], _FileIds] = {}

    def _read(self, table: str, rel: str, column: str) -> _FileIds | None:
        path = table_dir(table, self.data_dir) / rel
        try:
            stat = path.stat()
            key = (stat.st_size, stat.st_mtime_ns)
            cached = self._files.get((table, rel))
            if cached and cached.key == key:
                return cached
            ids = pl.read_parquet(path, columns=[column])[column]
        except FileNotFoundError:
            return None
        entry = _FileIds(key, ids, ids.min(), ids.max())
        self._files[(table, rel)] = entry
        return entry

    def ids(
        self,
        table: str,
        exclude: str | None = None,
        within: tuple[str, str] | None = None,
    ) -> pl.Series:
        """Ids in the visible files of ``table``, leaving out files named ``exclude`` and, given
        ``within=(lowest, highest)``, files whose ids all fall outside that range."""
        column = ID_COLUMN[table]
        for _attempt in range(5):  # a file retired meanwhile: read the new manifest
            files = list(read_manifest(table, self.data_dir)["files"])
            parts = [self._read(table, f, column) for f in files if Path(f).name != exclude]
            if all(p is not None for p in parts):
                break
        else:
            raise RuntimeError(f"{table}: manifest kept changing while reading ids")
        listed = {(table, f) for f in files}
        for key in [k for k in self._files if k[0] == table and k not in listed]:
            del self._files[key]
        if within is not None:
            low, high = within
            parts = [p for p in parts if p.ids.len() and p.low <= high and p.high >= low]
        if not parts:
            return pl.Series(column, [], pl.String)
        return pl.concat([p.ids for p in parts], rechunk=False)


def listed_batch_files(table: str, batch_id: str, data_dir: Path | None = None) -> list[str]:
    """The batch's own files (``batch-<id>.parquet``) that ``table``'s manifest lists."""
    name = batch_file_name(batch_id)
    return [f for f in read_manifest(table, data_dir)["files"] if Path(f).name == name]


def batch_is_visible(table: str, batch_id: str, data_dir: Path | None = None) -> bool:
    """Whether rows of ``batch_id`` are visible in ``table``: in its own files, or already
    merged into a compacted file (only those are scanned, and only when a batch is redone)."""
    if listed_batch_files(table, batch_id, data_dir):
        return True
    root = table_dir(table, data_dir)
    compacted = [
        root / f
        for f in read_manifest(table, data_dir)["files"]
        if Path(f).name.startswith(COMPACT_PREFIX)
    ]
    if not compacted:
        return False
    found = (
        pl.scan_parquet(compacted, hive_partitioning=False)
        .filter(pl.col("batch_id") == batch_id)
        .select(pl.len())
        .collect()
        .item()
    )
    return found > 0
