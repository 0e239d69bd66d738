"""Point-in-time history: counts of earlier days only, outcomes after a lag, windows up to the
arrival, norms from earlier months; nothing a shipment could not have known when it arrived.
Small lakes are written by hand here; the batch and live paths must agree on the demo lake."""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from lake.contract import conform
from lake.writer import replace_table_files
from queries.gateway import Gateway
from targeting import history

T0 = datetime(2025, 3, 3, 9, 0)


def row(shipment_id: str, when: datetime, **values) -> dict:
    base = {
        "shipment_id": shipment_id,
        "arrived_at": when,
        "port_code": "4196",
        "area_id": "chicago-field-office",
        "mode": "express",
        "hts_code": "6109.10.0012",
        "description": "t-shirt",
        "declared_value_usd": 20.0,
        "declared_weight_kg": 1.0,
        "origin_country": "CN",
        "transit_country": None,
        "shipper_id": "SH1",
        "consignee_id": "CE1",
        "consignee_name": "Ana Lopez",
        "consignee_address_id": "AD1",
        "carrier": "DHL Express",
        "entry_type": "86",
        "master_carton": False,
        "preprinted_domestic_label": False,
        "dea_transaction_id": None,
        "examined": False,
        "outcome": "not_examined",
        "seizure_id": None,
        "batch_id": "hand",
        "ingested_at": datetime(2026, 1, 1),
    }
    base.update(values)
    if base["outcome"] != "not_examined":
        base["examined"] = True
    if base["outcome"] == "seized":
        base["seizure_id"] = f"SZ-{shipment_id}"
    return base


def lake(tmp_path, rows: list[dict]) -> Gateway:
    frame = pl.DataFrame(rows, infer_schema_length=None).with_columns(
        (pl.col("arrived_at").dt.year() + (pl.col("arrived_at").dt.month() >= 10).cast(pl.Int32))
        .cast(pl.Int16)
        .alias("fiscal_year")
    )
    replace_table_files("shipments", conform("shipments", frame), "hand", tmp_path)
    return Gateway(tmp_path)


def batch(gateway: Gateway) -> dict[str, dict]:
    frame = history.batch_history(gateway)
    return {r["shipment_id"]: r for r in frame.to_dicts()}


def test_tgh001_priors_count_earlier_days_only_and_outcomes_after_the_lag(tmp_path):
    day = timedelta(days=1)
    rows = [
        row("A", T0, outcome="seized"),
        row("B", T0 + timedelta(hours=3)),  # same day as A: A is not "earlier"
        row("C", T0 + day),  # A is one day old: arrival known, outcome not yet
        row("D", T0 + 2 * day),  # A's seizure is now known
        row("E", T0 + 2 * day + timedelta(hours=1), shipper_id="SH2"),  # another shipper
    ]
    found = batch(lake(tmp_path, rows))
    assert [found[i]["shipper_prior_n"] for i in "ABCD"] == [0, 0, 2, 3]
    assert [found[i]["shipper_prior_s"] for i in "ABCD"] == [0, 0, 0, 1]
    assert found["E"]["shipper_prior_n"] == 0
    assert found["E"]["consignee_prior_n"] == 3  # same consignee CE1 on earlier days
    assert found["E"]["all_prior_n"] == 3 and found["E"]["all_prior_s"] == 1


def test_tgh002_a_later_shipment_never_changes_an_earlier_ones_history(tmp_path):
    rows = [row("A", T0), row("B", T0 + timedelta(days=3))]
    before = batch(lake(tmp_path / "one", rows))
    later = [
        row("X", T0 + timedelta(days=5), outcome="seized"),
        row("Y", T0 + timedelta(days=3, hours=2), consignee_id="CE9"),
    ]
    after = batch(lake(tmp_path / "two", rows + later))
    columns = [*history.HISTORY_COLUMNS, *history.DERIVED_COLUMNS]
    for sid in ("A", "B"):
        assert {c: before[sid][c] for c in columns} == {c: after[sid][c] for c in columns}


def test_tgh003_windows_count_parcels_up_to_the_arrival(tmp_path):
    rows = [
        row("P1", T0, consignee_id="CE1"),
        row("P2", T0 + timedelta(hours=5), consignee_id="CE2"),
        row("P3", T0 + timedelta(days=2), consignee_id="CE3"),
        row("P4", T0 + timedelta(days=3), consignee_id="CE3"),
        row("P5", T0 + timedelta(days=9), consignee_id="CE4"),  # the others are out of window
    ]
    found = batch(lake(tmp_path, rows))
    assert [found[f"P{i}"]["address_window_n"] for i in range(1, 6)] == [1, 2, 3, 4, 1]
    assert [found[f"P{i}"]["address_window_names"] for i in range(1, 6)] == [1, 2, 3, 3, 1]
    assert found["P4"]["consignee_window_n"] == 2
    assert found["P4"]["pair_window_n"] == 2  # same shipper SH1 to CE3 twice


def test_tgh004_value_norms_come_from_earlier_months(tmp_path):
    # 40 rows at 20 USD/kg in February, then in March one at 20 and one at 0.5 USD/kg.
    feb = [
        row(f"F{i}", datetime(2025, 2, 1 + i % 27, 10), declared_value_usd=20.0 + i % 3)
        for i in range(40)
    ]
    march = [
        row("M1", datetime(2025, 3, 10), declared_value_usd=20.0),
        row("M2", datetime(2025, 3, 11), declared_value_usd=0.5),
    ]
    found = batch(lake(tmp_path, feb + march))
    assert found["F5"]["norm_n"] == 0 and found["F5"]["value_z"] is None  # no earlier month
    assert found["M1"]["norm_n"] == 40
    assert abs(found["M1"]["value_z"]) < 1.0
    assert found["M2"]["value_z"] < -history.NORM_MIN_ROWS / 10  # far below the norm


def test_tgh005_smoothing_keeps_a_tiny_route_near_the_base_rate(tmp_path):
    rows = [row(f"B{i}", T0 + timedelta(minutes=i)) for i in range(300)]
    rows += [
        row(f"S{i}", T0 + timedelta(minutes=400 + i), outcome="seized", origin_country="VN")
        for i in range(3)
    ]
    rows += [
        row("NEXT_BIG", T0 + timedelta(days=3)),
        row("NEXT_TINY", T0 + timedelta(days=3), origin_country="VN"),
    ]
    found = batch(lake(tmp_path, rows))
    tiny, big = found["NEXT_TINY"], found["NEXT_BIG"]
    assert tiny["route_prior_n"] == 3 and tiny["route_prior_s"] == 3
    raw_tiny = tiny["route_prior_s"] / tiny["route_prior_n"]  # 100 % seized, 3 shipments
    assert tiny["route_rate"] < 0.05 < raw_tiny  # the prior (worth 200 shipments) holds it down
    assert tiny["route_rate"] > big["route_rate"]  # yet it does rank above a clean route


def assert_same_history(expected_rows: pl.DataFrame, live: pl.DataFrame) -> None:
    columns = ["shipment_id", *history.HISTORY_COLUMNS, *history.DERIVED_COLUMNS]
    expected = expected_rows.select(columns).sort("shipment_id")
    got = live.select(columns).sort("shipment_id")
    assert got.height == expected.height
    for column in columns[1:]:
        a, b = expected[column], got[column]
        if a.dtype.is_float():
            assert ((a - b).abs().fill_null(0) < 1e-9).all(), column
            assert (a.is_null() == b.is_null()).all(), column
        else:
            assert a.to_list() == b.to_list(), column


@pytest.mark.slow
@pytest.mark.parametrize("snapshot_days", [0, 1000], ids=["one-pass", "per-day"])
def test_tgh006_live_history_equals_batch_history_on_the_demo_lake(demo_gateway, snapshot_days):
    last_day = demo_gateway.scalar("SELECT max(CAST(arrived_at AS DATE)) FROM shipments")
    full = history.batch_history(demo_gateway)
    # A week of arrivals, as the lake holds them (the batch's own lake copies are ignored).
    day_rows = full.filter(pl.col("arrived_at").dt.date() > last_day - timedelta(days=7))
    assert day_rows.height > 20
    cache = history.SnapshotCache(demo_gateway.data_dir)
    live = history.live_history(
        demo_gateway, day_rows.select(history.BASE_COLUMNS), cache, snapshot_days
    )
    assert_same_history(day_rows, live)


@pytest.mark.slow
def test_tgh008_a_backfill_over_many_days_has_the_history_of_each_arrival_day(demo_gateway):
    full = history.batch_history(demo_gateway)
    spread = full.gather_every(max(1, full.height // 400))  # arrivals over the whole lake
    assert spread["arrived_at"].dt.date().n_unique() > 300
    cache = history.SnapshotCache(demo_gateway.data_dir)
    live = history.live_history(demo_gateway, spread.select(history.BASE_COLUMNS), cache)
    assert_same_history(spread, live)
    assert not cache.entries, "a backfill builds no per-day snapshots"


@pytest.mark.slow
def test_tgh007_history_in_month_chunks_equals_history_in_one_pass(demo_gateway):
    whole = history.batch_history(demo_gateway, chunk_rows=10**12)
    chunks = list(history.history_chunks(demo_gateway, chunk_rows=whole.height // 7))
    assert len(chunks) >= 5
    months = [set(c["arrived_at"].dt.truncate("1mo").to_list()) for c in chunks]
    assert sum(len(m) for m in months) == len(set().union(*months))  # whole months, no overlap
    assert_frame_equal(pl.concat(chunks), whole)
