"""The emerging-threat keys read as names, like the rest of the Targeting page: "Colombia →
Panama → between ports → Vessel", not "CO > PA > between ports > sea_vessel"."""

from __future__ import annotations

import duckdb

from pages.targeting.emerging_threats import key_label, route_label
from queries import emerging_counts


def test_tcd001_a_shipment_route_names_its_countries_port_and_mode():
    assert key_label("route", "CN > direct > 2704 > express") == (
        "China → direct → Port of Los Angeles → Express consignment"
    )


def test_tcd002_a_seizure_route_names_its_commodity_and_keeps_the_missing_words():
    assert key_label("commodity_route", "cocaine > CO > PA > between ports > sea_vessel") == (
        "Cocaine: Colombia → Panama → between ports → Vessel"
    )
    assert route_label("? > direct > 2504 > land_pov") == (
        "unknown source → direct → San Ysidro → Personal vehicle"
    )


def test_tcd003_an_unknown_shape_is_shown_as_it_is():
    assert route_label("CN > direct") == "CN > direct"
    assert key_label("route", "XX > direct > 9999 > teleport") == "XX → direct → 9999 → teleport"


def test_tcd004_the_labels_read_the_keys_the_signals_build():
    """The keys come from ``emerging_counts``' SQL: build one with DuckDB and read it back."""
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE t AS SELECT 'MX' AS origin_country, NULL::VARCHAR AS transit_country, "
        "'2504' AS port_code, 'land_truck' AS mode, 'fentanyl_powder' AS commodity, "
        "NULL::VARCHAR AS source_country"
    )
    route = con.execute(f"SELECT {emerging_counts.ROUTE} FROM t").fetchone()[0]  # noqa: S608
    assert route_label(route) == "Mexico → direct → San Ysidro → Commercial truck"
    seizure = con.execute(f"SELECT {emerging_counts.SEIZURE_ROUTE} FROM t").fetchone()[0]  # noqa: S608
    assert key_label("commodity_route", seizure).endswith(
        ": unknown source → direct → San Ysidro → Commercial truck"
    )
