"""The lake's write protocol: files become visible only through an atomic manifest swap."""

from __future__ import annotations

import threading
from datetime import datetime

import polars as pl
import pytest

from lake import writer
from lake.contract import CONTRACT, conform
from lake.layout import data_version, read_manifest, table_files
from queries.gateway import Gateway
from tests.lake_rows import seizures


def count(data_dir) -> int:
    return Gateway(data_dir).scalar("SELECT count(*) FROM seizures") or 0


def test_lak001_written_files_are_invisible_until_committed(tmp_path):
    written = writer.write_partitioned("seizures", seizures(5, "A"), "a", tmp_path)
    assert written and written[0].exists()
    assert table_files("seizures", tmp_path) == []
    before = data_version(tmp_path)
    writer.commit("seizures", add=written, data_dir=tmp_path)
    assert data_version(tmp_path) != before
    assert count(tmp_path) == 5


def test_lak002_replace_prefix_swaps_a_generation_in_one_step(tmp_path):
    writer.replace_table_files("seizures", seizures(5, "G"), "gen-1", tmp_path, "gen-")
    writer.replace_table_files("seizures", seizures(3, "B"), "batch-1", tmp_path)
    writer.replace_table_files("seizures", seizures(7, "H"), "gen-2", tmp_path, "gen-")
    names = sorted(p.name for p in table_files("seizures", tmp_path))
    assert names == ["batch-1.parquet", "gen-2.parquet"]
    assert count(tmp_path) == 10
    retired = [r["path"] for r in read_manifest("seizures", tmp_path)["retired"]]
    assert retired == ["fiscal_year=2025/gen-1.parquet"]  # kept for running queries
    assert (tmp_path / "lake" / "seizures" / retired[0]).exists()


def test_lak007_an_empty_replace_prefix_replaces_every_file(tmp_path):
    writer.replace_table_files("seizures", seizures(5, "G"), "gen-1", tmp_path, "gen-")
    writer.replace_table_files("seizures", seizures(3, "B"), "batch-1", tmp_path)
    writer.replace_table_files("seizures", seizures(2, "S"), "score-1", tmp_path, "")
    names = sorted(p.name for p in table_files("seizures", tmp_path))
    assert names == ["score-1.parquet"]
    assert count(tmp_path) == 2


def test_lak003_retired_and_orphan_files_go_after_the_grace_period(tmp_path, monkeypatch):
    writer.replace_table_files("seizures", seizures(2, "A"), "gen-1", tmp_path, "gen-")
    orphan = writer.write_partitioned("seizures", seizures(4, "O"), "orphan", tmp_path)[0]
    writer.replace_table_files("seizures", seizures(3, "B"), "gen-2", tmp_path, "gen-")
    old = tmp_path / "lake" / "seizures" / "fiscal_year=2025" / "gen-1.parquet"
    assert old.exists() and orphan.exists()
    assert count(tmp_path) == 3  # the orphan was never visible
    monkeypatch.setattr(writer, "GRACE_SECONDS", 0.0)
    writer.commit("seizures", data_dir=tmp_path)
    assert not old.exists() and not orphan.exists()
    assert count(tmp_path) == 3


def test_lak004_readers_never_see_a_gap_or_a_double(tmp_path):
    """A reader polls while a writer keeps swapping the visible files for a compacted copy:
    every read sees exactly the 1,000 rows, never 0 and never 2,000."""
    parts = [seizures(100, f"P{i}") for i in range(10)]
    small = []
    for i, part in enumerate(parts):
        small += writer.write_partitioned("seizures", part, f"small-{i}", tmp_path)
    writer.commit("seizures", add=small, data_dir=tmp_path)
    seen: list[int] = []
    stop = threading.Event()

    def read() -> None:
        gateway = Gateway(tmp_path)
        while not stop.is_set():
            gateway.refresh(force=True)
            seen.append(gateway.scalar("SELECT count(*) FROM seizures"))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        compacted_all = pl.concat(parts)
        for round_ in range(300):  # swap until the reader has read many times (bounded)
            if len(seen) >= 25:
                break
            merged = writer.write_partitioned(
                "seizures", compacted_all, f"compact-{round_}", tmp_path
            )
            current = table_files("seizures", tmp_path)
            writer.commit("seizures", add=merged, remove=current, data_dir=tmp_path)
    finally:
        stop.set()
        reader.join(timeout=30)
    assert len(seen) >= 25
    assert set(seen) == {1000}


def test_lak005_concurrent_commits_lose_nothing(tmp_path):
    def add(i: int) -> None:
        writer.replace_table_files("seizures", seizures(10, f"C{i}"), f"batch-{i}", tmp_path)

    threads = [threading.Thread(target=add, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(table_files("seizures", tmp_path)) == 8
    assert count(tmp_path) == 80


@pytest.mark.parametrize("table", ["shipments", "referral_events"])
def test_lak006_unbuilt_tables_have_no_view(tmp_path, table):
    writer.replace_table_files("seizures", seizures(1, "A"), "a", tmp_path)
    gateway = Gateway(tmp_path)
    assert gateway.has("seizures") and not gateway.has(table)


def scores(rows: list[tuple]) -> pl.DataFrame:
    """Score rows (id, arrived_at, area, mode, score) with the other columns left null."""
    frame = pl.DataFrame(
        rows,
        schema=["shipment_id", "arrived_at", "area_id", "mode", "score"],
        orient="row",
    ).with_columns(
        pl.lit("m1").alias("model_version"),
        pl.lit(datetime(2025, 3, 1)).alias("scored_at"),
        pl.lit(2025).alias("fiscal_year"),
    )
    missing = [pl.lit(None).alias(c.name) for c in CONTRACT["scores"] if c.name not in frame]
    return conform("scores", frame.with_columns(missing))


def test_lak008_scores_are_written_a_file_per_month_ranked_within_office_and_mode(tmp_path):
    import pyarrow.parquet as pq

    rows = [
        ("S1", datetime(2024, 10, 3), "b-office", "mail", 0.2),
        ("S2", datetime(2024, 10, 9), "a-office", "mail", 0.1),
        ("S3", datetime(2024, 10, 20), "a-office", "mail", 0.9),
        ("S4", datetime(2024, 10, 21), "a-office", "express", 0.5),
        ("S5", datetime(2024, 11, 2), "a-office", "mail", 0.4),
        ("S6", datetime(2024, 11, 30), "a-office", "mail", 0.7),
        ("S7", None, "a-office", "mail", 0.3),  # a row written before arrivals were copied
    ]
    written = writer.write_partitioned("scores", scores(rows), "run-1", tmp_path)
    assert sorted(p.name for p in written) == [
        "run-1-202410.parquet",
        "run-1-202411.parquet",
        "run-1-none.parquet",
    ]
    by_name = {p.name: pq.read_table(p).to_pydict()["shipment_id"] for p in written}
    assert by_name["run-1-202410.parquet"] == ["S4", "S3", "S2", "S1"]
    assert by_name["run-1-202411.parquet"] == ["S6", "S5"]
    assert by_name["run-1-none.parquet"] == ["S7"]
    writer.commit("scores", add=written, data_dir=tmp_path)
    assert Gateway(tmp_path).scalar("SELECT count(*) FROM scores") == len(rows)


def test_lak009_score_files_hold_small_row_groups(tmp_path):
    import pyarrow.parquet as pq

    n = 40_000
    rows = [
        (f"S{i:06d}", datetime(2025, 1, 1 + i % 28), "a-office", "mail", (i % 997) / 997)
        for i in range(n)
    ]
    (path,) = writer.write_partitioned("scores", scores(rows), "run-1", tmp_path)
    meta = pq.ParquetFile(path).metadata
    layout = writer.TABLES["scores"]
    assert meta.num_rows == n
    # one run: its heads' group, then groups of the layout's size
    assert meta.row_group(0).num_rows == layout.head_rows
    assert meta.row_group(1).num_rows == layout.row_group_rows < n
    first = pq.read_table(path).column("score").to_pylist()
    assert first == sorted(first, reverse=True)


def test_lak010_score_files_open_with_the_heads_of_every_run(tmp_path):
    import pyarrow.parquet as pq

    head = writer.TABLES["scores"].head_rows
    big = [(f"M{i:05d}", datetime(2025, 1, 2), "a-office", "mail", i / 1000) for i in range(600)]
    small = [(f"E{i:05d}", datetime(2025, 1, 3), "a-office", "express", i / 10) for i in range(5)]
    other = [(f"B{i:05d}", datetime(2025, 1, 4), "b-office", "mail", i / 500) for i in range(300)]
    (path,) = writer.write_partitioned("scores", scores(big + small + other), "r", tmp_path)
    meta = pq.ParquetFile(path).metadata
    assert meta.row_group(0).num_rows == head + 5 + head  # every run's best, capped at head
    table = pq.read_table(path).to_pydict()
    heads = list(
        zip(
            table["area_id"][: meta.row_group(0).num_rows],
            table["mode"][: meta.row_group(0).num_rows],
            table["score"][: meta.row_group(0).num_rows],
            strict=True,
        )
    )
    runs = [("a-office", "express"), ("a-office", "mail"), ("b-office", "mail")]
    assert [r for r in dict.fromkeys((a, m) for a, m, _ in heads)] == runs
    for run in runs:
        in_run = [sc for a, m, sc in heads if (a, m) == run]
        assert in_run == sorted(in_run, reverse=True)
    # the heads are the best of their runs: nothing after them outranks them
    tail = list(
        zip(
            table["area_id"][len(heads) :],
            table["mode"][len(heads) :],
            table["score"][len(heads) :],
            strict=True,
        )
    )
    for run in runs:
        best_left = max((sc for a, m, sc in tail if (a, m) == run), default=-1)
        assert best_left <= min(sc for a, m, sc in heads if (a, m) == run)
    assert sorted(table["shipment_id"]) == sorted(r[0] for r in big + small + other)
