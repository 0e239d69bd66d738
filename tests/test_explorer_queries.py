"""Explorer queries (trends, breakdowns, traffic rates, period comparison) against answers worked
out by hand, plus invariants on the real demo lake.

Three small lakes:
- ``tiny_lake`` (conftest TINY_ROWS) for rankings, routes and comparisons;
- ``history_lake``: six fiscal years of a flat series (two 5 lb seizures a month, on the 3rd and
  the 17th, FY2020-FY2025) plus one 100 lb spike on 10 March 2025, so year-ago values, rolling
  means, control limits and five-year seizure rates have simple hand answers;
- ``traffic_lake``: TINY_ROWS plus a hand-written BTS table with one month missing in the middle
  and no data after October 2025.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime

import polars as pl
import pytest

from queries import breakdowns, compare, trends
from queries import traffic as traffic_q
from queries.filters import Filters
from queries.gateway import Gateway
from queries.seizure_stats import OTHERS, Period

SEIZURE_SCHEMA = {
    "seizure_id": pl.Utf8,
    "event_date": pl.Date,
    "component": pl.Utf8,
    "area_id": pl.Utf8,
    "port_code": pl.Utf8,
    "mode": pl.Utf8,
    "commodity": pl.Utf8,
    "category": pl.Utf8,
    "cbp_drug_type": pl.Utf8,
    "lbs": pl.Float64,
    "pills": pl.Int64,
    "source_country": pl.Utf8,
    "transit_country": pl.Utf8,
}


def _write_seizures(rows: list[tuple], data_dir) -> None:
    from lake.contract import conform
    from lake.fiscal import fiscal_year_of
    from lake.writer import replace_table_files

    frame = pl.DataFrame(rows, schema=SEIZURE_SCHEMA, orient="row").with_columns(
        pl.col("event_date")
        .map_elements(fiscal_year_of, return_dtype=pl.Int16)
        .alias("fiscal_year"),
        pl.lit("Southwest Border").alias("region"),
        pl.lit("Land Only").alias("land_filter"),
        pl.col("lbs").alias("quantity"),
        pl.lit("lbs").alias("unit"),
        pl.lit(None, pl.Utf8).alias("concealment"),
        pl.lit(False).alias("de_minimis"),
        pl.lit(None, pl.Utf8).alias("shipment_id"),
        pl.lit("reported").alias("provenance"),
        pl.lit("exq").alias("batch_id"),
        pl.lit(datetime(2026, 1, 1)).alias("ingested_at"),
    )
    replace_table_files("seizures", conform("seizures", frame), "exq", data_dir)


def _history_rows() -> list[tuple]:
    rows = []
    for fy in range(2020, 2026):
        for year, month in [(fy - 1, m) for m in (10, 11, 12)] + [(fy, m) for m in range(1, 10)]:
            for day, area, port, mode in (
                (3, "tucson-field-office", "2604", "land_pov"),
                (17, "san-diego-field-office", "2504", "land_pedestrian"),
            ):
                rows.append(
                    (
                        f"H{year}{month:02d}{day:02d}",
                        date(year, month, day),
                        "OFO",
                        area,
                        port,
                        mode,
                        "methamphetamine",
                        "drug",
                        "Methamphetamine",
                        5.0,
                        None,
                        "MX",
                        None,
                    )
                )
    rows.append(
        (
            "SPIKE",
            date(2025, 3, 10),
            "OFO",
            "tucson-field-office",
            "2604",
            "land_pov",
            "fentanyl_powder",
            "drug",
            "Fentanyl",
            100.0,
            None,
            "CN",
            "MX",
        )
    )
    return rows


@pytest.fixture(scope="module")
def tiny(tiny_lake) -> Gateway:
    return Gateway(tiny_lake)


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> Gateway:
    data_dir = tmp_path_factory.mktemp("exq-history")
    _write_seizures(_history_rows(), data_dir)
    return Gateway(data_dir)


# port, measure, month, inbound crossings. Deliberately absent: 2504 Trucks in Nov 2024 (a gap)
# and everything after Oct 2025 (BTS has not published it). Sep 2024 lies before the seizures.
BTS_ROWS = [
    ("2604", "Personal Vehicles", date(2024, 9, 1), 999_999),
    ("2604", "Personal Vehicles", date(2024, 10, 1), 200_000),
    ("2604", "Personal Vehicles", date(2025, 10, 1), 250_000),
    ("2604", "Pedestrians", date(2025, 10, 1), 40_000),
    ("2604", "Trucks", date(2025, 10, 1), 10_000),
    ("2504", "Personal Vehicles", date(2024, 11, 1), 500_000),
    ("2504", "Personal Vehicles", date(2025, 10, 1), 480_000),
]


@pytest.fixture(scope="module")
def traffic_gw(tiny_lake, tmp_path_factory) -> Gateway:
    from lake.contract import conform
    from lake.writer import replace_table_files

    data_dir = tmp_path_factory.mktemp("exq-traffic") / "data"
    shutil.copytree(tiny_lake, data_dir)
    frame = pl.DataFrame(
        BTS_ROWS, schema=["port_code", "measure", "month_start", "value"], orient="row"
    ).with_columns(
        pl.lit("somewhere").alias("port_name"),
        pl.lit("Arizona").alias("state"),
        pl.lit("US-Mexico").alias("border"),
        pl.col("month_start").dt.year().alias("year"),
    )
    replace_table_files("border_crossings", conform("border_crossings", frame), "bts", data_dir)
    return Gateway(data_dir)


# -- trends ----------------------------------------------------------------------------------
def test_exq001_monthly_series_by_hand(history):
    s = trends.series(Filters(fy=2025), "lbs", "month", history)
    assert s["period"].to_list() == [
        date(2024, 10, 1),
        date(2024, 11, 1),
        date(2024, 12, 1),
        *[date(2025, m, 1) for m in range(1, 10)],
    ]
    assert s["label"].to_list()[:3] == ["Oct 2024", "Nov 2024", "Dec 2024"]
    assert s["label"][-1] == "Sep 2025"
    assert s["value"].to_list() == [10.0] * 5 + [110.0] + [10.0] * 6
    assert s["events"].to_list() == [2] * 5 + [3] + [2] * 6
    march = s.row(5, named=True)
    assert march["median_lbs"] == 5.0
    assert march["max_share"] == pytest.approx(100 / 110)
    assert s["max_share"][0] == pytest.approx(0.5)


def test_exq002_prior_value_looks_before_the_window(history):
    s = trends.series(Filters(fy=2025), "lbs", "month", history)
    # FY2024 is outside the window yet feeds the year-ago overlay.
    assert s["prior_value"].to_list() == [10.0] * 12
    assert s["prior_label"][5] == "Mar 2024"
    # The first covered fiscal year has nothing a year earlier: null, not zero.
    first = trends.series(Filters(fy=2020), "lbs", "month", history)
    assert first["prior_value"].null_count() == 12


def test_exq003_rolling_mean_needs_a_full_window(history):
    s = trends.series(Filters(fy=2025), "lbs", "month", history)
    rolling = s["rolling"].to_list()
    assert rolling[0] == pytest.approx(10.0)  # Aug, Sep, Oct 2024 from outside the window
    assert rolling[5:9] == pytest.approx([(10 + 10 + 110) / 3] * 3 + [10.0])
    first = trends.series(Filters(fy=2020), "lbs", "month", history)
    assert first["rolling"].to_list()[:3] == [None, None, 10.0]


def test_exq004_control_limits_flag_the_spike_only(history):
    s = trends.series(Filters(fy=2025), "lbs", "month", history)
    assert s["outside"].to_list() == [False] * 5 + [True] + [False] * 6
    march, april = s.row(5, named=True), s.row(6, named=True)
    assert (march["baseline_mean"], march["baseline_sd"]) == (10.0, 0.0)
    assert (march["upper"], march["lower"]) == (10.0, 10.0)
    # April's baseline holds eleven 10s and the 110: mean 220/12, sample sd sqrt(10000/12).
    assert april["baseline_mean"] == pytest.approx(220 / 12)
    assert april["baseline_sd"] == pytest.approx((10_000 / 12) ** 0.5)
    assert april["upper"] == pytest.approx(220 / 12 + 3 * (10_000 / 12) ** 0.5)
    assert april["lower"] == 0.0  # clipped


def test_exq005_baseline_and_limits_follow_non_date_filters(history):
    s = trends.series(Filters(fy=2025, source=("MX",)), "lbs", "month", history)
    assert s["value"][5] == 10.0
    assert not s["outside"].any()


def test_exq006_seizure_rate_needs_five_prior_years(history):
    s = trends.series(Filters(fy=2025), "lbs", "month", history)
    assert s["seizure_rate"].to_list() == pytest.approx([1.0] * 5 + [11.0] + [1.0] * 6)
    # FY2024 months would need FY2019, before the data starts.
    assert (
        trends.series(Filters(fy=2024), "lbs", "month", history)["seizure_rate"].null_count() == 12
    )


def test_exq007_partial_periods(history):
    s = trends.series(Filters(fy=2025), "lbs", "month", history)
    # The data ends on 17 Sep 2025, so September is partial.
    assert s["partial"].to_list() == [False] * 11 + [True]
    cut = trends.series(
        Filters(start=date(2025, 3, 5), end=date(2025, 3, 31)), "lbs", "month", history
    )
    row = cut.row(0, named=True)
    assert cut.height == 1 and row["partial"]
    assert row["value"] == 105.0  # the 3 March seizure is before the window
    assert not row["outside"]  # a partial month is never flagged


def test_exq008_weeks_are_iso_and_match_iso_weeks_a_year_earlier(history):
    s = trends.series(
        Filters(start=date(2025, 3, 3), end=date(2025, 3, 16)), "lbs", "week", history
    )
    assert s["period"].to_list() == [date(2025, 3, 3), date(2025, 3, 10)]
    assert s["label"].to_list() == ["2025-W10", "2025-W11"]
    assert s["value"].to_list() == [5.0, 100.0]
    # 2024-W10 (4-10 Mar) had nothing; 2024-W11 (11-17 Mar) had the 17 March seizure.
    assert s["prior_value"].to_list() == [0.0, 5.0]
    assert s["prior_label"].to_list() == ["2024-W10", "2024-W11"]
    # Four weeks to W11: W08 (17 Feb) 5, W09 0, W10 5, W11 100.
    assert s["rolling"].to_list() == pytest.approx([2.5, 27.5])
    # W11 in 2020-2024: 9-15 Mar 2020 had nothing, the other years hold the 17th -> mean 4.
    # W10: only 2-8 Mar 2020 holds a 3rd -> mean 1.
    assert s["seizure_rate"].to_list() == pytest.approx([5.0, 25.0])


def test_exq013_week_53_compares_with_week_52(history):
    # 2020-W53 runs 28 Dec 2020 - 3 Jan 2021; 2019 has no week 53, so W52 stands in.
    s = trends.series(
        Filters(start=date(2020, 12, 28), end=date(2021, 1, 3)), "lbs", "week", history
    )
    row = s.row(0, named=True)
    assert (s.height, row["label"], row["value"]) == (1, "2020-W53", 5.0)
    assert (row["prior_label"], row["prior_value"]) == ("2019-W52", 0.0)


def test_exq009_days_are_dense_and_compare_calendar_days(history):
    s = trends.series(Filters(start=date(2025, 3, 1), end=date(2025, 3, 31)), "lbs", "day", history)
    assert s.height == 31 and s["value"].sum() == 110.0
    by_label = {r["label"]: r for r in s.iter_rows(named=True)}
    spike, third = by_label["2025-03-10"], by_label["2025-03-03"]
    assert spike["value"] == 100.0 and spike["outside"]
    assert spike["baseline_mean"] == pytest.approx(30 / 90)  # six 5 lb days in 90
    assert (third["prior_value"], spike["prior_value"]) == (5.0, 0.0)
    assert third["seizure_rate"] == 1.0
    assert spike["seizure_rate"] is None  # five years of zero: no rate
    assert by_label["2025-03-31"]["rolling"] == pytest.approx(105 / 28)
    leap = trends.series(
        Filters(start=date(2024, 2, 17), end=date(2024, 2, 29)), "lbs", "day", history
    ).row(-1, named=True)
    assert (leap["label"], leap["prior_label"], leap["prior_value"]) == (
        "2024-02-29",
        "2023-02-28",
        0.0,
    )


def test_exq010_fiscal_years(history):
    s = trends.series(Filters(), "lbs", "fy", history)
    assert s["label"].to_list() == [f"FY{y}" for y in range(2020, 2026)]
    assert s["period"][0] == date(2019, 10, 1)
    assert s["value"].to_list() == [120.0] * 5 + [220.0]
    assert s["prior_value"].to_list() == [None] + [120.0] * 5
    assert s["rolling"].to_list() == pytest.approx([None, None, 120.0, 120.0, 120.0, 460 / 3])
    assert s["seizure_rate"].to_list() == pytest.approx([None] * 5 + [220 / 120])
    last = s.row(-1, named=True)
    assert (last["baseline_mean"], last["upper"]) == (120.0, 120.0)
    # Five baseline years are fewer than the six a flag needs.
    assert not s["outside"].any()


def test_exq011_series_of_events_and_empty_filters(history, tiny):
    s = trends.series(Filters(fy=2025), "events", "month", history)
    assert s["value"].to_list() == [2.0] * 5 + [3.0] + [2.0] * 6
    assert trends.series(Filters(transit=("ZA",)), "lbs", "month", tiny).is_empty()
    with pytest.raises(ValueError):
        trends.series(Filters(), "lbs", "quarter", tiny)


def test_exq012_summary_sentence(history):
    s = trends.series(Filters(fy=2025), "lbs", "month", history)
    # September is cut short by the data: the sentence leads with the last complete month.
    complete = s.filter(~pl.col("partial")).row(-1, named=True)["label"]
    assert complete != "Sep 2025"
    assert trends.summary_sentence(s, "lbs").startswith(f"{complete}: ")
    assert trends.summary_sentence(s.filter(pl.col("partial")), "lbs") == (
        "Sep 2025 (partial): 10 lbs, +0% vs Sep 2024; no period outside control limits."
    )
    march = s.filter(pl.col("period") <= date(2025, 3, 1))
    assert trends.summary_sentence(march, "lbs") == (
        "Mar 2025: 110 lbs, +1000% vs Mar 2024; 1 period outside control limits."
    )
    first = trends.series(Filters(fy=2020), "events", "month", history)
    assert trends.summary_sentence(first.head(1), "Events") == (
        "Oct 2019: 2 events, no data a year earlier; no period outside control limits."
    )
    assert trends.summary_sentence(s.clear(), "lbs") == "No seizures match these filters."


# -- breakdowns ------------------------------------------------------------------------------
def test_exq020_breakdown_by_hand_with_others_adding_up(tiny):
    b = breakdowns.breakdown(Filters(), "area", "lbs", n=2, gateway=tiny)
    assert b["key"].to_list() == ["tucson-sector", "san-diego-field-office", OTHERS]
    assert b["value"].to_list() == pytest.approx([200.0, 105.5, 56.0])
    assert b["members"].to_list() == [1, 1, 2]
    assert b["events"].sum() == 7
    assert b["median_lbs"].to_list() == pytest.approx([200.0, 52.75, 11.0])
    assert b["max_lbs"].to_list() == [200.0, 100.0, 30.0]
    assert b["share"].to_list() == pytest.approx([200 / 361.5, 105.5 / 361.5, 56 / 361.5])


def test_exq021_dominance_flag(history):
    b = breakdowns.breakdown(Filters(fy=2025), "area", "lbs", gateway=history)
    flags = dict(zip(b["key"], b["dominated"], strict=True))
    # Tucson: twelve 5 lb seizures and the 100 lb spike (100 of 160); San Diego: twelve 5s.
    assert flags == {"tucson-field-office": True, "san-diego-field-office": False}
    assert b["lbs"].to_list() == [160.0, 60.0]
    # March 2025 meth: two 5 lb seizures; exactly half is not "more than half".
    march = Filters(start=date(2025, 3, 1), end=date(2025, 3, 31))
    b = breakdowns.breakdown(march, "commodity", "lbs", gateway=history)
    flags = dict(zip(b["key"], b["dominated"], strict=True))
    assert flags == {"fentanyl_powder": True, "methamphetamine": False}


def test_exq022_breakdown_skips_missing_dimension_and_checks_names(tiny):
    b = breakdowns.breakdown(Filters(), "port", "events", gateway=tiny)
    assert dict(zip(b["key"], b["events"], strict=True)) == {"2604": 3, "2504": 2, "4196": 1}
    assert breakdowns.DIMENSIONS == (
        "area",
        "port",
        "mode",
        "commodity",
        "category",
        "source",
        "transit",
        "component",
    )
    with pytest.raises(ValueError):
        breakdowns.breakdown(Filters(), "area_id; DROP", "lbs", gateway=tiny)


@pytest.mark.parametrize("hot", [False, True], ids=["parquet", "hot"])
def test_exq023_route_flows_by_hand(tiny_lake, hot):
    # the hot copy holds the route columns as ENUMs; a route without transit or port (NULLs)
    # still finds its own median, not the pooled row's
    r = breakdowns.route_flows(Filters(), "lbs", n=2, gateway=Gateway(tiny_lake, hot=hot))
    assert r.select("source", "transit", "port").rows() == [
        ("MX", "direct", "between ports"),
        ("MX", "direct", "2504"),
        (OTHERS, OTHERS, OTHERS),
    ]
    assert r["value"].to_list() == pytest.approx([200.0, 105.5, 56.0])
    assert r["events"].to_list() == [1, 2, 4]
    assert r["members"][-1] == 2  # MX direct 2604 and CN via HK to 4196
    assert r["median_lbs"].to_list()[:2] == pytest.approx([200.0, 52.75])


def test_exq024_route_flows_by_events_keep_transit(tiny):
    r = breakdowns.route_flows(Filters(), "events", n=5, gateway=tiny)
    routes = {(s, t, p): v for s, t, p, v in r.select("source", "transit", "port", "value").rows()}
    assert routes == {
        ("MX", "direct", "2604"): 3,
        ("MX", "direct", "2504"): 2,
        ("MX", "direct", "between ports"): 1,
        ("CN", "HK", "4196"): 1,
    }


# -- traffic ---------------------------------------------------------------------------------
def test_exq030_monthly_rates_by_hand(traffic_gw):
    r = traffic_q.rates(Filters(), "month", traffic_gw)
    rows = r.select(
        "period", "port_code", "measure", "events", "lbs", "crossings", "traffic_missing"
    ).rows()
    assert rows == [
        (date(2024, 10, 1), "2604", "Personal Vehicles", 1, 4.0, 200_000, False),
        (date(2024, 11, 1), "2504", "Personal Vehicles", 0, 0.0, 500_000, False),
        (date(2024, 11, 1), "2504", "Trucks", 1, 100.0, None, True),
        (date(2025, 10, 1), "2504", "Personal Vehicles", 0, 0.0, 480_000, False),
        (date(2025, 10, 1), "2604", "Pedestrians", 1, 30.0, 40_000, False),
        (date(2025, 10, 1), "2604", "Personal Vehicles", 1, 10.0, 250_000, False),
        (date(2025, 11, 1), "2504", "Personal Vehicles", 1, 5.5, None, True),
    ]
    assert r["events_per_100k"].to_list() == [0.5, 0.0, None, 0.0, 2.5, 0.4, None]
    assert r["lbs_per_100k"][4] == pytest.approx(75.0)
    assert traffic_q.missing_traffic_note(r) == (
        "No BTS traffic data after Oct 2025: 1 month shown without a rate. "
        "1 earlier port-month lacks a BTS row for the mode."
    )


def test_exq031_fiscal_year_rates_use_covered_months_only(traffic_gw):
    r = traffic_q.rates(Filters(), "fy", traffic_gw)
    assert r["label"].to_list() == ["FY2025"] * 3 + ["FY2026"] * 3
    fy26_2504 = r.row(3, named=True)
    assert (fy26_2504["port_code"], fy26_2504["measure"]) == ("2504", "Personal Vehicles")
    assert (fy26_2504["events"], fy26_2504["crossings"]) == (1, 480_000)
    assert fy26_2504["traffic_missing"] and fy26_2504["months_missing"] == 1
    assert fy26_2504["events_per_100k"] == 0.0  # Nov 2025's seizure has no traffic to divide
    assert traffic_q.missing_traffic_note(r) == (
        "No BTS traffic data after Oct 2025. FY2026 rates cover only its months with traffic. "
        "1 earlier port-fiscal year lacks a BTS row for the mode."
    )


def test_exq032_port_totals_by_hand(traffic_gw):
    t = traffic_q.port_totals(Filters(), traffic_gw)
    assert t["port_code"].to_list() == ["2604", "2504"]
    nogales, san_ysidro = t.row(0, named=True), t.row(1, named=True)
    # Nogales: all land traffic in the window (Sep 2024 is before it) = 200k + 300k.
    assert nogales["crossings"] == 500_000 and nogales["events_with_traffic"] == 3
    assert nogales["events_per_100k"] == pytest.approx(0.6)
    assert nogales["lbs_per_100k"] == pytest.approx(8.8)
    assert (nogales["months_with_traffic"], nogales["months_missing_traffic"]) == (2, 0)
    assert san_ysidro["crossings"] == 980_000 and san_ysidro["events_per_100k"] == 0.0
    assert (san_ysidro["months_with_traffic"], san_ysidro["months_missing_traffic"]) == (2, 2)
    pov = traffic_q.port_totals(Filters(mode=("land_pov",)), traffic_gw)
    assert pov["crossings"].to_list() == [450_000, 980_000]
    assert pov["events_per_100k"][0] == pytest.approx(2 / 450_000 * 100_000)


def test_exq033_no_bts_table_means_every_rate_is_missing(tiny):
    r = traffic_q.rates(Filters(), "month", tiny)
    assert r["traffic_missing"].all() and r["crossings"].null_count() == r.height
    assert traffic_q.missing_traffic_note(r) == (
        "No BTS traffic data for these months: 4 months shown without a rate."
    )
    t = traffic_q.port_totals(Filters(), tiny)
    assert t["events_per_100k"].null_count() == t.height
    assert traffic_q.missing_traffic_note(r.filter(~pl.col("traffic_missing"))) is None


# -- compare ---------------------------------------------------------------------------------
PRIOR = Period(date(2024, 10, 1), date(2024, 12, 1))
CURRENT = Period(date(2025, 10, 1), date(2025, 12, 1))


def test_exq040_compare_by_hand_ranked_by_lbs_change(tiny):
    c = compare.compare(Filters(fy=2019), PRIOR, CURRENT, "area", tiny)  # own window ignored
    assert c["key"].to_list() == [
        "tucson-sector",
        "san-diego-field-office",
        "tucson-field-office",
        "chicago-field-office",
    ]
    assert c["lbs_delta"].to_list() == pytest.approx([200.0, -94.5, 36.0, 12.0])
    assert c["events_delta"].to_list() == [1, 0, 1, 1]
    assert c["lbs_pct"].to_list() == pytest.approx([None, -0.945, 9.0, None])
    assert c["events_pct"].to_list() == pytest.approx([None, 0.0, 1.0, None])
    assert c.row(2, named=True)["events_a"] == 1 and c.row(2, named=True)["lbs_b"] == 40.0


def test_exq041_totals_and_fytd_pair(tiny):
    t = compare.totals(Filters(), PRIOR, CURRENT, tiny).row(0, named=True)
    assert (t["events_a"], t["events_b"], t["events_delta"]) == (2, 5, 3)
    assert (t["lbs_a"], t["lbs_b"]) == (104.0, 257.5)
    assert t["lbs_pct"] == pytest.approx(153.5 / 104)
    pair = compare.fytd_pair(date(2025, 12, 1))
    assert pair == (PRIOR, CURRENT) and pair.current == CURRENT
    leap = compare.fytd_pair(date(2024, 2, 29))
    assert leap.prior == Period(date(2022, 10, 1), date(2023, 2, 28))


def test_exq042_drivers_sentence(tiny):
    c = compare.compare(Filters(), PRIOR, CURRENT, "area", tiny)
    names = {"tucson-sector": "Tucson Sector"}
    assert compare.drivers_sentence(c, "area", "lbs", names=names, versus="prior FYTD") == (
        "Lbs up 148% vs prior FYTD, led by Tucson Sector (+200 lbs)."
    )
    meth = compare.compare(Filters(commodity=("methamphetamine",)), PRIOR, CURRENT, "area", tiny)
    labelled = meth.with_columns(pl.Series("label", ["San Diego", "Tucson"]))
    assert compare.drivers_sentence(labelled, "area", "lbs", subject="Methamphetamine") == (
        "Methamphetamine lbs down 70% vs the earlier period, led by San Diego (-100 lbs)."
    )
    new = compare.compare(Filters(source=("CN",)), PRIOR, CURRENT, "port", tiny)
    assert compare.drivers_sentence(new, "port", "events") == (
        "Events 1 vs none in the earlier period, led by port 4196 (+1 events)."
    )
    assert compare.drivers_sentence(c.clear(), "area", "lbs") == (
        "Lbs unchanged vs the earlier period."
    )


# -- the demo lake ---------------------------------------------------------------------------
def _count(gw: Gateway, where: str = "TRUE", params: list | None = None) -> tuple[int, float]:
    return gw.frame(
        f"SELECT count(*) AS n, coalesce(sum(lbs), 0) AS lbs FROM seizures WHERE {where}",
        params or [],
    ).row(0)


FY2025 = [date(2024, 10, 1), date(2025, 9, 30)]


@pytest.mark.slow
def test_exq050_demo_series_adds_up_and_looks_back(demo_gateway):
    n, lbs = _count(demo_gateway, "event_date BETWEEN ? AND ?", FY2025)
    month = trends.series(Filters(fy=2025), "lbs", "month", demo_gateway)
    assert month.height == 12 and month["value"].sum() == pytest.approx(lbs)
    assert month["seizure_rate"].null_count() == 0  # data starts Oct 2018, five years before
    before = trends.series(Filters(fy=2024), "lbs", "month", demo_gateway)
    assert month["prior_value"].to_list() == pytest.approx(before["value"].to_list())
    day = trends.series(Filters(fy=2025), "events", "day", demo_gateway)
    assert day.height == 365 and day["value"].sum() == n
    week = trends.series(Filters(fy=2025), "events", "week", demo_gateway)
    assert week["events"].sum() == n and week["label"].str.contains(r"^\d{4}-W\d{2}$").all()
    sentence = trends.summary_sentence(month, "lbs")
    assert sentence.startswith("Sep 2025: ") and "vs Sep 2024" in sentence


@pytest.mark.slow
def test_exq051_demo_breakdowns_add_up(demo_gateway):
    filters = Filters(fy=2025, category=("drug",))
    where = "event_date BETWEEN ? AND ? AND category = 'drug'"
    n, lbs = _count(demo_gateway, where, FY2025)
    for by, column in (("area", "area_id"), ("port", "port_code"), ("transit", "transit_country")):
        b = breakdowns.breakdown(filters, by, "lbs", n=5, gateway=demo_gateway)
        with_dim, _ = _count(demo_gateway, f"{where} AND {column} IS NOT NULL", FY2025)
        assert b["events"].sum() == with_dim
        assert b["share"].sum() == pytest.approx(1.0)
        assert (b["max_lbs"] <= b["lbs"] + 1e-9).all()
    routes = breakdowns.route_flows(filters, "lbs", n=15, gateway=demo_gateway)
    assert routes.height == 16 and routes["events"].sum() == n
    assert routes["lbs"].sum() == pytest.approx(lbs)


@pytest.mark.slow
def test_exq052_demo_traffic_rates_flag_months_after_bts(demo_gateway):
    filters = Filters(start=date(2024, 10, 1), end=date(2025, 6, 30))
    r = traffic_q.rates(filters, "month", demo_gateway)
    after = r.filter(pl.col("period") > date(2025, 2, 1))
    assert not after.is_empty() and after["traffic_missing"].all()
    assert after["events_per_100k"].null_count() == after.height
    assert r.filter(~pl.col("traffic_missing"))["events_per_100k"].null_count() == 0
    note = traffic_q.missing_traffic_note(r)
    assert note is not None and note.startswith("No BTS traffic data after Feb 2025: 4 months")
    t = traffic_q.port_totals(filters, demo_gateway)
    land, _ = _count(
        demo_gateway,
        "event_date BETWEEN ? AND ? AND port_code IS NOT NULL AND mode LIKE 'land_%'",
        [date(2024, 10, 1), date(2025, 6, 30)],
    )
    assert t["events"].sum() == land == r["events"].sum()
    assert t["months_with_traffic"].max() <= 5  # Oct 2024 - Feb 2025
    ranked = t["events_per_100k"].drop_nulls()
    assert ranked.to_list() == sorted(ranked.to_list(), reverse=True)


@pytest.mark.slow
def test_exq053_demo_compare_matches_totals(demo_gateway, pinned_today):
    a, b = compare.fytd_pair(pinned_today)
    c = compare.compare(Filters(), a, b, "area", demo_gateway)
    t = compare.totals(Filters(), a, b, demo_gateway).row(0, named=True)
    assert c["events_a"].sum() == t["events_a"] and c["events_b"].sum() == t["events_b"]
    assert c["lbs_delta"].sum() == pytest.approx(t["lbs_delta"])
    n_b, _ = _count(demo_gateway, "event_date BETWEEN ? AND ?", [b.start, b.end])
    assert t["events_b"] == n_b
    deltas = c["lbs_delta"].abs().to_list()
    assert deltas == sorted(deltas, reverse=True)
    sentence = compare.drivers_sentence(c, "area", "lbs", total=t, versus="prior FYTD")
    assert sentence.startswith("Lbs ") and "vs prior FYTD" in sentence
