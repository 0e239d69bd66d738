"""The Data health queries over a lake the live pipeline wrote, and over one it never touched."""

from __future__ import annotations

from datetime import timedelta

import polars as pl
import pytest

from queries import health
from queries.gateway import Gateway
from tests.ingest_helpers import csv_bytes, drop, now_utc, run_once, valid_rows


@pytest.fixture
def fed(tmp_path):
    """Three batches: clean shipments, seizures with 3 bad rows, a file refused whole."""
    drop(tmp_path, "shipments-1.csv", csv_bytes(valid_rows("shipments", 25)), age_s=30)
    seizures = valid_rows("seizures", 10).with_columns(pl.all().cast(pl.String))
    seizures = seizures.with_columns(
        pl.when(pl.int_range(pl.len()) < 2)
        .then(pl.lit("XX"))
        .otherwise("source_country")
        .alias("source_country"),
        pl.when(pl.int_range(pl.len()) == 9)
        .then(pl.lit("-1"))
        .otherwise("quantity")
        .alias("quantity"),
    )
    drop(tmp_path, "seizures-2.csv", csv_bytes(seizures), age_s=20)
    drop(tmp_path, "seizures-3.csv", b"", age_s=10)
    reports = run_once(tmp_path)
    return tmp_path, Gateway(tmp_path), reports


def test_hlt001_batches_per_hour_counts_every_batch(fed):
    _data, gateway, _reports = fed
    hourly = health.batches_per_hour(hours=6, gateway=gateway)
    assert hourly.height == 6 and hourly["hour"].is_sorted()
    assert hourly.select(pl.exclude("hour").sum()).row(0) == (3, 35, 32, 3)


def test_hlt002_quarantine_reasons_by_table(fed):
    _data, gateway, _reports = fed
    reasons = health.quarantine_reasons(gateway=gateway)
    rows = {(r["table_name"], r["reason"]): r["rows"] for r in reasons.iter_rows(named=True)}
    assert rows == {
        ("seizures", "source_country: not an ISO 3166-1 alpha-2 code"): 2,
        ("seizures", "quantity: negative"): 1,
        ("seizures", "file: empty"): 0,
    }
    assert reasons["rows"].to_list() == sorted(reasons["rows"].to_list(), reverse=True)


def test_hlt003_latest_quarantined_shows_rows_and_whole_files(fed):
    data_dir, _gateway, _reports = fed
    latest = health.latest_quarantined(limit=10, data_dir=data_dir)
    assert latest.height == 4
    rows = latest.filter(pl.col("source_row").is_not_null())
    assert sorted(rows["source_row"].to_list(), key=int) == ["2", "3", "11"]
    assert set(rows["source_file"]) == {"seizures-2.csv"}
    assert rows["row"].str.contains("seizure_id=SZL").all()
    whole = latest.filter(pl.col("source_row").is_null()).row(0, named=True)
    assert whole["reason"] == "file: empty" and whole["source_file"] == "seizures-3.csv"
    assert health.latest_quarantined(limit=2, data_dir=data_dir).height == 2


def test_hlt004_feed_status_and_lag(fed):
    _data, gateway, _reports = fed
    status = health.feed_status(gateway=gateway)
    assert status["batches_last_hour"] == 3
    assert status["rows_last_hour"] == 32 and status["quarantined_last_hour"] == 3
    assert now_utc() - status["last_batch_at"] < timedelta(minutes=5)
    assert status["last_row_at"] <= status["last_batch_at"]
    lag = health.ingest_lag(hours=2, gateway=gateway)
    assert lag.height >= 1
    last = lag.row(-1, named=True)
    assert 0 <= last["p50_lag_s"] <= last["p95_lag_s"] <= last["max_lag_s"] < 3600 + 60


def test_hlt005_a_lake_without_a_feed_answers_empty(tiny_lake):
    gateway = Gateway(tiny_lake)
    assert health.batches_per_hour(hours=3, gateway=gateway)["batches"].to_list() == [0, 0, 0]
    assert health.quarantine_reasons(gateway=gateway).is_empty()
    assert health.ingest_lag(gateway=gateway).is_empty()
    assert health.feed_status(gateway=gateway)["last_batch_at"] is None
    assert health.latest_quarantined(data_dir=tiny_lake).is_empty()
