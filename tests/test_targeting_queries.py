"""The queue's queries against the scored demo lake, each number checked with its own SQL: the
ranking, paging, filters, watch hits and counts, and the detail of one shipment."""

from __future__ import annotations

from datetime import timedelta

import pytest

from queries import targeting as q
from queries.filters import Filters
from queries.gateway import Gateway
from queries.records import GridModelError
from queries.targeting_watch import watch_sql
from targeting.store import Watch


@pytest.fixture(scope="module")
def scored(scored_lake) -> Gateway:
    """The scored copy of the demo lake (the internal app serves the same one)."""
    return Gateway(scored_lake)


def window_sql(gw: Gateway, extra: str = "TRUE", params=()) -> tuple[str, list]:
    last = gw.scalar("SELECT max(arrived_at) FROM shipments")
    end = (last + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    start = end - timedelta(days=q.QUEUE_DAYS)
    return f"arrived_at >= ? AND arrived_at < ? AND {extra}", [start, end, *params]


def test_tgq001_queue_ranks_the_last_week_by_score(scored):
    where, params = window_sql(scored)
    expected_total = scored.scalar(f"SELECT count(*) FROM shipments WHERE {where}", params)
    top = scored.frame(
        f"""SELECT s.shipment_id FROM (SELECT * FROM shipments WHERE {where}) s
            JOIN scores c USING (shipment_id)
            ORDER BY c.score DESC, s.arrived_at DESC, s.shipment_id LIMIT 30""",
        params,
    )["shipment_id"].to_list()
    first, total = q.fetch_queue(Filters(), 0, 15, gateway=scored)
    second, _ = q.fetch_queue(Filters(), 15, 30, gateway=scored)
    assert total == expected_total > 0
    assert [r["shipment_id"] for r in first + second] == top
    scores = [r["score"] for r in first + second]
    assert scores == sorted(scores, reverse=True)
    assert all(isinstance(r["flags"], list) for r in first)


def test_tgq002_url_filters_narrow_the_queue(scored):
    where, params = window_sql(scored, "mode = ?", ["mail"])
    expected = scored.scalar(f"SELECT count(*) FROM shipments WHERE {where}", params)
    rows, total = q.fetch_queue(Filters(mode=("mail",)), 0, 50, gateway=scored)
    assert total == expected
    assert {r["mode"] for r in rows} <= {"mail"}


def test_tgq003_watch_hits_and_counts(scored):
    rows, _ = q.fetch_queue(Filters(), 0, 1, gateway=scored)
    hts = rows[0]["hts_code"]
    watches = watch_sql(
        [Watch(41, "hts", hts, "test", ""), Watch(42, "route", "ZW>*>*>*", "x", "")]
    )
    hit_rows, _ = q.fetch_queue(Filters(), 0, 200, watches=watches, gateway=scored)
    assert all((41 in r["watch_hits"]) == (r["hts_code"] == hts) for r in hit_rows)
    assert all(42 not in r["watch_hits"] for r in hit_rows)
    where, params = window_sql(scored, "hts_code = ?", [hts])
    expected = scored.scalar(f"SELECT count(*) FROM shipments WHERE {where}", params)
    assert q.watch_counts(Filters(), watches, gateway=scored) == {41: expected, 42: 0}


def test_tgq004_sorting_is_whitelisted(scored):
    rows, _ = q.fetch_queue(
        Filters(), 0, 5, [{"colId": "arrived_at", "sort": "asc"}], gateway=scored
    )
    assert [r["arrived_at"] for r in rows] == sorted(r["arrived_at"] for r in rows)
    with pytest.raises(GridModelError):
        q.fetch_queue(Filters(), 0, 5, [{"colId": "1; DROP", "sort": "asc"}], gateway=scored)


def test_tgq005_detail_history_and_similar_seizures(scored):
    shipment_id = scored.scalar(
        "SELECT shipment_id FROM shipments WHERE outcome = 'seized' ORDER BY arrived_at DESC "
        "LIMIT 1"
    )
    detail = q.shipment_detail(shipment_id, gateway=scored)
    assert detail["shipment_id"] == shipment_id and 0 <= detail["score"] <= 1
    parties = q.party_history(detail, gateway=scored)
    for party, column in q.PARTY_COLUMNS.items():
        expected = scored.frame(
            f"SELECT count(*) AS n, count_if(outcome = 'seized') AS s FROM shipments "
            f"WHERE {column} = ? AND arrived_at < ?",
            [detail[column], detail["arrived_at"]],
        ).row(0)
        assert (parties[party]["shipments"], parties[party]["seized"]) == (
            expected[0],
            expected[1] or 0,
        )
        assert all(r["arrived_at"] < detail["arrived_at"] for r in parties[party]["latest"])
    for row in q.similar_seizures(detail, gateway=scored):
        assert row["arrived_at"] < detail["arrived_at"] and row["seizure_id"]
        assert row["hts_code"] == detail["hts_code"] or (
            row["origin_country"],
            row["port_code"],
            row["mode"],
        ) == (detail["origin_country"], detail["port_code"], detail["mode"])
    assert q.shipment_detail("no-such-id", gateway=scored) is None


def test_tgq020_a_window_names_the_fiscal_years_it_holds_and_no_more():
    from datetime import datetime

    year = (datetime(2024, 10, 1), datetime(2025, 10, 1))  # FY2025, its end excluded
    assert q.fiscal_years(*year) == [2025]
    assert q.fiscal_years(datetime(2024, 9, 30), datetime(2025, 10, 1, 0, 0, 1)) == [
        2024,
        2025,
        2026,
    ]
    assert q.fiscal_years(datetime(2025, 3, 1), datetime(2025, 3, 8)) == [2025]


def test_tgq021_the_window_label_names_its_last_day_not_the_midnight_after(scored):
    last = q.as_of(scored)
    span = q.window(Filters(), scored)
    assert span[1] - span[0] == timedelta(days=q.QUEUE_DAYS)
    first_day = (last - timedelta(days=q.QUEUE_DAYS - 1)).date()
    assert q.window_label(span) == f"{first_day:%d %b %Y} – {last:%d %b %Y}"
    fy = q.window(Filters.from_query({"fy": "2025"}), scored)
    assert q.window_label(fy) == "01 Oct 2024 – 30 Sep 2025"


def test_tgq022_the_queue_shows_names_for_codes_and_keeps_the_codes_in_its_rows(scored):
    from pages.targeting import queue

    by_field = {d["field"]: d for d in queue.column_defs()}
    assert by_field["port_code"]["refData"]["2504"] == "San Ysidro"
    assert by_field["mode"]["refData"]["express"] == "Express consignment"
    assert by_field["origin_country"]["refData"]["CN"] == "China"
    assert by_field["transit_country"]["refData"]["MX"] == "Mexico"
    assert "refData" not in by_field["hts_code"] and "refData" not in by_field["shipment_id"]
    rows, _ = q.fetch_queue(Filters(), 0, 5, gateway=scored)
    assert all(row["port_code"] in by_field["port_code"]["refData"] for row in rows)
