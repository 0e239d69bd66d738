"""A table's maximum from the parquet footers equals the scanned maximum, and follows new files."""

from __future__ import annotations

from datetime import datetime

import pyarrow as pa
import pyarrow.parquet as pq

from queries.file_stats import column_max
from queries.gateway import Gateway
from queries.targeting import as_of


def test_fst001_latest_arrival_from_footers_equals_the_scan(demo_lake):
    gateway = Gateway(demo_lake)
    scanned = gateway.scalar("SELECT max(arrived_at) FROM shipments")
    assert scanned is not None
    assert column_max(gateway.files("shipments"), "arrived_at") == scanned
    assert as_of(gateway) == scanned


def _write(path, values: list, statistics: bool = True) -> None:
    table = pa.table({"arrived_at": pa.array(values, pa.timestamp("us"))})
    pq.write_table(table, path, row_group_size=2, write_statistics=statistics)


def test_fst002_files_without_statistics_are_read(tmp_path):
    plain, bare = tmp_path / "a.parquet", tmp_path / "b.parquet"
    _write(plain, [datetime(2025, 1, 1), datetime(2025, 3, 1), None])
    _write(bare, [datetime(2025, 2, 1), datetime(2025, 6, 1), datetime(2025, 4, 1)], False)
    assert column_max([plain], "arrived_at") == datetime(2025, 3, 1)
    assert column_max([plain, bare], "arrived_at") == datetime(2025, 6, 1)


def test_fst003_a_rewritten_file_is_read_again_and_missing_ones_skipped(tmp_path):
    path = tmp_path / "a.parquet"
    _write(path, [datetime(2025, 1, 1)])
    assert column_max([path, tmp_path / "gone.parquet"], "arrived_at") == datetime(2025, 1, 1)
    replacement = tmp_path / "new.parquet"
    _write(replacement, [datetime(2025, 9, 9)])
    replacement.replace(path)  # how the lake replaces a file: a rename over it
    assert column_max([path], "arrived_at") == datetime(2025, 9, 9)
    assert column_max([path], "no_such_column") is None
    assert column_max([], "arrived_at") is None


def test_fst004_null_counts_from_footers_and_files_by_partition(tmp_path):
    from queries.file_stats import column_nulls, in_partitions

    (tmp_path / "fiscal_year=2024").mkdir()
    (tmp_path / "fiscal_year=2025").mkdir()
    old, new = (
        tmp_path / "fiscal_year=2024" / "a.parquet",
        tmp_path / "fiscal_year=2025" / "b.parquet",
    )
    _write(old, [None, datetime(2024, 1, 1), None])
    _write(new, [datetime(2025, 1, 1), datetime(2025, 2, 1), datetime(2025, 3, 1)], False)
    other = tmp_path / "c.parquet"
    pq.write_table(pa.table({"x": [1, 2]}), other)
    assert column_nulls([old, new], "arrived_at") == 2
    assert column_nulls([new], "arrived_at") == 0  # no statistics: the column is read
    assert column_nulls([other], "arrived_at") == 2  # no such column: every row lacks it
    assert in_partitions([old, new, other], "fiscal_year", [2025]) == [new]
    assert in_partitions([old, new], "fiscal_year", [2024, 2025]) == [old, new]
