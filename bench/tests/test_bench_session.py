"""The analyst-session benchmark harness (``bench/server.py``, ``bench/session.py``) against the
real internal app under gunicorn over the demo lake: the scripted session answers cleanly with
numbers on every step, it reaches every URL-driven card, cold and warm are told apart, the
workers' memory is read, and concurrent analysts see no error. The full runs (20 analysts, the
demo lake under ``data/``) are benchmarks, never part of the test run."""

from __future__ import annotations

import json
import random

import pytest

from bench.callbacks import url_callbacks
from bench.public_load import gunicorn
from bench.server import serve
from bench.session import (
    COMMODITIES,
    FIELD_OFFICES,
    MODES,
    NO_THINK,
    SESSION,
    SOURCES,
    Client,
    Connection,
    Sample,
    callback_name,
    concurrent_analysts,
    errors_of,
    random_session,
    replay,
    run_session,
    tail_by_callback,
)
from queries.filters import Filters

FIGURE_STEPS = {
    "overview",
    "fiscal-year",
    "field-office",
    "explorer",
    "commodity",
    "cross-filter",
    "grain-week",
    "measure",
    "compare-fytd",
}
GRID_STEPS = {
    "explorer",
    "commodity",
    "cross-filter",
    "records-sort",
    "records-page-2",
    "targeting",
    "queue-mode",
    "queue-sort",
    "queue-page-2",
}
MUST_COVER = (
    "overview-events-value",
    "overview:area:main",
    "explorer:period:main",
    "explorer-records-grid",
    "explorer-cmp-totals",
    "targeting-queue-grid",
    "targeting-emerging",
    "referrals-funnel-graph",
    "referrals-km-graph",
    "referrals-stalled-grid",
    "referrals-case",
    "health-status",
    "filter-bar",
    "cross-filter",
    "page-router",
    "live-poll",
)


@pytest.fixture(scope="module")
def served(scored_lake):
    with serve(scored_lake, workers=1, threads=4) as running:
        yield running


@pytest.fixture(scope="module")
def session_samples(served):
    return replay(served.base, SESSION, "test")


def test_bs001_random_sessions_only_use_values_the_filters_accept():
    assert FIELD_OFFICES and COMMODITIES and MODES
    rng = random.Random(3)
    for _ in range(200):
        for action in random_session(rng):
            if action.kind == "control" and action.target not in ("measure", "grain", "cmp"):
                value = action.value
                query = {action.target: ",".join(value) if isinstance(value, list) else value}
                Filters.from_query(query, strict=True)  # raises FilterError on a refused value
            if action.kind == "click":
                Filters.from_query({action.target["dim"]: action.value}, strict=True)
    assert set(SOURCES) == {"CN", "MX", "IN", "HK"}


@pytest.mark.slow
def test_bs002_every_step_answers_cleanly_with_numbers(session_samples):
    assert errors_of(session_samples) == []
    assert {s.status for s in session_samples} <= {200, 204}
    by_step: dict[str, list] = {}
    for sample in session_samples:
        by_step.setdefault(sample.step, []).append(sample)
    internal = [a.name for a in SESSION if a.kind != "public"]
    assert list(by_step) == internal  # every action sent something, in order; public skipped
    for step in FIGURE_STEPS:
        assert any(s.figures for s in by_step[step]), f"{step}: no figure with data"
    for step in GRID_STEPS:
        assert any(s.rows for s in by_step[step]), f"{step}: no grid rows"
    assert any(
        s.status == 200 and s.bytes > 100 for s in by_step["health"] if s.callback != "live-poll"
    )


@pytest.mark.slow
def test_bs003_session_reaches_every_url_driven_card(served, session_samples):
    names = {s.callback for s in session_samples}
    for name in MUST_COVER:
        assert name in names, name
    connection = Connection(served.base)
    _, body, _ = connection.send("GET", "/_dash-dependencies")
    connection.close()

    class Deps:  # bench.callbacks.url_callbacks reads the dependencies from a Flask client
        def get(self, _path):
            return type("Answer", (), {"get_data": lambda _self: body})()

    url_driven = {callback_name(d) for d in url_callbacks(Deps())}
    assert url_driven - names == set()
    assert len(json.loads(body)) > len(url_driven)


@pytest.mark.slow
def test_bs004_second_replay_is_warm_and_summarised(served):
    result = run_session(served.base, repeats=1)
    assert result["errors"] == 0, result["error_samples"]
    rows = {r["callback"]: r for r in result["rows"]}
    for name in ("overview-events-value", "explorer:period:main", "targeting-queue-grid"):
        row = rows[name]
        assert row["cold_p50_ms"] > 0 and row["warm_p50_ms"] > 0 and row["n"] > 0, row
        assert row["warm_p50_ms"] <= row["warm_p95_ms"] <= row["warm_max_ms"]
        assert row["kb_p50"] > 0
    steps = {s["step"]: s for s in result["steps"]}
    # the Explorer's cards: the trend, the breakdowns, traffic, routes, the records grid
    assert steps["explorer"]["requests"] >= 5 and steps["explorer"]["cold_ms"] > 0


@pytest.mark.slow
def test_bs005_replays_on_one_client_are_warm_after_the_first(served):
    client = Client(served.base)
    try:
        first = replay(served.base, SESSION, "first", client=client)
        second = replay(served.base, SESSION, "second", client=client)
    finally:
        client.close()
    assert any(s.cold for s in first)
    assert [s for s in second if s.cold] == []  # same views: nothing new to the worker
    assert [s.view for s in first] == [s.view for s in second]  # a deterministic session


@pytest.mark.slow
def test_bs006_worker_memory_is_read_per_worker(served, session_samples):
    assert session_samples
    peaks = served.worker_peak_rss_mb()
    assert len(peaks) == 1
    assert all(mb > 50 for mb in peaks.values()), peaks  # a Dash + DuckDB worker, not a stub
    assert served.started_s > 0


@pytest.mark.slow
def test_bs007_three_concurrent_analysts_for_three_seconds(served):
    result = concurrent_analysts(served.base, analysts=3, seconds=3, seed=5, think_s=NO_THINK)
    print(f"\nconcurrent analysts smoke: {result}")
    assert result["think_s"] == [0.0, 0.0]
    assert sum(r["n"] for r in result["slowest"]) <= result["requests"]
    assert result["slowest"] and all(0 < r["time_share"] <= 1 for r in result["slowest"])
    assert result["errors"] == 0, result["error_samples"]
    assert result["requests"] > 0
    assert 0 < result["p50_ms"] <= result["p95_ms"] <= result["max_ms"]


@pytest.mark.slow
def test_bs008_public_renders_replay_against_the_public_app(served, public_data):
    public_steps = [a for a in SESSION if a.kind == "public"]
    assert public_steps
    with gunicorn(public_data, workers=1, threads=2) as public_base:
        samples = replay(served.base, public_steps, "public", public_base=public_base)
    assert errors_of(samples) == []
    assert [s.callback for s in samples] == ["public-router"] * len(public_steps)
    assert all(s.status == 200 and s.bytes > 1000 for s in samples)


def test_bs009_the_tail_names_the_callbacks_that_fill_it():
    def sample(callback: str, ms: float) -> Sample:
        return Sample("analyst-1", "step", callback, ms, 200, 10)

    samples = [sample("cheap", 10.0) for _ in range(95)] + [sample("slow", 900.0) for _ in range(5)]
    samples.append(Sample("analyst-1", "step", "lost", 0.0, 0, 0, error="refused"))
    rows = tail_by_callback(samples)
    assert [r["callback"] for r in rows] == ["slow", "cheap"]  # unanswered requests left out
    slow, cheap = rows
    assert (slow["n"], slow["over_p95"], cheap["over_p95"]) == (5, 5, 0)
    assert slow["time_share"] == round(4500 / (4500 + 950), 3)
    assert tail_by_callback([]) == []


def test_bs010_the_same_tab_keeps_the_connection_and_forgets_the_views():
    browser = Client("http://127.0.0.1:1", "http://127.0.0.1:2")
    browser.seen.add("a-view")
    tab = browser.same_tab()
    assert tab.internal is browser.internal  # the same socket, so the same worker
    assert tab.public is None and tab.seen == set()
    assert browser.seen == {"a-view"}
