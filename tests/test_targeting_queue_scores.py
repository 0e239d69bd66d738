"""The queue ranked from the score rows alone (they carry their shipment's columns) equals the
queue ranked through the join of shipments and scores, which is exact by construction: for
filters, sorts and pages, when a shipment was scored again, and when some rows cannot answer
(rows without the copied columns, unscored shipments), where the join takes over."""

from __future__ import annotations

import shutil
import threading
from datetime import timedelta

import polars as pl
import pytest

from lake import reference
from lake.contract import conform
from lake.writer import commit, write_partitioned
from queries import targeting as q
from queries.filters import Filters
from queries.gateway import Gateway
from queries.targeting_watch import watch_sql
from targeting import pipeline, scoring
from targeting.store import Watch


@pytest.fixture(scope="module")
def lake(demo_lake, tmp_path_factory) -> Gateway:
    data_dir = tmp_path_factory.mktemp("queue-scores") / "data"
    shutil.copytree(demo_lake, data_dir)
    pipeline.train_and_score(data_dir, seed=7)
    return Gateway(data_dir)


def both(gw: Gateway, filters: Filters, rows: tuple[int, int], sort_model=None, watches=None):
    """(page from the scores, page through the join) of the same view."""
    watches = watches or watch_sql([])
    span = q.window(filters, gw)
    total = q._window_count(gw, filters, span)
    fast = q._page_from_scores(gw, filters, span, rows, sort_model, watches, total)
    order = q.queue_order(sort_model)
    exact = q._page_from_join(gw, filters, span, rows, order, watches)
    return fast, exact


def same(fast: pl.DataFrame, exact: pl.DataFrame) -> None:
    assert fast is not None
    assert fast.height == exact.height > 0
    columns = exact.columns
    assert fast.select(columns).to_dicts() == exact.to_dicts()


VALUE_DESC = [{"colId": "declared_value_usd", "sort": "desc"}]


@pytest.mark.parametrize(
    ("query", "rows", "sort_model"),
    [
        ("", (0, 50), None),
        ("", (50, 100), None),
        ("?fy=2025", (0, 100), None),
        ("?fy=2025&mode=mail", (0, 50), None),
        ("?fy=2025&source=CN", (100, 150), VALUE_DESC),
        ("?fy=2024", (0, 50), [{"colId": "arrived_at", "sort": "asc"}]),
        ("?fy=2025", (0, 100), [{"colId": "port_code", "sort": "asc"}]),
        ("?fy=2025", (0, 50), [{"colId": "origin_country", "sort": "desc"}]),
    ],
)
def test_tqs001_the_page_from_the_scores_equals_the_page_through_the_join(
    lake, query, rows, sort_model
):
    same(*both(lake, Filters.from_query_string(query), rows, sort_model))


def test_tqs002_watch_hits_are_the_same(lake):
    top = q.fetch_queue(Filters(), 0, 1, gateway=lake)[0][0]
    watches = watch_sql([Watch(1, "hts", top["hts_code"][:4], "hts", "2025-01-01")])
    fast, exact = both(lake, Filters(), (0, 50), watches=watches)
    same(fast, exact)
    assert any(fast["watch_hits"].to_list())


def _write(gw: Gateway, frame: pl.DataFrame, stem: str):
    written = write_partitioned("scores", conform("scores", frame), stem, gw.data_dir)
    commit("scores", add=written, data_dir=gw.data_dir)
    gw.refresh(force=True)
    return written


def _remove(gw: Gateway, written) -> None:
    commit("scores", remove=written, data_dir=gw.data_dir)
    gw.refresh(force=True)


def test_tqs003_a_shipment_scored_again_ranks_by_its_latest_score(lake):
    page, _ = q.fetch_queue(Filters(), 0, 5, gateway=lake)
    top = page[0]["shipment_id"]
    row = lake.frame("SELECT * FROM scores WHERE shipment_id = ?", [top])
    later = row.with_columns(
        pl.lit(0.0).alias("score"), (pl.col("scored_at") + timedelta(minutes=1)).alias("scored_at")
    )
    written = _write(lake, later, "rescored-test")
    try:
        fast, exact = both(lake, Filters(), (0, 50))
        same(fast, exact)
        assert top not in fast["shipment_id"].to_list()
        assert q.fetch_queue(Filters(), 0, 5, gateway=lake)[0][0]["shipment_id"] != top
        assert q.shipment_detail(top, gateway=lake)["score"] == 0.0  # the latest row
    finally:
        _remove(lake, written)


def test_tqs004_rows_without_the_copied_columns_fall_back_to_the_join(lake):
    page, total = q.fetch_queue(Filters(), 0, 5, gateway=lake)
    old = lake.frame(
        f"SELECT {', '.join(scoring.SCORE_COLUMNS)}, fiscal_year FROM scores WHERE shipment_id = ?",
        [page[0]["shipment_id"]],
    ).with_columns((pl.col("scored_at") - timedelta(days=1)).alias("scored_at"))
    written = _write(lake, old, "old-format-test")
    try:
        span = q.window(Filters(), lake)
        assert (
            q._page_from_scores(lake, Filters(), span, (0, 5), None, watch_sql([]), total) is None
        )
        assert q.fetch_queue(Filters(), 0, 5, gateway=lake) == (page, total)
        detail = q.shipment_detail(page[0]["shipment_id"], gateway=lake)
        assert detail["score"] == page[0]["score"]  # the newer row, which carries the columns
    finally:
        _remove(lake, written)


def test_tqs007_a_shipment_scored_last_in_an_old_format_row_shows_that_score(lake):
    page, _ = q.fetch_queue(Filters(), 0, 5, gateway=lake)
    second = page[1]["shipment_id"]
    newer = lake.frame(
        f"SELECT {', '.join(scoring.SCORE_COLUMNS)}, fiscal_year FROM scores WHERE shipment_id = ?",
        [second],
    ).with_columns(
        pl.lit(0.125).alias("score"), (pl.col("scored_at") + timedelta(days=1)).alias("scored_at")
    )
    written = _write(lake, newer, "old-format-newer-test")
    try:
        assert q.shipment_detail(second, gateway=lake)["score"] == 0.125
    finally:
        _remove(lake, written)


def test_tqs005_unscored_shipments_fall_back_to_the_join(lake):
    span = q.window(Filters(), lake)
    total = q._window_count(lake, Filters(), span)
    unscored = lake.frame(
        "SELECT shipment_id, arrived_at FROM shipments WHERE arrived_at >= ? ORDER BY arrived_at "
        "DESC LIMIT 3",
        [span[0]],
    )
    kept = lake.frame(
        "SELECT * FROM scores WHERE NOT list_contains(?, shipment_id)",
        [unscored["shipment_id"].to_list()],
    )
    files = list(lake.data_dir.glob("lake/scores/*/*.parquet"))
    written = _write(lake, kept, "without-three")
    commit("scores", remove=files, data_dir=lake.data_dir)
    lake.refresh(force=True)
    try:
        by_value = q._page_from_scores(
            lake, Filters(), span, (0, 50), VALUE_DESC, watch_sql([]), total
        )
        assert by_value is None  # the three would sort among the scored ones
        last = q._page_from_scores(
            lake, Filters(), span, (total - 10, total), None, watch_sql([]), total
        )
        assert last is None  # the page reaches them, last by score
        rows, _ = q.fetch_queue(Filters(), total - 3, total, gateway=lake)
        assert {r["shipment_id"] for r in rows} == set(unscored["shipment_id"])
        assert all(r["score"] is None for r in rows)
        same(*both(lake, Filters(), (0, 50)))  # the first page never reaches them
    finally:
        commit("scores", add=files, remove=written, data_dir=lake.data_dir)
        lake.refresh(force=True)


def _settled() -> None:
    """Wait for background refreshes of earlier data changes: they count as misses too."""
    for thread in threading.enumerate():
        if thread.name == "refresh-ahead":
            thread.join(60)


def test_tqs006_a_repeated_page_runs_no_query(lake):
    filters = Filters.from_query_string("?fy=2025&mode=mail")
    _settled()
    first = q.fetch_queue(filters, 0, 50, gateway=lake)
    _settled()
    misses = lake.results.misses
    assert q.fetch_queue(filters, 0, 50, gateway=lake) == first
    assert lake.results.misses == misses  # every query of the page came from the result cache


@pytest.mark.parametrize(
    ("col_id", "names"),
    [("port_code", "port"), ("mode", "mode"), ("origin_country", "source")],
)
def test_tqs010_coded_columns_sort_by_the_names_the_grid_shows(lake, col_id, names):
    """The grid shows "San Ysidro", not "2504": an ascending sort must read A to Z in names,
    whichever path ranks the page (``test_tqs001`` holds the two paths equal on such sorts).
    The default window (the last week) fits on one page."""
    rows, total = q.fetch_queue(
        Filters(), 0, 1000, [{"colId": col_id, "sort": "asc"}], gateway=lake
    )
    assert len(rows) == total
    lookup = reference.names_for(names)
    shown = [lookup.get(row[col_id], row[col_id]) for row in rows]
    assert shown == sorted(shown)
    assert len(set(shown)) > 1
