"""Merge a partition's small batch files into one, swapped in with a single commit.

A live feed leaves one small file per batch and partition; DuckDB pays per file, so once a
partition holds ``compact_min_files`` batch files (or as many small ``compact-*`` files: a second
tier), they are read, sorted by the table's date column and written as one
``compact-<digest>.parquet``. One conditional commit adds it and drops the sources: readers see
the old files or the new one, never both and never neither, and if anything else removed a source
meanwhile the commit is refused (``CommitConflict``), so two compactors can never both add a
copy (the loser's file stays unlisted and the writer's orphan sweep deletes it). Generated
(``gen-*``) and imported files are never touched: their writers replace them by name.

The digest names the set of sources, so a compaction killed before its commit and rerun writes
the same file again; killed after, its sources are no longer listed and nothing is redone.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import polars as pl

import settings
from ingest.live.failpoints import failpoint
from ingest.live.incoming import LIVE_TABLES
from ingest.live.lakeids import BATCH_PREFIX, COMPACT_PREFIX
from lake.contract import conform
from lake.layout import TABLES, read_manifest, table_dir
from lake.writer import (
    CommitConflict,
    commit,
    file_lock,
    head_count,
    in_order,
    write_parquet_atomic,
)

COMPACTED_TABLES = (*LIVE_TABLES, "ingest_log")
SMALL_BYTES = 32 * 1024 * 1024  # files larger than this are left alone: they are big enough


@dataclass(frozen=True)
class Compaction:
    table: str
    partition: str  # folder name, e.g. fiscal_year=2026
    sources: int
    rows: int
    file: str


def plan(
    table: str, data_dir: Path | None = None, min_files: int | None = None
) -> list[tuple[str, list[str]]]:
    """(partition folder, files to merge) for every group with enough small files.

    Two tiers per partition: batch files are merged with each other, and small compacted files
    with each other. So a growing compacted file is not rewritten every time a few batches
    arrive: each row is rewritten about log(32 MB / batch size) / log(min_files) times.
    """
    min_files = settings.get("compact_min_files") if min_files is None else min_files
    root = table_dir(table, data_dir)
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for rel in read_manifest(table, data_dir)["files"]:
        name = Path(rel).name
        tier = next((t for t in (BATCH_PREFIX, COMPACT_PREFIX) if name.startswith(t)), None)
        if tier is None:
            continue
        try:
            if (root / rel).stat().st_size >= SMALL_BYTES:
                continue
        except FileNotFoundError:
            continue
        groups[(str(Path(rel).parent), tier)].append(rel)
    enough = max(2, min_files)
    return [
        (part, sorted(files)) for (part, _), files in sorted(groups.items()) if len(files) >= enough
    ]


@contextmanager
def _compacting(table: str, data_dir: Path | None) -> Iterator[bool]:
    """One compactor per table at a time; others skip instead of waiting."""
    with file_lock(table_dir(table, data_dir) / ".compact.lock", wait=False) as mine:
        yield mine


def compact_partition(
    table: str, partition: str, files: list[str], data_dir: Path | None = None
) -> Compaction | None:
    """Merge ``files`` (relative to the table folder) into one; None if they changed meanwhile."""
    root = table_dir(table, data_dir)
    sources = [root / f for f in files]
    digest = hashlib.sha256("\n".join(files).encode()).hexdigest()[:16]
    target = root / partition / f"{COMPACT_PREFIX}{digest}.parquet"
    if str(target.relative_to(root)) in read_manifest(table, data_dir)["files"]:
        return None  # these very sources were compacted already: never rewrite a visible file
    try:
        frame = pl.concat([pl.read_parquet(p) for p in sources], how="diagonal_relaxed")
    except FileNotFoundError:
        return None  # a source was retired and deleted meanwhile: plan again next time
    layout = TABLES[table]
    # one file, whatever the layout's month split: a compacted file stays under SMALL_BYTES
    frame = in_order(layout, conform(table, frame))
    write_parquet_atomic(frame.to_arrow(), target, layout.row_group_rows, head_count(layout, frame))
    failpoint("compact_after_write")
    try:
        commit(table, add=[target], remove=sources, data_dir=data_dir, require_listed=True)
    except CommitConflict:
        return None  # left unlisted: the writer's orphan sweep deletes it after the grace period
    failpoint("compact_after_commit")
    return Compaction(table, partition, len(files), frame.height, str(target.relative_to(root)))


def compact_table(
    table: str, data_dir: Path | None = None, min_files: int | None = None
) -> list[Compaction]:
    done: list[Compaction] = []
    with _compacting(table, data_dir) as mine:
        if not mine:
            return done
        for partition, files in plan(table, data_dir, min_files):
            result = compact_partition(table, partition, files, data_dir)
            if result is not None:
                done.append(result)
    return done


def compact_all(data_dir: Path | None = None, min_files: int | None = None) -> list[Compaction]:
    """Compact every live table's partitions that have enough small files."""
    return [c for table in COMPACTED_TABLES for c in compact_table(table, data_dir, min_files)]
