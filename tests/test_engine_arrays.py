"""The seizure arrays answer exactly what the SQL answers, and only for the data they were built
from: breakdowns (members, ranks, medians, maxima, the pooled row) and KPI windows, for every
dimension and measure, over the demo lake; and a batch makes them stale until rebuilt."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from lake.writer import commit, write_partitioned
from queries import breakdowns, seizure_stats
from queries.engine import arrays as engine_arrays
from queries.engine.arrays import SeizureArrays
from queries.engine.sql import MEASURES
from queries.filters import SEIZURE_TARGET, Filters, predicate
from queries.gateway import Gateway
from queries.seizure_stats import GROUPS
from tests.lake_rows import varied
from tests.views import VIEWS


@pytest.fixture(scope="module")
def gateways(demo_lake):
    """A gateway answering from SQL and one answering from arrays, over the same lake."""
    sql = Gateway(demo_lake, hot=True)
    arrays = Gateway(demo_lake, hot=True)
    assert arrays.seizure_arrays() is None  # not built until asked to
    assert arrays.seizure_arrays(build=True) is not None
    return sql, arrays


def _same(left: pl.DataFrame, right: pl.DataFrame) -> None:
    """Equal rows; sums may differ in their last bits (added in another order)."""
    assert left.schema == right.schema
    assert left.height == right.height
    for a, b in zip(left.rows(), right.rows(), strict=True):
        for x, y in zip(a, b, strict=True):
            if isinstance(x, float) and isinstance(y, float):
                assert x == pytest.approx(y, rel=1e-9, abs=1e-9), (a, b)
            else:
                assert x == y, (a, b)


@pytest.mark.parametrize("view", VIEWS, ids=lambda f: f.to_query_string() or "all")
def test_arr001_breakdowns_match_sql_for_every_dimension_and_measure(gateways, view):
    sql, arrays = gateways
    for by in GROUPS:
        for measure in MEASURES:
            for n in (3, 10):
                expected = breakdowns.breakdown(view, by, measure, n, gateway=sql)
                got = breakdowns.breakdown(view, by, measure, n, gateway=arrays)
                _same(expected, got)


def test_arr002_the_views_above_exercise_medians_and_pooled_rows(gateways):
    """The parity above means something only if it covers pooled rows, even and odd member
    sizes, members without weights and empty answers."""
    sql, _ = gateways
    frames = [breakdowns.breakdown(v, "port", "lbs", 3, gateway=sql) for v in VIEWS]
    pooled = [f.filter(pl.col("key") == "__others__") for f in frames]
    assert sum(p.height for p in pooled) >= 5
    assert any(f.is_empty() for f in frames)
    assert any(f["median_lbs"].is_null().all() and f.height for f in frames)
    events = pl.concat([f for f in frames if f.height])["events"]
    assert (events % 2 == 0).any() and (events % 2 == 1).any()


@pytest.mark.parametrize("view", VIEWS, ids=lambda f: f.to_query_string() or "all")
def test_arr003_kpi_windows_match_sql(gateways, view):
    sql, arrays = gateways
    as_of = seizure_stats.as_of(sql)
    period = seizure_stats.current_period(view, as_of)
    for window in (period, seizure_stats.Period(date(2019, 2, 28), date(2024, 3, 1))):
        expected = seizure_stats.kpis(view, window, sql)
        got = seizure_stats.kpis(view, window, arrays)
        _same(expected, got)


TREND_VIEWS = (
    *VIEWS,
    Filters(start=date(2024, 2, 10), end=date(2024, 2, 20)),  # inside one month
    Filters(start=date(2023, 1, 1), end=date(2023, 3, 31)),  # whole months only
    Filters(start=date(2025, 3, 17)),  # open-ended, from mid-month
    Filters(category=("drug",)),  # keeps most events: left to SQL
)


@pytest.mark.parametrize("view", TREND_VIEWS, ids=lambda f: f.to_query_string() or "all")
def test_arr008_monthly_trends_match_sql(gateways, view):
    """Whole months summed at build, cut months summed per request, dimension filters
    gathered: each gives the SQL's months (the rollup's, or the events' for cut windows)."""
    sql, arrays = gateways
    expected = seizure_stats.monthly_trend(view, sql)
    built = arrays.seizure_arrays()
    direct = built.monthly(view)
    if direct is None:  # only when the filters keep most of the window's events
        window = Filters(start=view.start, end=view.end, fy=view.fy)
        assert 2 * _count(sql, view) > _count(sql, window)
    else:
        _same(expected, direct)
    _same(expected, seizure_stats.monthly_trend(view, arrays))


def _count(gateway: Gateway, view: Filters) -> int:
    where = predicate(view, SEIZURE_TARGET)
    return gateway.scalar(f"SELECT count(*) FROM seizures WHERE {where.sql}", where.params)  # noqa: S608


def test_arr004_arrays_answer_only_for_the_version_they_were_built_from(tmp_path):
    first = write_partitioned("seizures", varied(5, date(2025, 1, 31), 0), "a", tmp_path)
    commit("seizures", add=first, data_dir=tmp_path)
    gateway = Gateway(tmp_path, hot=True)
    built = gateway.seizure_arrays(build=True)
    assert built is not None and built.size == 5
    # a frame asked with an arrays answer takes it from the arrays while they are current
    marker = pl.DataFrame({"answer": ["arrays"]})
    sql = "SELECT 'sql' AS answer, count(*) AS n FROM seizures"
    assert gateway.frame(sql, arrays=lambda _: marker).equals(marker)

    second = write_partitioned("seizures", varied(3, date(2025, 2, 1), 5), "b", tmp_path)
    commit("seizures", add=second, data_dir=tmp_path)
    gateway.refresh(force=True)
    assert gateway.seizure_arrays() is None  # stale: not used, not rebuilt by a request
    answer = gateway.frame(sql, arrays=lambda _: marker)
    assert answer.row(0) == ("sql", 8)  # the SQL answers, with the batch
    by_port = breakdowns.breakdown(Filters(), "port", "events", 10, gateway=gateway)
    assert by_port["events"].sum() == 8

    rebuilt = gateway.seizure_arrays(build=True)
    assert rebuilt is not None and rebuilt.size == 8 and rebuilt is not built
    assert breakdowns.breakdown(Filters(), "port", "events", 10, gateway=gateway).equals(by_port)


def test_arr005_a_cold_gateway_keeps_no_arrays(demo_lake):
    """Batch jobs open gateways without hot tables: they never pay for arrays."""
    gateway = Gateway(demo_lake)
    assert gateway.seizure_arrays(build=True) is None


def test_arr006_codes_follow_the_hot_tables_enums(gateways):
    _, arrays = gateways
    built = arrays.seizure_arrays()
    assert isinstance(built, SeizureArrays)
    for column, names in built.names.items():
        codes = built.runs[column].events.codes[column]
        assert int(codes.max()) <= len(names)  # len(names) is "missing"
        assert names == sorted(names)  # the ENUM lists its values in text order


def test_arr007_the_pooled_median_is_the_same_gathered_or_searched(gateways, monkeypatch):
    """Small pools are gathered and their middle selected, large ones searched: each way must
    give the SQL's median, so each is made to answer every view here in turn."""
    sql, arrays = gateways
    limit = engine_arrays.GATHER_LIMIT
    pooled = []
    for forced in (0, 10**9):  # searched only, then gathered only
        monkeypatch.setattr(engine_arrays, "GATHER_LIMIT", forced)
        for view in VIEWS:
            for by in ("port", "source", "commodity"):
                expected = breakdowns.breakdown(view, by, "lbs", 3, gateway=sql)
                arrays.results.clear()
                _same(expected, breakdowns.breakdown(view, by, "lbs", 3, gateway=arrays))
                others = expected.filter(pl.col("key") == "__others__")
                pooled += others["events"].to_list()
    assert max(pooled) > limit > min(pooled)  # the default limit picks each way somewhere
