"""Seizure records for the grid: paging, sorting and AG Grid filter models translated to DuckDB,
record detail, CSV streaming and export file names.

Expected rows on the tiny lake are worked out by hand from ``TINY_ROWS`` in conftest (ids T1-T7),
never from the code under test.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest

from components.url_state import View
from lake.referral_lifecycle import LABELS
from queries import records, seizure_stats
from queries.filters import Filters
from queries.gateway import Gateway
from queries.records import GridModelError, export_filename, export_sql, fetch_page, stream_csv

# event_date DESC, then seizure_id: the grid's default order
NEWEST_FIRST = ["T5", "T4", "T3", "T2", "T1", "T7", "T6"]


@pytest.fixture(scope="module")
def tiny(tiny_lake) -> Gateway:
    return Gateway(tiny_lake)


def ids(gw: Gateway, filters=None, sort=None, model=None, start=0, end=100) -> list[str]:
    rows, _ = fetch_page(filters or Filters(), start, end, sort, model, gateway=gw)
    return [r["seizure_id"] for r in rows]


def matching(gw: Gateway, model: dict, filters=None) -> set[str]:
    return set(ids(gw, filters, None, model))


# -- paging ------------------------------------------------------------------------------------
def test_rec001_pages_are_consecutive_windows_with_the_full_count(tiny):
    first, total = fetch_page(Filters(), 0, 3, None, None, gateway=tiny)
    assert total == 7
    assert [r["seizure_id"] for r in first] == ["T5", "T4", "T3"]
    assert ids(tiny, start=3, end=6) == ["T2", "T1", "T7"]
    assert ids(tiny, start=6, end=50) == ["T6"]
    rows, total = fetch_page(Filters(), 7, 57, [], {}, gateway=tiny)
    assert (rows, total) == ([], 7)


def test_rec002_rows_carry_every_grid_column_ready_for_json(tiny):
    rows, _ = fetch_page(Filters(), 0, 1, None, None, gateway=tiny)
    assert list(rows[0]) == [c.key for c in records.COLUMNS]
    t5 = rows[0]
    assert t5["event_date"] == "2025-12-01"
    assert (t5["source_country"], t5["transit_country"], t5["de_minimis"]) == ("CN", "HK", True)
    assert t5["lbs"] == 12.0 and t5["pills"] is None and t5["port_code"] == "4196"


def test_rec003_a_window_is_capped(tiny, monkeypatch):
    monkeypatch.setattr(records, "MAX_WINDOW", 2)
    assert ids(tiny, start=0, end=1_000_000) == ["T5", "T4"]


@pytest.mark.parametrize("start, end", [(-1, 10), (5, 5), (6, 2), (0.5, 10), ("0", "50")])
def test_rec004_impossible_windows_are_refused(tiny, start, end):
    with pytest.raises(GridModelError):
        fetch_page(Filters(), start, end, None, None, gateway=tiny)


# -- sorting -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "sort, expected",
    [
        ([{"colId": "lbs", "sort": "asc"}], ["T6", "T3", "T1", "T5", "T2", "T7", "T4"]),
        ([{"colId": "lbs", "sort": "desc"}], ["T4", "T7", "T2", "T5", "T1", "T3", "T6"]),
        ([{"colId": "event_date", "sort": "asc"}], ["T6", "T7", "T1", "T2", "T3", "T4", "T5"]),
        # missing values last in both directions, then seizure id
        ([{"colId": "pills", "sort": "asc"}], ["T6", "T1", "T2", "T3", "T4", "T5", "T7"]),
        ([{"colId": "pills", "sort": "desc"}], ["T1", "T6", "T2", "T3", "T4", "T5", "T7"]),
        # coded columns sort by the name the grid shows: Nogales (2604), San Ysidro (2504),
        # UPS Worldport (4196), then the seizure without a port
        ([{"colId": "port_code", "sort": "asc"}], ["T1", "T2", "T6", "T3", "T7", "T5", "T4"]),
        (
            [{"colId": "component", "sort": "asc"}, {"colId": "lbs", "sort": "desc"}],
            ["T7", "T2", "T5", "T1", "T3", "T6", "T4"],
        ),
        ([{"colId": "seizure_id", "sort": "desc"}], ["T7", "T6", "T5", "T4", "T3", "T2", "T1"]),
        ([], NEWEST_FIRST),
        (None, NEWEST_FIRST),
    ],
)
def test_rec010_sort_models(tiny, sort, expected):
    assert ids(tiny, sort=sort) == expected


def test_rec011_sorted_pages_do_not_overlap(tiny):
    sort = [{"colId": "category", "sort": "asc"}]  # six rows tie on "drug"
    pages = [ids(tiny, sort=sort, start=s, end=s + 2) for s in (0, 2, 4, 6)]
    flat = [i for page in pages for i in page]
    assert flat == ids(tiny, sort=sort) and len(set(flat)) == 7


# -- filter models -----------------------------------------------------------------------------
def text(type_: str, value: str | None = None) -> dict:
    return {"filterType": "text", "type": type_, "filter": value}


def number(type_: str, value=None, to=None) -> dict:
    return {"filterType": "number", "type": type_, "filter": value, "filterTo": to}


def day(type_: str, start=None, end=None) -> dict:
    return {"filterType": "date", "type": type_, "dateFrom": start, "dateTo": end}


@pytest.mark.parametrize(
    "model, expected",
    [
        ({"area_id": text("contains", "TUCSON")}, {"T1", "T2", "T4", "T6"}),
        ({"area_id": text("notContains", "tucson")}, {"T3", "T5", "T7"}),
        ({"commodity": text("startsWith", "fentanyl")}, {"T1", "T3", "T6"}),
        ({"commodity": text("endsWith", "Pills")}, {"T1", "T6"}),
        ({"mode": text("equals", "LAND_POV")}, {"T1", "T3", "T6"}),
        ({"mode": text("notEqual", "land_pov")}, {"T2", "T4", "T5", "T7"}),
        # like AG Grid's own text filter, "not equal" and "not contains" keep empty cells
        ({"transit_country": text("notEqual", "hk")}, {"T1", "T2", "T3", "T4", "T6", "T7"}),
        ({"transit_country": text("notContains", "K")}, {"T1", "T2", "T3", "T4", "T6", "T7"}),
        ({"transit_country": text("notBlank")}, {"T5"}),
        ({"port_code": text("blank")}, {"T4"}),
        # a coded column matches its code or the name the grid shows for it
        ({"port_code": text("equals", "San Ysidro")}, {"T3", "T7"}),
        ({"port_code": text("equals", "2504")}, {"T3", "T7"}),
        ({"port_code": text("contains", "nogal")}, {"T1", "T2", "T6"}),
        ({"port_code": text("notContains", "nogal")}, {"T3", "T4", "T5", "T7"}),
        ({"port_code": text("notEqual", "San Ysidro")}, {"T1", "T2", "T4", "T5", "T6"}),
        ({"seizure_id": text("contains", "%")}, set()),  # no LIKE wildcards
        ({"lbs": number("greaterThan", 10)}, {"T2", "T4", "T5", "T7"}),
        ({"lbs": number("greaterThanOrEqual", 12)}, {"T2", "T4", "T5", "T7"}),
        ({"lbs": number("lessThanOrEqual", 10)}, {"T1", "T3", "T6"}),
        ({"lbs": number("lessThan", 10)}, {"T3", "T6"}),
        ({"lbs": number("inRange", 5.5, 12)}, {"T1", "T3", "T5"}),  # inclusive
        ({"lbs": number("equals", 200)}, {"T4"}),
        ({"pills": number("blank")}, {"T2", "T3", "T4", "T5", "T7"}),
        ({"pills": number("notEqual", 45000)}, {"T6"}),
        ({"quantity": number("equals", 45000)}, {"T1"}),
        ({"event_date": day("equals", "2025-11-02 00:00:00")}, {"T3"}),
        ({"event_date": day("notEqual", "2025-11-02")}, set(NEWEST_FIRST) - {"T3"}),
        ({"event_date": day("lessThan", "2025-01-01 00:00:00")}, {"T6", "T7"}),
        ({"event_date": day("greaterThan", "2025-11-02 00:00:00")}, {"T4", "T5"}),
        ({"event_date": day("inRange", "2025-10-05", "2025-11-02")}, {"T1", "T2", "T3"}),
        ({"de_minimis": {"filterType": "text", "type": "true"}}, {"T5"}),
        ({"de_minimis": {"filterType": "text", "type": "false"}}, set(NEWEST_FIRST) - {"T5"}),
        ({"de_minimis": text("equals", "true")}, {"T5"}),
    ],
)
def test_rec020_single_condition_filters(tiny, model, expected):
    assert matching(tiny, model) == expected


@pytest.mark.parametrize(
    "model, expected",
    [
        (
            {
                "mode": {
                    "filterType": "text",
                    "operator": "OR",
                    "conditions": [text("equals", "land_pov"), text("equals", "express")],
                }
            },
            {"T1", "T3", "T5", "T6"},
        ),
        (
            {
                "lbs": {
                    "filterType": "number",
                    "operator": "AND",
                    "conditions": [number("greaterThan", 5), number("lessThan", 50)],
                }
            },
            {"T1", "T2", "T3", "T5"},
        ),
        (  # the shape AG Grid sent before version 29
            {
                "event_date": {
                    "filterType": "date",
                    "operator": "OR",
                    "condition1": day("lessThan", "2024-11-01"),
                    "condition2": day("greaterThan", "2025-11-30"),
                }
            },
            {"T5", "T6"},
        ),
        (  # two columns: both must hold
            {"area_id": text("contains", "tucson"), "lbs": number("greaterThan", 5)},
            {"T1", "T2", "T4"},
        ),
    ],
)
def test_rec021_combined_filters(tiny, model, expected):
    assert matching(tiny, model) == expected


def test_rec022_page_filters_and_grid_filters_combine(tiny):
    fy2026 = Filters(fy=2026)  # 1 Oct 2025 - 30 Sep 2026
    assert matching(tiny, {}, fy2026) == {"T1", "T2", "T3", "T4", "T5"}
    tucson = Filters(area=("tucson-field-office",))
    assert matching(tiny, {}, tucson) == {"T1", "T2", "T6"}
    both = Filters(fy=2026, area=("tucson-field-office",))
    rows, total = fetch_page(both, 0, 50, None, {"pills": number("notBlank")}, gateway=tiny)
    assert ([r["seizure_id"] for r in rows], total) == (["T1"], 1)
    _, total = fetch_page(Filters(mode=("land_pov",)), 0, 1, None, None, gateway=tiny)
    assert total == 3  # the count is of all matches, not of the window


class NoDatabase:
    """A gateway that fails the test if anything reaches it."""

    def __getattr__(self, name):
        raise AssertionError(f"the gateway was used ({name}) before the model was checked")


@pytest.mark.parametrize(
    "sort, model, message",
    [
        (None, {"secret_column": text("contains", "x")}, "unknown column 'secret_column'"),
        (None, {"lbs; DROP TABLE seizures": number("equals", 1)}, "unknown column"),
        ([{"colId": "batch_id", "sort": "asc"}], None, "unknown column 'batch_id'"),
        ([{"colId": "lbs", "sort": "sideways"}], None, "Unknown sort direction 'sideways'"),
        ({"colId": "lbs"}, None, "sort model is malformed"),
        (None, [text("contains", "x")], "filter model is malformed"),
        (None, {"mode": text("regex", ".*")}, "unknown condition 'regex'"),
        (None, {"lbs": text("contains", "1")}, "'text' filter does not fit"),
        (None, {"mode": number("equals", 1)}, "'number' filter does not fit"),
        (None, {"lbs": number("equals", "1; SELECT 1")}, "is not a number"),
        (None, {"lbs": number("equals", True)}, "is not a number"),
        (None, {"lbs": number("inRange", 1)}, "is not a number"),
        (None, {"event_date": day("equals", "yesterday")}, "is not a date"),
        (None, {"de_minimis": {"filterType": "text", "type": "maybe"}}, "unknown condition"),
        (None, {"mode": text("contains", "x" * 500)}, "at most 200 characters"),
        (None, {"mode": text("contains", ["x"])}, "needs text"),
        (None, {"mode": {"operator": "XOR", "conditions": []}}, "unknown operator 'XOR'"),
        (None, {"mode": {"operator": "AND", "conditions": "x"}}, "1 to 10 conditions"),
        (None, {"mode": {"operator": "OR", "conditions": [text("equals", "a")] * 11}}, "1 to 10"),
        (None, {"mode": "land_pov"}, "malformed filter"),
    ],
)
def test_rec030_bad_models_are_refused_before_any_sql(sort, model, message):
    with pytest.raises(GridModelError, match=re.escape(message)):
        fetch_page(Filters(), 0, 50, sort, model, gateway=NoDatabase())
    assert issubclass(GridModelError, ValueError)


# -- record detail -----------------------------------------------------------------------------
def test_rec040_detail_of_a_seizure_with_shipment_and_referral(demo_gateway):
    seizure_id, shipment_id = demo_gateway.frame(
        "SELECT s.seizure_id, s.shipment_id FROM seizures s JOIN referrals r USING (seizure_id) "
        "WHERE s.shipment_id IS NOT NULL ORDER BY s.seizure_id LIMIT 1"
    ).row(0)
    detail = records.record_detail(seizure_id, gateway=demo_gateway)
    seizure, shipment = detail["seizure"], detail["shipment"]
    assert seizure["seizure_id"] == seizure_id and seizure["shipment_id"] == shipment_id
    assert seizure["found_kg"] == pytest.approx(seizure["lbs"] * 0.45359237)
    declared = demo_gateway.frame(
        "SELECT hts_code, declared_value_usd, declared_weight_kg, seizure_id FROM shipments "
        "WHERE shipment_id = ?",
        [shipment_id],
    ).row(0, named=True)
    assert shipment["shipment_id"] == shipment_id and declared["seizure_id"] == seizure_id
    for key in ("hts_code", "declared_value_usd", "declared_weight_kg"):
        assert shipment[key] == declared[key]
    for key in ("description", "origin_country", "consignee_name", "entry_type", "master_carton"):
        assert key in shipment
    referral = demo_gateway.frame(
        "SELECT referral_id, status, referred_on FROM referrals WHERE seizure_id = ?", [seizure_id]
    ).row(0, named=True)
    (got,) = detail["referrals"]
    assert (got["referral_id"], got["status"]) == (referral["referral_id"], referral["status"])
    steps = got["steps"]
    assert steps[0] == {"step": "Referred", "on": referral["referred_on"]}
    assert [s["on"] for s in steps] == sorted(s["on"] for s in steps)
    milestones = [s["step"] for s in steps if s["step"] != "Follow-up seizure"]
    assert milestones[-1] == LABELS[referral["status"]]  # the last step reached is the status


def test_rec041_detail_without_shipment_or_referral_tables(tiny):
    detail = records.record_detail("T1", gateway=tiny)
    assert detail["seizure"]["pills"] == 45000 and detail["seizure"]["region"]
    assert detail["shipment"] is None and detail["referrals"] == []


@pytest.mark.parametrize("seizure_id", ["SZ-NOPE", "", "x" * 500, None])
def test_rec042_unknown_ids_have_no_detail(demo_gateway, seizure_id):
    assert records.record_detail(seizure_id, gateway=demo_gateway) is None


# -- CSV ---------------------------------------------------------------------------------------
def test_rec050_csv_stream_equals_the_query(tiny):
    sql, params = export_sql(Filters(), "records")
    chunks = list(stream_csv(sql, params, gateway=tiny, batch_rows=2))
    assert chunks[0] == (",".join(f'"{c.key}"' for c in records.COLUMNS) + "\n").encode()
    assert len(chunks) >= 5  # header, then batches of at most two rows
    parsed = list(csv.DictReader(io.StringIO(b"".join(chunks).decode())))
    rows, _ = fetch_page(Filters(), 0, 100, None, None, gateway=tiny)
    assert [r["seizure_id"] for r in parsed] == NEWEST_FIRST
    for got, want in zip(parsed, rows, strict=True):
        assert got["event_date"] == want["event_date"]
        assert float(got["lbs"]) == want["lbs"] and float(got["quantity"]) == want["quantity"]
        assert got["pills"] == ("" if want["pills"] is None else str(want["pills"]))
        assert got["transit_country"] == (want["transit_country"] or "")
        assert got["de_minimis"] == str(want["de_minimis"]).lower()


def test_rec051_csv_stream_follows_filters_and_may_be_empty(tiny):
    sql, params = export_sql(Filters(area=("tucson-field-office",)), "records")
    parsed = list(csv.DictReader(io.StringIO(b"".join(stream_csv(sql, params, tiny)).decode())))
    assert [r["seizure_id"] for r in parsed] == ["T2", "T1", "T6"]
    sql, params = export_sql(Filters(area=("laredo-field-office",)), "records")
    body = b"".join(stream_csv(sql, params, gateway=tiny)).decode()
    assert body.splitlines() == [",".join(f'"{c.key}"' for c in records.COLUMNS)]


def test_rec052_monthly_export_matches_the_trend_query(tiny):
    sql, params = export_sql(Filters(), "monthly")
    parsed = list(csv.DictReader(io.StringIO(b"".join(stream_csv(sql, params, tiny)).decode())))
    assert list(parsed[0]) == ["month", "events", "lbs", "fentanyl_lbs", "pills", "modelled_events"]
    trend = seizure_stats.monthly_trend(Filters(), gateway=tiny)
    assert [r["month"] for r in parsed] == [m.isoformat() for m in trend["month"]]
    assert [int(r["events"]) for r in parsed] == trend["events"].to_list()
    assert [float(r["lbs"]) for r in parsed] == trend["lbs"].to_list()
    assert [float(r["fentanyl_lbs"]) for r in parsed] == trend["fentanyl_lbs"].to_list()
    assert [int(r["pills"]) for r in parsed] == trend["pills"].to_list()
    # by hand: October 2025 holds T1 and T2
    oct25 = next(r for r in parsed if r["month"] == "2025-10-01")
    assert (oct25["events"], float(oct25["lbs"]), oct25["pills"]) == ("2", 40.0, "45000")
    assert float(oct25["fentanyl_lbs"]) == 10.0


def test_rec053_unknown_export_kind_is_refused():
    with pytest.raises(ValueError, match="unknown export 'secrets'"):
        export_sql(Filters(), "secrets")


# -- file names --------------------------------------------------------------------------------
SAFE = re.compile(r"[A-Za-z0-9_.-]+\.csv")


def test_rec060_export_filename_names_the_filters_and_the_date():
    filters = Filters(fy=2025, area=("tucson-field-office",))
    assert (
        export_filename("records", filters, date(2026, 11, 27))
        == "chokepoint-records_fy2025_area-tucson-field-office_asof-2026-11-27.csv"
    )
    assert export_filename("records", View(filters=filters), date(2026, 11, 27)) == (
        export_filename("records", filters, date(2026, 11, 27))
    )
    assert export_filename("monthly", Filters(), None) == "chokepoint-monthly.csv"


def test_rec061_export_filename_stays_short_and_safe():
    three = Filters(mode=("land_pov", "land_truck", "mail"), start=date(2025, 1, 1))
    name = export_filename("records", three, date(2026, 1, 2))
    assert name == (
        "chokepoint-records_start-2025-01-01_mode-land_pov.land_truck.and-1-more_asof-2026-01-02.csv"
    )
    many = Filters(
        area=("tucson-field-office", "laredo-field-office"),
        port=("2604", "2504"),
        commodity=("fentanyl_powder", "fentanyl_pills"),
        source=("MX", "CN"),
        transit=("HK", "US"),
        mode=("land_pov", "land_truck"),
    )
    long_name = export_filename("records", many, date(2026, 1, 2))
    assert SAFE.fullmatch(long_name) and len(long_name) < 80
    assert long_name.startswith("chokepoint-records_6-filters-")
    other = export_filename("records", Filters(**{**many.__dict__, "source": ("MX",)}), None)
    assert other.split("_")[1] != long_name.split("_")[1]  # the digest tells them apart
