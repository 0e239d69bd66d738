"""The "new since you opened this page" counter: exact, and no query when nothing is newer."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta

import polars as pl

from lake.writer import commit, write_partitioned
from queries.gateway import Gateway
from queries.live_counts import arrived_since
from tests.lake_rows import seizures


def _lake(demo_lake, tmp_path):
    lake = tmp_path / "lake-copy"
    shutil.copytree(demo_lake, lake)
    return lake


def test_lvc001_counts_rows_ingested_after_the_moment(demo_lake, tmp_path):
    lake = _lake(demo_lake, tmp_path)
    gateway = Gateway(lake)
    totals = tuple(gateway.scalar(f"SELECT count(*) FROM {t}") for t in ("seizures", "shipments"))  # noqa: S608 -- fixed names
    assert arrived_since(datetime(1990, 1, 1), gateway) == totals
    newest = max(
        gateway.scalar(f"SELECT max(ingested_at) FROM {t}") for t in ("seizures", "shipments")
    )  # noqa: S608 -- fixed names
    assert arrived_since(newest, gateway) == (0, 0)

    batch = seizures(7, "NEW", newest.date()).with_columns(
        pl.lit(newest + timedelta(minutes=5)).alias("ingested_at")
    )
    commit("seizures", add=write_partitioned("seizures", batch, "batch-new", lake), data_dir=lake)
    gateway.refresh(force=True)
    assert arrived_since(newest, gateway) == (7, 0)
    assert arrived_since(newest + timedelta(minutes=5), gateway) == (0, 0)


def test_lvc002_nothing_newer_asks_duckdb_nothing(demo_lake, tmp_path):
    gateway = Gateway(_lake(demo_lake, tmp_path))
    asked: list[str] = []
    run = gateway.executor.run

    def watched(sql, params=None, **cap):
        asked.append(sql)
        return run(sql, params, **cap)

    gateway.executor.run = watched
    assert arrived_since(datetime(2999, 1, 1), gateway) == (0, 0)
    assert asked == []
