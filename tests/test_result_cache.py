"""The per-process result cache: reuse until a named table changes, single flight, bounds."""

from __future__ import annotations

import threading
from datetime import date

import polars as pl
import pytest

from lake.writer import commit, write_partitioned
from queries.gateway import Gateway
from queries.result_cache import ResultCache, tables_named
from tests.lake_rows import referral_events

VERSIONS = {"seizures": "a", "shipments": "b"}


def test_tables_are_matched_as_whole_words():
    sql = "SELECT * FROM seizures_extra JOIN shipments USING (x)"
    assert tables_named(sql, VERSIONS) == ("shipments",)


def test_key_follows_only_the_tables_the_sql_names():
    sql = "SELECT count(*) FROM seizures WHERE x = ?"
    before = ResultCache.key(sql, [1], VERSIONS, "all-1")
    assert ResultCache.key(sql, [1], {**VERSIONS, "shipments": "c"}, "all-2") == before
    assert ResultCache.key(sql, [1], {**VERSIONS, "seizures": "z"}, "all-2") != before
    assert ResultCache.key(sql, [2], VERSIONS, "all-1") != before


def test_statement_naming_no_table_is_keyed_on_everything():
    sql = "SELECT view_name FROM duckdb_views()"
    assert ResultCache.key(sql, None, VERSIONS, "v1") != ResultCache.key(sql, None, VERSIONS, "v2")


def test_identical_concurrent_requests_compute_once():
    cache = ResultCache()
    calls = []
    release = threading.Event()

    def compute():
        calls.append(1)
        release.wait(5)
        return pl.DataFrame({"n": [len(calls)]})

    key = ResultCache.key("SELECT 1 FROM seizures", None, VERSIONS, "v")
    results: list[pl.DataFrame] = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.get_or_compute(key, compute)))
        for _ in range(8)
    ]
    for t in threads:
        t.start()
    while not calls:  # the leader has started; the others find its flight
        threading.Event().wait(0.001)
    release.set()
    for t in threads:
        t.join(5)
    assert len(calls) == 1
    assert [r["n"][0] for r in results] == [1] * 8


def test_errors_reach_every_waiter_and_are_not_kept():
    cache = ResultCache()
    key = ResultCache.key("SELECT 1 FROM seizures", None, VERSIONS, "v")

    def fail():
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        cache.get_or_compute(key, fail)
    assert cache.get_or_compute(key, lambda: pl.DataFrame({"n": [2]}))["n"][0] == 2


def test_bounds_and_pruning():
    cache = ResultCache(max_entries=2, max_rows=3)
    big = ResultCache.key("SELECT big FROM seizures", None, VERSIONS, "v")
    cache.get_or_compute(big, lambda: pl.DataFrame({"n": range(10)}))
    assert len(cache) == 0  # too many rows to keep
    for i in range(3):
        key = ResultCache.key(f"SELECT {i} FROM seizures", None, VERSIONS, "v")
        cache.get_or_compute(key, lambda: pl.DataFrame({"n": [1]}))
    assert len(cache) == 2  # least recently used went first
    asked = cache.prune({**VERSIONS, "seizures": "new"}, "v")
    assert len(cache) == 0
    assert [sql for sql, _ in asked] == ["SELECT 2 FROM seizures", "SELECT 1 FROM seizures"]
    assert cache.prune({**VERSIONS, "seizures": "newer"}, "v") == []


def _add_referral(data_dir, stem: str) -> None:
    """One referral event committed to the lake as a batch of its own."""
    frame = referral_events([date(2025, 1, 2)], prefix=stem)
    table = "referral_events"
    commit(table, add=write_partitioned(table, frame, stem, data_dir), data_dir=data_dir)


def test_gateway_serves_new_rows_after_a_commit(tmp_path):
    """A cached count must change as soon as a batch lands in the table it reads."""
    _add_referral(tmp_path, "one")
    gateway = Gateway(tmp_path)
    sql = "SELECT count(*) AS n FROM referral_events"
    assert gateway.frame(sql)["n"][0] == 1
    assert gateway.frame(sql)["n"][0] == 1
    assert gateway.results.hits >= 1
    _add_referral(tmp_path, "two")
    assert gateway.refresh(force=True)
    assert gateway.frame(sql)["n"][0] == 2


def test_only_recently_asked_results_are_handed_back_for_refreshing():
    cache = ResultCache()
    for i in range(2):
        key = ResultCache.key(f"SELECT {i} FROM shipments", [i], VERSIONS, "v")
        cache.get_or_compute(key, lambda: pl.DataFrame({"n": [1]}), [i])
    asked = cache.prune({**VERSIONS, "shipments": "new"}, "v", recent_s=-1.0)
    assert asked == []  # nothing counts as recent: nothing is recomputed ahead
    assert len(cache) == 0


def test_gateway_recomputes_recent_results_after_a_change(tmp_path):
    _add_referral(tmp_path, "one")
    gateway = Gateway(tmp_path)
    sql = "SELECT count(*) AS n FROM referral_events WHERE fiscal_year = ?"
    assert gateway.frame(sql, [2025])["n"][0] == 1
    _add_referral(tmp_path, "two")
    gateway.refresh(force=True)
    for thread in threading.enumerate():
        if thread.name == "refresh-ahead":
            thread.join(10)
    misses = gateway.results.misses
    assert gateway.frame(sql, [2025])["n"][0] == 2
    assert gateway.results.misses == misses  # already computed by the refresh ahead
