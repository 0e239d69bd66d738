"""Column maxima and null counts read from parquet footers, once per file.

The targeting queue's "now" is the latest arrival in the lake. Asking DuckDB for
``max(arrived_at)`` scans 20 million values (a cost that grows with the lake) and, as a
fact of the whole lake, was asked again after every batch of any table. A file's footer already
holds each row group's maximum and null count, and a lake file never changes once written (a
rewrite is a new inode, so a new cache key), so such a fact of a table is a few cached footer
values.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq


def column_max(files: Iterable[Path], column: str) -> object | None:
    """The largest non-null value of ``column`` over ``files`` (None when there is none)."""
    values = [top for top, _ in _per_file(files, column) if top is not None]
    return max(values, default=None)


def column_nulls(files: Iterable[Path], column: str) -> int:
    """How many rows of ``files`` have ``column`` null (a file without the column: all)."""
    return sum(nulls for _, nulls in _per_file(files, column))


def in_partitions(files: Iterable[Path], partition: str, values: Iterable[object]) -> list[Path]:
    """The files of a hive-partitioned table that lie under ``partition=<value>`` folders."""
    folders = {f"{partition}={v}" for v in values}
    return [f for f in files if Path(f).parent.name in folders]


def _per_file(files: Iterable[Path], column: str) -> list[tuple[object | None, int]]:
    out = []
    for path in files:
        try:
            stat = os.stat(path)
        except FileNotFoundError:
            continue  # retired by a commit since the manifest was read
        out.append(_footer_facts(str(path), stat.st_ino, stat.st_mtime_ns, column))
    return out


@functools.lru_cache(maxsize=4096)
def _footer_facts(path: str, _inode: int, _mtime_ns: int, column: str) -> tuple[object | None, int]:
    """(maximum, null count) of ``column`` in the file, from its row groups' statistics; the
    column itself is read only when a row group lacks them (files written by other tools)."""
    parquet = pq.ParquetFile(path)
    meta = parquet.metadata
    if column not in parquet.schema_arrow.names:
        return None, meta.num_rows
    index = meta.schema.to_arrow_schema().get_field_index(column)
    top, nulls = None, 0
    for group in range(meta.num_row_groups):
        stats = meta.row_group(group).column(index).statistics
        rows = meta.row_group(group).num_rows
        if (
            stats is None
            or not stats.has_null_count
            or (rows > stats.null_count and not stats.has_min_max)
        ):
            values = parquet.read(columns=[column]).column(column)
            return pc.max(values).as_py(), values.null_count
        nulls += stats.null_count
        if stats.has_min_max:
            top = stats.max if top is None else max(top, stats.max)
    return top, nulls
