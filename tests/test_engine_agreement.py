"""The seizure engine's arrays give its SQL's answers, on filters nobody chose.

Every question of ``queries.engine`` (KPI windows, the monthly trend, rankings with their
medians and pooled rows, records pages in each order kept in memory, record totals) is asked
twice over the demo lake, on one hot gateway: once as its SQL, the specification, run by DuckDB;
once from the arrays built from the same rows. Hypothesis draws the filters (seeded, so every
run asks the same ones): windows open or closed, aligned on months or fiscal years or not,
dimension values the lake holds and some it does not: a few, more than ``SMALL_SET``, or
nearly all.
The fixed views of ``tests/test_engine_arrays.py`` and ``test_engine_record_pages.py`` stay as
the edge cases worked out by hand; this finds the ones nobody thought of.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from queries import engine
from queries.engine.arrays import GATHER_LIMIT, SeizureArrays
from queries.engine.masks import SMALL_SET
from queries.engine.record_pages import ORDERS
from queries.engine.sql import MEASURES, OTHERS
from queries.filters import MAX_VALUES, SEIZURE_TARGET, Filters, vocabulary, whole_months
from queries.gateway import Gateway
from queries.seizure_stats import Period, current_period

CASES = 100  # filter combinations drawn; each asks every question once (about 0.1 s a case)
ABSENT = 3  # vocabulary values per dimension that the lake does not hold, drawn now and then


@pytest.fixture(scope="module")
def lake(demo_lake) -> tuple[Gateway, SeizureArrays, dict]:
    """One hot gateway with its arrays built, and what the draws pick from: each dimension's
    values in the lake and a few that only the vocabulary knows, and the lake's first and
    last days."""
    gateway = Gateway(demo_lake, hot=True)
    arrays = gateway.seizure_arrays(build=True)
    assert arrays is not None
    pools = {}
    for key, column in SEIZURE_TARGET.columns.items():
        sql = f"SELECT DISTINCT {column}::VARCHAR FROM seizures WHERE {column} IS NOT NULL"  # noqa: S608
        held = sorted(gateway.frame(sql).to_series())
        pools[key] = (held, sorted(vocabulary(key) - set(held))[:ABSENT])
    first, last = gateway.frame("SELECT min(event_date), max(event_date) FROM seizures").row(0)
    return gateway, arrays, {"pools": pools, "first": first, "last": last}


@st.composite
def days(draw, first: date, last: date) -> date:
    """A day around the lake's span, often on a month's or a fiscal year's edge: those are the
    windows the arrays answer from precomputed months, cells and year blocks."""
    day = draw(st.dates(first - timedelta(days=90), last + timedelta(days=90)))
    edge = draw(st.sampled_from(("any", "any", "month start", "month end", "fy start", "fy end")))
    if edge == "month start":
        return day.replace(day=1)
    if edge == "month end":
        return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    if edge == "fy start":
        return date(day.year, 10, 1)
    if edge == "fy end":
        return date(day.year, 9, 30)
    return day


@st.composite
def values(draw, held: list[str], absent: list[str]) -> tuple[str, ...]:
    """One dimension's filter values: a few, more than ``SMALL_SET`` (a lookup table, not
    comparisons), or all the lake holds but a few (most events kept: the trend may decline),
    now and then with a value no event carries."""
    many = draw(st.sampled_from(("few", "few", "many", "most")))
    if many == "most" and len(held) <= MAX_VALUES:
        dropped = draw(st.lists(st.sampled_from(held), min_size=1, max_size=3, unique=True))
        chosen = [v for v in held if v not in dropped] or held
    else:
        size = (1, 3) if many == "few" else (SMALL_SET + 1, SMALL_SET + 4)
        chosen = draw(st.lists(st.sampled_from(held), min_size=size[0], max_size=size[1]))
    if absent and draw(st.integers(0, 5)) == 0:
        chosen.append(draw(st.sampled_from(absent)))
    return tuple(sorted(set(chosen)))


@st.composite
def filter_sets(draw, pools: dict, first: date, last: date) -> Filters:
    """Any combination of the filters: a window (none, a fiscal year, one end, both ends, or
    a fiscal year cut by dates) and each dimension one time in four."""
    window: dict = {}
    kind = draw(st.sampled_from(("none", "fy", "start", "end", "both", "fy and dates")))
    if kind in ("fy", "fy and dates"):
        window["fy"] = draw(st.integers(first.year - 1, last.year + 1))
    if kind in ("start", "both", "fy and dates"):
        window["start"] = draw(days(first, last))
    if kind in ("end", "both", "fy and dates"):
        window["end"] = draw(days(first, last))
    if window.get("start") and window.get("end") and window["start"] > window["end"]:
        window["start"], window["end"] = window["end"], window["start"]
    chosen = {}
    for key, (held, absent) in pools.items():
        if draw(st.integers(0, 3)) == 0:
            chosen[key] = draw(values(held, absent))
    return Filters(**window, **chosen)


def _same(expected: object, got: object, what: str) -> None:
    """Equal answers; sums of floats may differ in their last bits (added in another order)."""
    if isinstance(expected, int):
        assert got == expected, what
        return
    assert isinstance(expected, pl.DataFrame) and isinstance(got, pl.DataFrame), what
    assert got.schema == expected.schema, what
    assert got.height == expected.height, (what, expected, got)
    for a, b in zip(expected.rows(), got.rows(), strict=True):
        for x, y in zip(a, b, strict=True):
            if isinstance(x, float) and isinstance(y, float):
                assert y == pytest.approx(x, rel=1e-9, abs=1e-9), (what, a, b)
            else:
                assert x == y, (what, a, b)


def _agree(
    gateway: Gateway, arrays: SeizureArrays, question: engine.Question, what: str
) -> object | None:
    """The answer from the arrays, checked against the SQL's; None when the arrays decline
    (the SQL is then the answer, and there is nothing to compare)."""
    assert question.from_arrays is not None, what
    from_arrays = question.from_arrays(arrays)
    if from_arrays is None:
        return None
    expected = question.finish(gateway.frame(question.sql, question.params, cache=False))
    got = question.finish(from_arrays)
    _same(expected, got, what)
    return got


def test_eng001_the_arrays_answer_every_question_as_its_sql_does(lake):
    gateway, arrays, span = lake
    first, last = span["first"], span["last"]
    seen: Counter[str] = Counter()

    @settings(
        max_examples=CASES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(st.data())
    def ask_both_ways(data: st.DataObject) -> None:
        filters = data.draw(filter_sets(span["pools"], first, last), label="filters")
        what = filters.to_query_string() or "all"

        # the KPI cards' windows: the app's period, or any window (longer than a year, too)
        if data.draw(st.booleans(), label="the app's period"):
            now = current_period(filters, last)
        else:
            ends = sorted(data.draw(st.lists(days(first, last), min_size=2, max_size=2)))
            now = Period(*ends)
        prior = now.prior_year()
        seen["kpis overlap"] += prior.end >= now.start
        windows = (now.start, now.end), (prior.start, prior.end)
        kpis = _agree(gateway, arrays, engine.window_totals(filters, *windows), f"kpis {what}")
        assert kpis is not None

        trend = _agree(gateway, arrays, engine.monthly_trend(filters), f"trend {what}")
        seen["trend declined" if trend is None else "trend"] += 1
        seen["trend whole months"] += trend is not None and whole_months(*filters.period())

        column = data.draw(st.sampled_from(list(SEIZURE_TARGET.columns.values())), label="by")
        measure = data.draw(st.sampled_from(list(MEASURES)), label="measure")
        n = data.draw(st.integers(1, 12), label="n")
        ranking = engine.ranking(filters, column, measure, n)
        ranked = _agree(gateway, arrays, ranking, f"ranking {column} {measure} {n} {what}")
        assert ranked is not None
        seen["empty ranking"] += ranked.is_empty()
        pooled = ranked.filter(pl.col("key") == OTHERS)
        if pooled.height and pooled["median_lbs"][0] is not None:
            # few pooled weights are gathered, many searched for (GATHER_LIMIT)
            searched = pooled["events"][0] > GATHER_LIMIT
            seen["pooled median searched" if searched else "pooled median gathered"] += 1

        total = _agree(gateway, arrays, engine.record_count(filters), f"count {what}")
        assert total is not None
        order = data.draw(st.sampled_from(list(ORDERS)), label="order")
        at = data.draw(st.sampled_from((0, 0, 1, total // 2, max(total - 20, 0))), label="at")
        size = data.draw(st.integers(1, 120), label="rows")
        page = engine.record_page(filters, order, at, at + size)
        assert _agree(gateway, arrays, page, f"page {order} {at} {what}") is not None
        seen["deep page"] += at > 0 and at < total

        seen["single fiscal year"] += arrays.single_year(filters) is not None
        seen["many values"] += any(
            len(getattr(filters, key)) > SMALL_SET for key in SEIZURE_TARGET.columns
        )

    ask_both_ways()

    # the draws reached the paths that differ most from the SQL, each more than once
    for path in (
        "kpis overlap",
        "trend",
        "trend declined",
        "trend whole months",
        "pooled median gathered",
        "pooled median searched",
        "empty ranking",
        "deep page",
        "single fiscal year",
        "many values",
    ):
        assert seen[path] >= 2, (path, seen)
