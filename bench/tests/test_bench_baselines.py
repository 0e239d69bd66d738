"""The benchmark's baselines compute the app's numbers: raw DuckDB and in-memory pandas are checked
against each other and against the app's own query functions (KPIs, monthly trend, breakdowns,
the records grid's page, the targeting queue), on the hand-made tiny lake and on the demo lake.

A baseline that answered a different question would make the benchmark's ratios meaningless, so
every number is compared, not just row counts."""

from __future__ import annotations

import math
from datetime import date, datetime

import pytest

from bench.baselines import (
    BREAKDOWN_DIMS,
    BREAKDOWN_KEYS,
    KINDS,
    KPI_KEYS,
    PAGE_END,
    PAGE_START,
    QUEUE_KEYS,
    TREND_KEYS,
    InMemoryPandas,
    RawDuckDB,
    Skipped,
    as_plain,
    time_baseline,
)
from components.url_state import parse_view as app_parse_view
from queries import breakdowns, records, seizure_stats
from queries import targeting as queue_queries
from queries.filters import FilterError
from queries.gateway import Gateway
from queries.seizure_stats import OTHERS

TINY_VIEWS = (
    "",
    "?fy=2026",
    "?area=tucson-field-office",
    "?source=MX&mode=land_pov,land_truck",
    "?fy=2025&measure=events",
    "?commodity=fentanyl_pills&measure=pills&grain=week",
)
DEMO_VIEWS = (
    "",
    "?fy=2025",
    "?fy=2025&area=tucson-field-office",
    "?commodity=fentanyl_pills&measure=pills&grain=week",
    "?source=CN&mode=express,mail&measure=events",
)
RECORDS_SORT = [{"colId": "lbs", "sort": "desc"}]


def same(a: object, b: object, where: str = "") -> None:
    """Deep equality; floats to 1e-9 relative (DuckDB and pandas add in different orders)."""
    if isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys(), f"{where}: keys {sorted(a)} != {sorted(b)}"
        for key in a:
            same(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, list | tuple) and isinstance(b, list | tuple):
        assert len(a) == len(b), f"{where}: {len(a)} rows != {len(b)} rows"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{where}[{i}]")
    elif isinstance(a, float) or isinstance(b, float):
        assert isinstance(a, int | float) and isinstance(b, int | float), f"{where}: {a!r} {b!r}"
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9), f"{where}: {a!r} != {b!r}"
    else:
        assert type(a) is type(b) and a == b, f"{where}: {a!r} != {b!r}"


# -- the app's own answers -------------------------------------------------------------------
def app_answer(gw: Gateway, kind: str, view: str, dim: str | None = None) -> object:
    """What the app's query functions return for a view, in ``as_plain``'s shape."""
    parsed, error = app_parse_view(view)
    assert error is None, error
    filters, measure = parsed.filters, parsed.measure
    if kind == "kpis":
        period = seizure_stats.current_period(filters, seizure_stats.as_of(gw))
        row = seizure_stats.kpis(filters, period, gw).row(0, named=True)
        return {k: row[k] for k in KPI_KEYS}
    if kind == "trend":
        return as_plain(seizure_stats.monthly_trend(filters, gw).select(TREND_KEYS))
    if kind == "breakdown":
        frame = breakdowns.breakdown(filters, dim, measure, n=10, gateway=gw)
        return as_plain(frame.select(BREAKDOWN_KEYS))
    if kind == "records":
        rows, total = records.fetch_page(filters, PAGE_START, PAGE_END, RECORDS_SORT, None, gw)
        for row in rows:  # the grid gets ISO text; compare the dates themselves
            row["event_date"] = date.fromisoformat(row["event_date"])
        return rows, total
    rows, total = queue_queries.fetch_queue(filters, PAGE_START, PAGE_END, None, None, gw)
    return [{k: row[k] for k in QUEUE_KEYS} for row in rows], total


def minutes(answer: tuple[list[dict], int]) -> tuple[list[dict], int]:
    """A queue page with arrival times as the queue shows them (ISO text to the minute)."""
    rows, total = answer
    shown = []
    for row in rows:
        assert isinstance(row["arrived_at"], datetime)
        shown.append({**row, "arrived_at": row["arrived_at"].isoformat(" ", "minutes")})
    return shown, total


def cases(views: tuple[str, ...], kinds: tuple[str, ...]) -> list[tuple[str, str, str | None]]:
    out = []
    for kind in kinds:
        dims = BREAKDOWN_DIMS if kind == "breakdown" else (None,)
        out += [(kind, view, dim) for view in views for dim in dims]
    return out


# -- tiny lake: seizures only ----------------------------------------------------------------
@pytest.fixture(scope="module")
def tiny(tiny_lake):
    raw = RawDuckDB(tiny_lake)
    yield Gateway(tiny_lake), raw, InMemoryPandas(tiny_lake)
    raw.close()


@pytest.mark.parametrize(
    ("kind", "view", "dim"), cases(TINY_VIEWS, ("kpis", "trend", "breakdown", "records"))
)
def test_bas001_tiny_lake_baselines_match_the_app(tiny, kind, view, dim):
    gw, raw, frames = tiny
    expected = app_answer(gw, kind, view, dim)
    same(as_plain(raw.run(kind, view, dim)), expected, f"raw {kind} {view} {dim}")
    same(as_plain(frames.run(kind, view, dim)), expected, f"pandas {kind} {view} {dim}")


def test_bas002_tiny_lake_answers_are_not_empty(tiny):
    """Guards the comparisons above against agreeing on nothing."""
    _gw, raw, frames = tiny
    for engine in (raw, frames):
        assert as_plain(engine.run("kpis", ""))["events"] > 0
        assert len(as_plain(engine.run("trend", "?fy=2026"))) > 1
        ranked = as_plain(engine.run("breakdown", "", "area"))
        assert len(ranked) > 1 and sum(r["events"] for r in ranked) > 1
        _page, total = as_plain(engine.run("records", ""))
        assert total > 1


def test_bas003_queue_without_scores_is_skipped_not_a_crash(tiny):
    _gw, raw, frames = tiny
    for engine in (raw, frames):
        assert "queue" in engine.skipped
        result = engine.run("queue", "?fy=2026")
        assert isinstance(result, Skipped) and result.kind == "queue" and result.reason
        timings = time_baseline(engine, ["", "?fy=2026"], repeats=2)
        assert timings["queue"] == {"skipped": engine.skipped["queue"], "n": 0}


def test_bas004_time_baseline_counts_warm_runs_only(tiny):
    _gw, raw, frames = tiny
    views = ["", "?fy=2026", "?area=tucson-field-office"]
    for engine in (raw, frames):
        timings = time_baseline(engine, views, repeats=2)
        assert set(timings) == set(KINDS)
        for kind in ("kpis", "trend", "records"):
            assert timings[kind]["n"] == len(views) * 2
        assert timings["breakdown"]["n"] == len(views) * len(BREAKDOWN_DIMS) * 2
        for kind in ("kpis", "trend", "breakdown", "records"):
            row = timings[kind]
            assert 0 < row["p50_ms"] <= row["p95_ms"] <= row["max_ms"]
    assert frames.load_seconds > 0


@pytest.mark.parametrize(
    ("kind", "view", "dim", "error"),
    [
        ("nope", "", None, ValueError),
        ("breakdown", "", None, ValueError),
        ("breakdown", "", "concealment", ValueError),
        ("kpis", "?area=atlantis", None, FilterError),
        ("trend", "?measure=tons", None, FilterError),
    ],
)
def test_bas005_bad_requests_are_refused(tiny, kind, view, dim, error):
    _gw, raw, frames = tiny
    for engine in (raw, frames):
        with pytest.raises(error):
            engine.run(kind, view, dim)


# -- demo lake: every kind, others rows, full pages, the scored queue -------------------------
@pytest.fixture(scope="module")
def demo(scored_lake):
    raw = RawDuckDB(scored_lake)
    yield Gateway(scored_lake), raw, InMemoryPandas(scored_lake)
    raw.close()


@pytest.mark.slow
@pytest.mark.parametrize(("kind", "view", "dim"), cases(DEMO_VIEWS, KINDS))
def test_bas010_demo_lake_baselines_match_the_app(demo, kind, view, dim):
    gw, raw, frames = demo
    expected = app_answer(gw, kind, view, dim)
    got_raw, got_frames = raw.run(kind, view, dim), frames.run(kind, view, dim)
    if kind == "queue":
        same(minutes(as_plain(got_raw)), expected, f"raw queue {view}")
        same(minutes(as_plain(got_frames)), expected, f"pandas queue {view}")
        same(as_plain(got_raw), as_plain(got_frames), f"queue {view}: raw vs pandas")
        return
    same(as_plain(got_raw), expected, f"raw {kind} {view} {dim}")
    same(as_plain(got_frames), expected, f"pandas {kind} {view} {dim}")


@pytest.mark.slow
def test_bas011_demo_lake_exercises_others_rows_and_full_pages(demo):
    """The comparisons above must cover an "all others" row and full 50-row pages."""
    _gw, raw, frames = demo
    for engine in (raw, frames):
        ranked = as_plain(engine.run("breakdown", "", "port"))
        assert len(ranked) == 11 and ranked[-1]["key"] == OTHERS and ranked[-1]["members"] > 1
        rows, total = as_plain(engine.run("records", "?fy=2025"))
        assert len(rows) == PAGE_END - PAGE_START and total > PAGE_END
        lbs = [r["lbs"] for r in rows]
        assert lbs == sorted(lbs, reverse=True)
        queue, shipments = as_plain(engine.run("queue", "?fy=2025"))
        assert len(queue) == PAGE_END - PAGE_START and shipments > PAGE_END
        assert all(r["score"] is not None for r in queue)
