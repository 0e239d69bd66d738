"""The Filters URL codec: round trips, rejection of unknown values, and bound-parameter SQL."""

from __future__ import annotations

from datetime import date

import pytest

from components import url_state
from queries.filters import (
    SEIZURE_TARGET,
    SHIPMENT_TARGET,
    SPECS,
    FilterError,
    Filters,
    all_field_names,
    predicate,
    shift_year,
    whole_months,
)


def test_flt001_every_spec_is_a_field_and_back():
    assert tuple(s.key for s in SPECS) == all_field_names()


@pytest.mark.parametrize(
    "filters",
    [
        Filters(),
        Filters(fy=2024),
        Filters(start=date(2024, 1, 1), end=date(2024, 3, 31)),
        Filters(area=("laredo-field-office", "tucson-field-office"), mode=("land_truck",)),
        Filters(port=("2604", "4701-IMF"), commodity=("fentanyl_pills",), category=("drug",)),
        Filters(source=("CN", "MX"), transit=("HK",), component=("OFO",), fy=2023),
    ],
)
def test_flt002_query_string_round_trip(filters):
    text = filters.to_query_string()
    assert Filters.from_query_string(text) == filters
    assert Filters.from_query_string(text).to_query_string() == text


def test_flt003_values_are_sorted_and_deduplicated():
    parsed = Filters.from_query(
        {"area": "tucson-field-office,laredo-field-office,tucson-field-office"}
    )
    assert parsed.area == ("laredo-field-office", "tucson-field-office")


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ({"area": "atlantis-field-office"}, "unknown value 'atlantis-field-office'"),
        ({"port": "9999"}, "Port: unknown value '9999'"),
        ({"source": "XX"}, "Source country: unknown value 'XX'"),
        ({"mode": "teleport"}, "Mode: unknown value 'teleport'"),
        ({"fy": "20x4"}, "not a fiscal year"),
        ({"start": "2024-13-01"}, "not a date"),
        ({"commodity": "fentanyl'; DROP TABLE seizures; --"}, "unknown value"),
    ],
)
def test_flt004_unknown_values_are_rejected_with_a_message(query, fragment):
    with pytest.raises(FilterError) as caught:
        Filters.from_query(query)
    assert fragment in str(caught.value)


def test_flt005_all_problems_reported_at_once():
    with pytest.raises(FilterError) as caught:
        Filters.from_query({"mode": "x", "source": "YY"})
    assert "Mode" in str(caught.value) and "Source country" in str(caught.value)


def test_flt006_strict_rejects_unknown_keys():
    assert Filters.from_query({"utm_source": "mail"}) == Filters()
    with pytest.raises(FilterError, match="unknown parameter 'utm_source'"):
        Filters.from_query({"utm_source": "mail"}, strict=True)


def test_flt007_start_after_end_is_refused():
    with pytest.raises(FilterError, match="after"):
        Filters.from_query({"start": "2024-05-01", "end": "2024-04-01"})


def test_flt008_predicate_binds_every_value():
    filters = Filters(fy=2024, area=("tucson-field-office",), source=("MX",))
    where = predicate(filters, SEIZURE_TARGET)
    assert "tucson" not in where.sql and "MX" not in where.sql
    assert where.sql.count("?") == len(where.params) == 4
    assert where.params[:2] == [date(2023, 10, 1), date(2024, 9, 30)]


def test_flt009_predicate_reports_filters_a_table_cannot_apply():
    filters = Filters(commodity=("fentanyl_pills",), port=("2604",))
    where = predicate(filters, SHIPMENT_TARGET)
    assert where.not_applied == ("commodity",)
    assert "port_code" in where.sql


def test_flt010_period_intersects_fiscal_year_and_dates():
    filters = Filters(fy=2024, start=date(2024, 6, 1))
    assert filters.period() == (date(2024, 6, 1), date(2024, 9, 30))


def test_flt011_chip_removal_and_addition():
    filters = Filters(area=("laredo-field-office", "tucson-field-office"), fy=2024)
    assert filters.without("area", "tucson-field-office").area == ("laredo-field-office",)
    assert filters.without("fy").fy is None
    assert filters.with_value("mode", "land_pov").mode == ("land_pov",)
    with pytest.raises(FilterError):
        filters.with_value("mode", "warp")


def test_flt012_url_state_keeps_measure_and_reports_bad_links():
    text = url_state.build(Filters(fy=2025), "events")
    filters, measure, error = url_state.parse(text)
    assert (filters.fy, measure, error) == (2025, "events", None)
    filters, measure, error = url_state.parse("?fy=2025&measure=kilos&bogus=1")
    assert filters == Filters()  # a bad link is reported, never half-applied
    assert "Measure" in error and "bogus" in error


def test_flt013_shift_year_handles_leap_day():
    assert shift_year(date(2024, 2, 29), -1) == date(2023, 2, 28)
    assert shift_year(date(2025, 10, 1), -1) == date(2024, 10, 1)


@pytest.mark.parametrize(
    ("lo", "hi", "whole"),
    [
        (None, None, True),
        (date(2024, 10, 1), date(2025, 9, 30), True),  # a fiscal year
        (date(2024, 2, 1), date(2024, 2, 29), True),  # a leap February
        (date(2023, 2, 1), date(2023, 2, 28), True),
        (None, date(9999, 12, 31), True),  # the last representable day
        (date(2024, 10, 2), None, False),
        (date(2024, 10, 1), date(2025, 9, 29), False),
        (date(2024, 2, 1), date(2024, 2, 28), False),
    ],
)
def test_flt014_whole_months_are_told_from_ragged_windows(lo, hi, whole):
    assert whole_months(lo, hi) is whole
