"""Atomic writes into the lake: files first, then one manifest swap that makes them visible.

1. ``write_partitioned`` writes each file under a hidden temporary name in its final folder,
   flushes it to disk and renames it into place. The file is complete but not yet visible.
2. ``commit`` takes the table's lock, reads its manifest, adds and removes entries, and replaces
   the manifest with an atomic rename. Readers see the old set of files or the new one.
A writer killed between the two steps leaves an unlisted file that nobody reads; the next commit
removes such orphans once they are old enough. Files a commit drops stay on disk for a grace
period so queries already running on the previous set can finish.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from lake.layout import (
    MANIFEST,
    ROW_GROUP_ROWS,
    TABLES,
    TableLayout,
    ensure_dir,
    manifest_path,
    read_manifest,
    table_dir,
)

GRACE_SECONDS = 120.0  # dropped files outlive the longest query (time limit 10 s) comfortably


class CommitConflict(RuntimeError):
    """A conditional commit found the manifest changed under it (a file to remove is gone)."""


def fsync_dir(path: Path) -> None:
    """Make a rename in ``path`` durable, not only the files it names."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_atomic(path: Path, write) -> Path:
    """Run ``write(sink)`` into a hidden temporary file beside ``path``, fsync it, rename it
    into place and fsync the folder: the file appears whole or not at all."""
    ensure_dir(path.parent)
    tmp = path.parent / f".{path.name}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        with open(tmp, "wb") as sink:
            write(sink)
            sink.flush()
            os.fsync(sink.fileno())
        os.replace(tmp, path)
        fsync_dir(path.parent)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def write_parquet_atomic(
    table: pa.Table, path: Path, row_group_size: int = ROW_GROUP_ROWS, first_group: int = 0
) -> Path:
    """Write ``table`` to ``path`` so that no reader ever sees a partial file; with
    ``first_group``, its first that many rows are a row group of their own."""

    def write(sink) -> None:
        with pq.ParquetWriter(sink, table.schema, compression="zstd", write_statistics=True) as out:
            rest = table
            if 0 < first_group < table.num_rows:
                out.write_table(table.slice(0, first_group), row_group_size=first_group)
                rest = table.slice(first_group)
            out.write_table(rest, row_group_size=row_group_size)

    return _write_atomic(path, write)


def laid_out(layout: TableLayout, frame: pl.DataFrame) -> Iterator[tuple[str, pl.DataFrame]]:
    """The rows of one partition as the table's files hold them: ``(suffix, rows)`` per file,
    sorted by the layout's order; one file per month of ``layout.month_files`` when it has one
    (suffix ``-YYYYMM``; rows without the timestamp go to ``-none``), else one file (no suffix)."""
    if layout.month_files is None:
        yield "", in_order(layout, frame)
        return
    month = pl.col(layout.month_files).dt.strftime("%Y%m").fill_null("none").alias("_month")
    for (value,), part in (
        frame.with_columns(month).sort("_month").group_by("_month", maintain_order=True)
    ):
        yield f"-{value}", in_order(layout, part.drop("_month"))


def in_order(layout: TableLayout, frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` sorted as the table's files are (``layout.sort_by``, nulls last), and with
    ``layout.head_rows`` the heads of every run first (``head_count`` rows)."""
    names, descending = layout.sort_keys()
    ordered = frame.sort(names, descending=descending, nulls_last=True, maintain_order=True)
    if not layout.head_rows:
        return ordered
    in_run = pl.int_range(pl.len()).over(layout.run_keys) < layout.head_rows
    return ordered.sort(~in_run, maintain_order=True)


def head_count(layout: TableLayout, frame: pl.DataFrame) -> int:
    """How many rows open a file of ``frame`` as its heads' row group (0: no such group)."""
    if not layout.head_rows or frame.is_empty():
        return 0
    runs = frame.group_by(layout.run_keys).len()["len"]
    return int(runs.clip(upper_bound=layout.head_rows).sum())


def write_bytes_atomic(data: bytes, path: Path) -> Path:
    return _write_atomic(path, lambda sink: sink.write(data))


def write_partitioned(
    table_name: str,
    frame: pl.DataFrame,
    file_stem: str,
    data_dir: Path | None = None,
) -> list[Path]:
    """Write the files of each partition value of ``frame``, laid out as the table's layout
    says (``laid_out``: its sort order, and a file per month where the layout asks for it).

    The files are complete on return but not visible until ``commit`` lists them. The partition
    column lives in the folder name (hive style) and is dropped from the file, so DuckDB never
    sees two disagreeing copies of it.
    """
    layout = TABLES[table_name]
    root = table_dir(table_name, data_dir)
    written: list[Path] = []
    if frame.is_empty():
        return written
    for (value,), part in frame.sort(layout.partition).group_by(
        layout.partition, maintain_order=True
    ):
        folder = root / f"{layout.partition}={value}"
        for suffix, rows in laid_out(layout, part.drop(layout.partition)):
            path = folder / f"{file_stem}{suffix}.parquet"
            heads = head_count(layout, rows)
            written.append(
                write_parquet_atomic(rows.to_arrow(), path, layout.row_group_rows, heads)
            )
    return written


@contextmanager
def file_lock(path: Path, wait: bool = True) -> Iterator[bool]:
    """Hold an exclusive lock on ``path`` (created if missing) across processes; yields False
    instead of waiting when ``wait`` is off and another holder has it."""
    ensure_dir(path.parent)
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def table_lock(table_name: str, data_dir: Path | None = None) -> Iterator[None]:
    """One writer at a time per table's manifest (importer, generator, watcher, compactor)."""
    with file_lock(table_dir(table_name, data_dir) / ".lock"):
        yield


def _relative(table_name: str, paths: list[Path], data_dir: Path | None) -> list[str]:
    root = table_dir(table_name, data_dir)
    return [str(Path(p).resolve().relative_to(root.resolve())) for p in paths]


def commit(
    table_name: str,
    add: list[Path] = (),
    remove: list[Path] = (),
    data_dir: Path | None = None,
    replace_prefix: str | None = None,
    require_listed: bool = False,
) -> dict:
    """Make ``add`` visible and ``remove`` invisible in one atomic manifest swap.

    ``replace_prefix`` also drops every listed file whose name starts with it (a generator run
    replaces the previous run's files). ``require_listed`` makes the swap conditional: if any
    file of ``remove`` is no longer listed, nothing is written and ``CommitConflict`` is raised.
    A compaction needs that: two compactions of the same files must not both add their copy.
    Returns the new manifest.
    """
    root = table_dir(table_name, data_dir)
    with table_lock(table_name, data_dir):
        manifest = read_manifest(table_name, data_dir)
        now = time.time()
        adding = _relative(table_name, list(add), data_dir)
        dropping = set(_relative(table_name, list(remove), data_dir))
        if require_listed and not dropping <= set(manifest["files"]):
            gone = sorted(dropping - set(manifest["files"]))
            raise CommitConflict(f"{table_name}: no longer listed: {gone[:3]}")
        if replace_prefix is not None:  # "" replaces every file
            dropping |= {f for f in manifest["files"] if Path(f).name.startswith(replace_prefix)}
        dropping -= set(adding)
        files = [f for f in manifest["files"] if f not in dropping]
        files += [f for f in adding if f not in files]
        retired = [r for r in manifest.get("retired", []) if r["path"] not in adding]
        retired += [{"path": f, "at": now} for f in sorted(dropping) if f in manifest["files"]]
        keep_retired = []
        for entry in retired:
            if now - entry["at"] >= GRACE_SECONDS and entry["path"] not in files:
                (root / entry["path"]).unlink(missing_ok=True)
            else:
                keep_retired.append(entry)
        new = {
            "files": sorted(files),
            "retired": keep_retired,
            "serial": manifest.get("serial", 0) + 1,
            "updated_at": datetime.now(UTC).isoformat(timespec="milliseconds"),
        }
        write_bytes_atomic(json.dumps(new, indent=1).encode(), manifest_path(table_name, data_dir))
        _remove_orphans(root, set(files) | {r["path"] for r in keep_retired}, now)
        return new


def _remove_orphans(root: Path, referenced: set[str], now: float) -> None:
    """Delete parquet files nobody lists (left by a writer killed before its commit), once they
    are older than the grace period: a younger one may belong to a commit still in progress."""
    for path in root.glob("*=*/*.parquet"):
        rel = str(path.relative_to(root))
        if rel in referenced:
            continue
        try:
            if now - path.stat().st_mtime >= GRACE_SECONDS:
                path.unlink()
        except FileNotFoundError:
            continue
    for folder in root.glob("*=*"):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()


def replace_table_files(
    table_name: str,
    frame: pl.DataFrame,
    file_stem: str,
    data_dir: Path | None = None,
    replace_prefix: str | None = None,
) -> list[Path]:
    """Write ``frame`` and make it visible, dropping files that start with ``replace_prefix``."""
    written = write_partitioned(table_name, frame, file_stem, data_dir)
    commit(table_name, add=written, data_dir=data_dir, replace_prefix=replace_prefix)
    return written


__all__ = [
    "MANIFEST",
    "CommitConflict",
    "commit",
    "in_order",
    "replace_table_files",
    "table_lock",
    "write_bytes_atomic",
    "write_parquet_atomic",
    "write_partitioned",
]
