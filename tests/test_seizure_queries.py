"""Named seizure queries on a tiny lake whose answers are worked out by hand (see TINY_ROWS)."""

from __future__ import annotations

from datetime import date

import pytest

from queries import breakdowns, seizure_stats
from queries.engine.sql import monthly_trend_sql
from queries.filters import Filters
from queries.gateway import Gateway
from queries.readonly import ReadOnlyError, check_select, run_select


@pytest.fixture(scope="module")
def gw(tiny_lake) -> Gateway:
    return Gateway(tiny_lake)


def test_qry001_as_of_is_latest_event(gw):
    assert seizure_stats.as_of(gw) == date(2025, 12, 1)


def test_qry002_fytd_period_and_prior_year(gw):
    period = seizure_stats.current_period(Filters(), date(2025, 12, 1))
    assert (period.start, period.end) == (date(2025, 10, 1), date(2025, 12, 1))
    prior = period.prior_year()
    assert (prior.start, prior.end) == (date(2024, 10, 1), date(2024, 12, 1))


def test_qry003_kpis_by_hand(gw):
    period = seizure_stats.current_period(Filters(), date(2025, 12, 1))
    row = seizure_stats.kpis(Filters(), period, gw).row(0, named=True)
    # FYTD: T1..T5 -> 5 events, 10+30+5.5+200+12 lbs, fentanyl T1+T3, pills T1.
    assert row["events"] == 5
    assert row["lbs"] == pytest.approx(257.5)
    assert row["fentanyl_lbs"] == pytest.approx(15.5)
    assert row["pills"] == 45_000
    # Same days a year earlier: T6, T7.
    assert (row["events_prior"], row["lbs_prior"], row["pills_prior"]) == (2, 104.0, 18_000)
    assert row["fentanyl_lbs_prior"] == pytest.approx(4.0)


def test_qry004_kpis_follow_filters(gw):
    filters = Filters(area=("tucson-field-office",))
    period = seizure_stats.current_period(filters, date(2025, 12, 1))
    row = seizure_stats.kpis(filters, period, gw).row(0, named=True)
    assert (row["events"], row["lbs"], row["events_prior"]) == (2, 40.0, 1)


def test_qry004b_a_window_longer_than_a_year_counts_shared_days_in_both_periods(gw):
    filters = Filters(start=date(2024, 1, 1))
    period = seizure_stats.current_period(filters, date(2025, 12, 1))
    prior = period.prior_year()
    assert prior.end > period.start  # the two periods overlap
    row = seizure_stats.kpis(filters, period, gw).row(0, named=True)
    count = "SELECT count(*) FROM seizures WHERE event_date BETWEEN ? AND ?"
    in_period = gw.scalar(count, [period.start, period.end])
    in_prior = gw.scalar(count, [prior.start, prior.end])
    shared = gw.scalar(count, [period.start, prior.end])
    assert shared > 0
    assert (row["events"], row["events_prior"]) == (in_period, in_prior)


def test_qry005_monthly_trend_by_hand(gw):
    trend = seizure_stats.monthly_trend(Filters(fy=2026), gw)
    assert trend["month"].to_list() == [date(2025, 10, 1), date(2025, 11, 1), date(2025, 12, 1)]
    assert trend["events"].to_list() == [2, 2, 1]
    assert trend["lbs"].to_list() == pytest.approx([40.0, 205.5, 12.0])
    assert trend["fentanyl_lbs"].to_list() == pytest.approx([10.0, 5.5, 0.0])


def test_qry005b_trend_from_the_monthly_rollup_equals_the_events(gw):
    """A window of whole months is summed from ``seizures_monthly``; any other from the events.
    The data ends in December 2025, so both windows below hold the same events."""
    whole = Filters(fy=2026, area=("tucson-field-office", "san-diego-field-office"))
    ragged = Filters(
        start=date(2025, 10, 1),
        end=date(2026, 9, 29),
        area=("tucson-field-office", "san-diego-field-office"),
    )
    assert "seizures_monthly" in monthly_trend_sql(whole)[0]
    assert "seizures_periods" in monthly_trend_sql(ragged)[0]
    from_cells = seizure_stats.monthly_trend(whole, gw)
    from_events = seizure_stats.monthly_trend(ragged, gw)
    assert from_cells["events"].sum() > 0
    assert from_cells.drop("lbs", "fentanyl_lbs").equals(from_events.drop("lbs", "fentanyl_lbs"))
    for column in ("lbs", "fentanyl_lbs"):
        assert from_cells[column].to_list() == pytest.approx(from_events[column].to_list())


def test_qry005c_a_window_inside_a_month_counts_only_its_days(gw):
    window = Filters(start=date(2025, 11, 2), end=date(2025, 12, 30))
    trend = seizure_stats.monthly_trend(window, gw)
    by_hand = gw.frame(
        "SELECT date_trunc('month', event_date)::DATE AS month, count(*) AS events "
        "FROM seizures WHERE event_date BETWEEN ? AND ? GROUP BY 1 ORDER BY 1",
        [date(2025, 11, 2), date(2025, 12, 30)],
    )
    assert trend.select("month", "events").rows() == by_hand.rows()


def test_qry006_top_with_all_others_adds_up(gw):
    top = breakdowns.breakdown(Filters(), "area", "lbs", n=2, gateway=gw)
    assert top["key"].to_list() == ["tucson-sector", "san-diego-field-office", "__others__"]
    assert top["value"].to_list() == pytest.approx([200.0, 105.5, 56.0])
    assert top["members"].to_list() == [1, 1, 2]
    assert top["events"].sum() == 7  # nothing silently dropped


def test_qry007_top_ports_skips_between_ports(gw):
    top = breakdowns.breakdown(Filters(), "port", "events", n=10, gateway=gw)
    assert dict(zip(top["key"], top["events"], strict=True)) == {"2604": 3, "2504": 2, "4196": 1}


def test_qry008_commodity_mix_by_hand(gw):
    mix = seizure_stats.commodity_mix(Filters(category=("drug",)), gw)
    counts = dict(zip(mix["commodity"], mix["events"], strict=True))
    assert counts == {
        "fentanyl_pills": 2,
        "methamphetamine": 2,
        "fentanyl_powder": 1,
        "marijuana": 1,
    }


def test_qry009_filters_on_countries_and_dates(gw):
    trend = seizure_stats.monthly_trend(
        Filters(source=("CN",), start=date(2025, 1, 1), end=date(2025, 12, 31)), gw
    )
    assert trend["events"].to_list() == [1]


def test_qry010_empty_result_is_an_empty_frame(gw):
    assert seizure_stats.monthly_trend(Filters(transit=("ZA",)), gw).is_empty()
    assert breakdowns.breakdown(Filters(transit=("ZA",)), "area", gateway=gw).is_empty()


def test_qry011_read_only_sql_refuses_writes(gw):
    for statement in (
        "COPY (SELECT 1) TO 'x.csv'",
        "CREATE TABLE t AS SELECT 1",
        "ATTACH 'x.duckdb'",
        "SELECT 1; SELECT 2",
        "INSTALL httpfs",
    ):
        with pytest.raises(ReadOnlyError):
            check_select(statement)
    rows = run_select("SELECT seizure_id FROM seizures ORDER BY 1", gw, limit=3)
    assert rows.frame["seizure_id"].to_list() == ["T1", "T2", "T3"] and rows.truncated


def test_qry012_reference_views_exist(gw):
    assert gw.scalar("SELECT count(*) FROM areas") == 41
    assert gw.scalar("SELECT name FROM countries WHERE country = 'MX'") == "Mexico"
    assert not gw.has("shipments")  # only built tables get views
