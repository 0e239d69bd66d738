"""Column maxima and null counts read from parquet footers, once per file.

The targeting queue's "now" is the latest arrival in the lake. Asking DuckDB for
``max(arrived_at)`` scans 20 million values (a quarter of a second) and, as a fact of the whole
lake, was asked again after every batch of any table. A file's footer already holds each row
group's maximum and null count, and a lake file never changes once written (a rewrite is a new
inode, so a new cache key), so such a fact of a table is a few cached footer values.
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
    values = [v for v in _per_file(files, _file_max, column) if v is not None]
    return max(values, default=None)


def column_nulls(files: Iterable[Path], column: str) -> int:
    """How many rows of ``files`` have ``column`` null (a file without the column: all)."""
    return sum(_per_file(files, _file_nulls, column))


def in_partitions(files: Iterable[Path], partition: str, values: Iterable[object]) -> list[Path]:
    """The files of a hive-partitioned table that lie under ``partition=<value>`` folders."""
    folders = {f"{partition}={v}" for v in values}
    return [f for f in files if Path(f).parent.name in folders]


def _per_file(files: Iterable[Path], fact, column: str) -> list:
    out = []
    for path in files:
        try:
            stat = os.stat(path)
        except FileNotFoundError:
            continue  # retired by a commit since the manifest was read
        out.append(fact(str(path), stat.st_ino, stat.st_mtime_ns, column))
    return out


@functools.lru_cache(maxsize=4096)
def _file_max(path: str, _inode: int, _mtime_ns: int, column: str) -> object | None:
    """The file's maximum from its row groups' statistics; the column itself is read only when
    a row group has values but no statistics (files written by other tools)."""
    parquet = pq.ParquetFile(path)
    meta = parquet.metadata
    names = parquet.schema_arrow.names
    if column not in names:
        return None
    index = meta.schema.to_arrow_schema().get_field_index(column)
    best = None
    for group in range(meta.num_row_groups):
        chunk = meta.row_group(group).column(index)
        stats = chunk.statistics
        if stats is None or not stats.has_min_max:
            if meta.row_group(group).num_rows > (stats.null_count if stats else 0):
                return pc.max(parquet.read(columns=[column]).column(column)).as_py()
            continue
        best = stats.max if best is None else max(best, stats.max)
    return best


@functools.lru_cache(maxsize=4096)
def _file_nulls(path: str, _inode: int, _mtime_ns: int, column: str) -> int:
    parquet = pq.ParquetFile(path)
    meta = parquet.metadata
    if column not in parquet.schema_arrow.names:
        return meta.num_rows
    index = meta.schema.to_arrow_schema().get_field_index(column)
    nulls = 0
    for group in range(meta.num_row_groups):
        stats = meta.row_group(group).column(index).statistics
        if stats is None or not stats.has_null_count:
            return parquet.read(columns=[column]).column(column).null_count
        nulls += stats.null_count
    return nulls
