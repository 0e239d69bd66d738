"""The national benchmark's own logic: which baseline a callback compares with, the ratios, the
data change it makes (and undoes), and the seizure target of the generator."""

from __future__ import annotations

import shutil

from bench import lakes
from bench.national import baseline_kind, data_change, markdown_table, with_ratios
from queries.gateway import Gateway


def test_callbacks_map_to_the_baseline_computing_the_same_numbers():
    assert baseline_kind("overview-events-value") == "kpis"
    assert baseline_kind("explorer:port:main") == "breakdown"
    assert baseline_kind("overview:area:main") == "breakdown"
    assert baseline_kind("explorer:port:traffic") is None  # no baseline computes rates
    assert baseline_kind("explorer:route:main") is None


def test_ratios_compare_app_and_baselines_at_p95():
    rows = [{"callback": "explorer:port:main", "warm_p95_ms": 10.0, "cold_p50_ms": 40.0}]
    base = {
        "raw_duckdb": {"breakdown": {"p95_ms": 200.0}},
        "pandas": {"breakdown": {"p95_ms": 500.0}},
    }
    [row] = with_ratios(rows, base)
    assert row["x_raw"] == 0.05 and row["x_raw_cold"] == 0.2
    assert row["pandas_over_app"] == 50.0 and row["pandas_over_app_cold"] == 12.5
    assert "| explorer:port:main |" in markdown_table([row])


def test_the_data_change_is_visible_then_undone(tiny_lake, tmp_path):
    lake = tmp_path / "copy"
    shutil.copytree(tiny_lake, lake)
    before = Gateway(lake).scalar("SELECT count(*) FROM seizures")
    with data_change(lake) as stem:
        during = Gateway(lake)
        assert during.scalar("SELECT count(*) FROM seizures") > before
        assert during.scalar("SELECT count(*) FROM seizures WHERE batch_id = ?", [stem]) > 0
    assert Gateway(lake).scalar("SELECT count(*) FROM seizures") == before


def test_lakes_grow_seizures_with_shipments():
    assert lakes.lake_for(1_000_000).seizures is None  # the published cells' own count
    assert lakes.lake_for(20_000_000).seizures == 1_000_000
    assert lakes.lake_for(20_000_000).data_dir.name == "lake-20000000"


def test_a_seizure_target_adds_modelled_events_and_keeps_the_published_cells(demo_lake):
    import numpy as np

    from ingest.generate import build_seizures, today

    gateway = Gateway(demo_lake)
    base = build_seizures(gateway, np.random.default_rng(1), today())
    target = int(base.height * 1.2)
    scaled = build_seizures(gateway, np.random.default_rng(1), today(), target)
    assert abs(scaled.height - target) < 0.01 * target
    published = [frame.filter(frame["provenance"] == "cbp_cell") for frame in (base, scaled)]
    assert published[0].height == published[1].height
    assert published[0]["lbs"].sum() == published[1]["lbs"].sum()
    assert set(scaled["provenance"].unique()) <= {"cbp_cell", "continuation", "modelled"}


def test_the_app_engine_times_cached_and_uncached_views(tiny_lake):
    from bench.app_engine import AppQueries

    for cached in (False, True):
        engine = AppQueries(tiny_lake, cached)
        first = engine.run("breakdown", "?fy=2025", "port")
        again = engine.run("breakdown", "?fy=2025", "port")
        assert first.equals(again)
        assert (engine.gateway.results.hits > 0) is cached
    assert "queue" in AppQueries(tiny_lake, True).skipped  # the tiny lake has no scores


def test_a_run_starts_with_a_fresh_emerging_answer(lake_copy):
    """An answer left by an earlier run is recomputed first, so the app does not recompute it
    while the first replay is timed."""
    from datetime import UTC, datetime, timedelta

    from bench.national import refresh_emerging
    from targeting import emerging_cache

    data_dir = lake_copy("fresh-emerging")
    old = emerging_cache.load(data_dir) or emerging_cache.compute_for(data_dir)
    stale_at = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=2)
    emerging_cache.store(emerging_cache.Answer(old.frame, old.as_of, stale_at, 0.0), data_dir)
    seconds = refresh_emerging(data_dir)
    fresh = emerging_cache.load(data_dir)
    assert seconds > 0
    assert fresh.computed_at > stale_at + timedelta(days=1)
    latest = Gateway(data_dir).scalar("SELECT max(arrived_at) FROM shipments").date()
    assert fresh.as_of == latest  # as of the lake's latest arrival, as the app asks for it
