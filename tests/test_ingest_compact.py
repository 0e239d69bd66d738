"""Compaction: many small batch files become one, in a single swap readers never see half of."""

from __future__ import annotations

import threading
from datetime import date

import polars as pl
import pytest

from ingest.live.compact import compact_all, compact_partition, plan
from lake import writer
from lake.layout import data_version, read_manifest, table_files
from queries.gateway import Gateway
from tests.lake_rows import seizures

READS_PER_ROUND = 5


def add_batches(data_dir, count: int, start: int, years=(2024, 2025, 2026)) -> int:
    """``count`` batch files in each fiscal year of ``years``; returns the rows added."""
    added = 0
    for i in range(start, start + count):
        for year in years:
            frame = seizures(3 + i % 4, f"Y{year}B{i:03d}R", day=date(year - 1, 11, 5))
            frame = frame.with_columns(pl.lit(year, pl.Int16).alias("fiscal_year"))
            files = writer.write_partitioned("seizures", frame, f"batch-{year}-{i:04d}", data_dir)
            writer.commit("seizures", add=files, data_dir=data_dir)
            added += frame.height
    return added


def test_cmp001_small_files_merge_into_one_sorted_file(tmp_path):
    total = add_batches(tmp_path, 4, 0, years=(2025,))
    before = pl.concat([pl.read_parquet(f) for f in table_files("seizures", tmp_path)])
    version = data_version(tmp_path)
    assert plan("seizures", tmp_path, min_files=5) == []
    (done,) = compact_all(tmp_path, min_files=4)
    assert (done.sources, done.rows) == (4, total)
    files = read_manifest("seizures", tmp_path)["files"]
    assert files == [done.file] and done.file.startswith("fiscal_year=2025/compact-")
    after = pl.read_parquet(table_files("seizures", tmp_path)[0])
    assert after.sort("seizure_id").equals(before.sort("seizure_id"))
    assert after["event_date"].is_sorted()
    assert data_version(tmp_path) != version
    assert compact_all(tmp_path, min_files=4) == []  # nothing left to do, no commit


def test_cmp002_generated_files_are_never_compacted(tmp_path):
    writer.replace_table_files("seizures", seizures(5, "G"), "gen-1", tmp_path, "gen-")
    add_batches(tmp_path, 2, 0, years=(2025,))
    (done,) = compact_all(tmp_path, min_files=2)
    names = sorted(f.split("/")[-1] for f in read_manifest("seizures", tmp_path)["files"])
    assert names[1] == "gen-1.parquet" and done.sources == 2


def test_cmp003_a_second_compaction_of_the_same_files_is_refused(tmp_path):
    add_batches(tmp_path, 3, 0, years=(2025,))
    ((partition, files),) = plan("seizures", tmp_path, min_files=3)
    assert compact_partition("seizures", partition, files, tmp_path) is not None
    # a slower compactor planned the same files: its commit must not add a second copy
    assert compact_partition("seizures", partition, files, tmp_path) is None
    count = Gateway(tmp_path).scalar("SELECT count(*) FROM seizures")
    assert count == sum(3 + i % 4 for i in range(3))
    assert len(list((tmp_path / "lake" / "seizures" / partition).glob("compact-*"))) == 1


def test_cmp004_readers_never_see_a_gap_or_a_double(tmp_path):
    """A reader counts rows while partitions are compacted one commit at a time; between
    rounds (reader paused) new batch files arrive. Every count must be the current total."""
    expected = [0]
    seen: list[tuple[int, int]] = []
    allowed, idle, stop = threading.Event(), threading.Event(), threading.Event()

    def read() -> None:
        gateway = Gateway(tmp_path)
        while not stop.is_set():
            if not allowed.is_set():
                idle.set()
                allowed.wait(0.05)
                continue
            total = expected[0]
            gateway.refresh(force=True)
            seen.append((total, gateway.scalar("SELECT count(*) FROM seizures")))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for round_ in range(4):
            allowed.clear()
            idle.clear()
            assert idle.wait(30), "reader did not pause"
            expected[0] += add_batches(tmp_path, 3, round_ * 3)
            before = len(seen)
            allowed.set()
            done = compact_all(tmp_path, min_files=3)
            assert len(done) >= 3  # a commit per fiscal year partition (and tier)
            for _ in range(3000):  # bounded: let the reader read this round's state too
                if len(seen) >= before + READS_PER_ROUND:
                    break
                stop.wait(0.01)
    finally:
        stop.set()
        allowed.set()
        reader.join(timeout=30)
    assert len(seen) >= 4 * READS_PER_ROUND
    wrong = [(want, got) for want, got in seen if want != got]
    assert not wrong, f"counts seen that were not the committed total: {wrong[:5]}"


@pytest.mark.parametrize("table", ["ingest_log"])
def test_cmp005_the_log_is_compacted_by_day(tmp_path, table):
    from tests.ingest_helpers import csv_bytes, drop, run_once, valid_rows

    for i in range(3):
        drop(
            tmp_path, f"referral_events-{i}.csv", csv_bytes(valid_rows("referral_events", 2, tag=i))
        )
    run_once(tmp_path)
    done = [c for c in compact_all(tmp_path, min_files=3) if c.table == table]
    assert len(done) == 1 and done[0].partition.startswith("day=")
    assert Gateway(tmp_path).scalar("SELECT count(DISTINCT batch_id) FROM ingest_log") == 3
