"""The records grid's pages from memory are the pages the SQL returns: the same rows in the same
order, and the same total, for every order kept in memory, first pages and deep ones (ties and
missing weights included), over the demo lake; any other request still goes to SQL, and a batch
makes the in-memory pages stale until rebuilt."""

from __future__ import annotations

from datetime import date

import pytest

from lake.writer import commit, write_partitioned
from queries import records
from queries.engine.record_pages import ORDER_KEYS, ORDERS
from queries.filters import Filters
from queries.gateway import Gateway
from tests.lake_rows import varied
from tests.views import VIEWS

SORTS = (
    None,  # the grid's default: newest first
    *([{"colId": key, "sort": way}] for key in ORDER_KEYS for way in ("desc", "asc")),
)


@pytest.fixture(scope="module")
def gateways(demo_lake):
    """A gateway answering from SQL only (no arrays built) and one answering from memory."""
    sql = Gateway(demo_lake, hot=True)
    memory = Gateway(demo_lake, hot=True)
    assert memory.seizure_arrays(build=True) is not None
    return sql, memory


def _windows(total: int) -> list[tuple[int, int]]:
    """The first pages, one across the middle, and the last (where missing weights sort)."""
    middle = max(total // 2 - 7, 0)
    return [(0, 50), (50, 100), (middle, middle + 20), (max(total - 30, 0), total + 20)]


def test_rec001_every_memory_order_is_one_grid_order():
    for sort in SORTS:
        assert records.grid_order(sort) in ORDERS
    assert records.grid_order([{"colId": "port_code", "sort": "asc"}]) not in ORDERS


@pytest.mark.parametrize("view", VIEWS, ids=lambda f: f.to_query_string() or "all")
def test_rec002_pages_from_memory_match_sql(gateways, view):
    sql, memory = gateways
    pages = memory.seizure_arrays().records
    _, total = records.fetch_page(view, 0, 1, None, None, sql)
    assert pages.count(view) == total
    for sort in SORTS:
        order = records.grid_order(sort)
        for start, end in _windows(total):
            expected = records.fetch_page(view, start, end, sort, None, sql)
            # straight from the in-memory pages, then through the query as the grid asks
            direct = records.json_rows(pages.page(view, order, start, end))
            assert direct == expected[0], (sort, start)
            assert records.fetch_page(view, start, end, sort, None, memory) == expected


def test_rec003_ties_break_by_seizure_id_and_missing_weights_come_last(gateways):
    """Pages where it shows: around a weight two events share, both ways, and the end."""
    sql, memory = gateways
    tied = sql.scalar(
        "SELECT max(lbs) FROM (SELECT lbs FROM seizures GROUP BY lbs HAVING count(*) > 1)"
    )
    assert tied is not None
    for way, before in (("desc", "lbs > ?"), ("asc", "lbs < ?")):
        at = sql.scalar(f"SELECT count(*) FROM seizures WHERE {before}", [tied])  # noqa: S608
        sort = [{"colId": "lbs", "sort": way}]
        expected = records.fetch_page(Filters(), at, at + 5, sort, None, sql)
        assert [r["lbs"] for r in expected[0][:2]] == [tied, tied]
        assert expected[0][0]["seizure_id"] < expected[0][1]["seizure_id"]
        assert records.fetch_page(Filters(), at, at + 5, sort, None, memory) == expected
        rows, total = records.fetch_page(
            Filters(), expected[1] - 3, expected[1], sort, None, memory
        )
        assert rows[-1]["lbs"] is None  # missing weights, last either way
    newest, _ = records.fetch_page(Filters(), 0, 50, None, None, memory)
    days = [r["event_date"] for r in newest]
    assert days[0] == days[1] and newest[0]["seizure_id"] < newest[1]["seizure_id"]


@pytest.mark.parametrize(
    ("sort", "model"),
    [
        ([{"colId": "port_code", "sort": "asc"}], None),  # orders not kept in memory
        ([{"colId": "seizure_id", "sort": "desc"}], None),
        (None, {"mode": {"filterType": "text", "type": "equals", "filter": "express"}}),
        ([{"colId": "lbs", "sort": "desc"}, {"colId": "event_date", "sort": "asc"}], None),
    ],
)
def test_rec004_other_requests_are_answered_by_sql_alike(gateways, sort, model):
    sql, memory = gateways
    view = Filters(fy=2025)
    for start, end in ((0, 50), (50, 100)):
        expected = records.fetch_page(view, start, end, sort, model, sql)
        assert records.fetch_page(view, start, end, sort, model, memory) == expected
    assert expected[1] > 100 or model is not None


def test_rec005_a_batch_shows_at_once_and_the_rebuilt_pages_hold_it(tmp_path):
    first = write_partitioned("seizures", varied(5, date(2025, 1, 31), 0), "a", tmp_path)
    commit("seizures", add=first, data_dir=tmp_path)
    gateway = Gateway(tmp_path, hot=True)
    assert gateway.seizure_arrays(build=True).records.size == 5
    heaviest = [{"colId": "lbs", "sort": "desc"}]
    before, total = records.fetch_page(Filters(), 0, 50, heaviest, None, gateway)
    assert total == 5 and before[0]["lbs"] == 4.25

    # a later, heavier batch: the stale pages are not used, the SQL shows it at once
    second = write_partitioned("seizures", varied(3, date(2025, 2, 1), 50), "b", tmp_path)
    commit("seizures", add=second, data_dir=tmp_path)
    gateway.refresh(force=True)
    after, total = records.fetch_page(Filters(), 0, 50, heaviest, None, gateway)
    assert total == 8 and after[0]["lbs"] == 52.25
    newest, _ = records.fetch_page(Filters(), 0, 1, None, None, gateway)
    assert newest[0]["event_date"] == "2025-02-01"

    rebuilt = gateway.seizure_arrays(build=True)
    assert rebuilt.records.size == 8
    assert rebuilt.records.count(Filters(port=("2604",))) == 5
    assert records.fetch_page(Filters(), 0, 50, heaviest, None, gateway) == (after, 8)
