"""The public filters CBP's own dashboard has (component, field office or sector, measure), the
yearly totals by drug, and the Modes page's drug and measure choices."""

from __future__ import annotations

import csv
import io
import json

import polars as pl
import pytest

from public import extract as px
from public.shell import consistent_filters
from tests.public_helpers import fetch, route


def headline_value(q: px.PublicQuery, info, gw, measure: str) -> float:
    rows = px.headline(q, info, gw)
    return rows.filter(pl.col("measure") == measure)["value"][0]


def test_pfl001_components_and_offices_add_up_to_the_places_above_them(public_gw, info):
    fentanyl = "Fentanyl, pounds"
    nation = headline_value(px.PublicQuery(), info, public_gw, fentanyl)
    ofo = headline_value(px.PublicQuery(component="OFO"), info, public_gw, fentanyl)
    usbp = headline_value(px.PublicQuery(component="USBP"), info, public_gw, fentanyl)
    assert ofo > 0 and usbp > 0 and ofo + usbp == pytest.approx(nation, abs=0.05)
    sw = px.PublicQuery(region="Southwest Border", component="USBP")
    sectors = px.areas(
        px.PublicQuery(region="Southwest Border", component="USBP", drug="Fentanyl"),
        info,
        public_gw,
    )
    assert set(sectors["component"]) == {"USBP"} and set(sectors["region"]) == {"Southwest Border"}
    assert sectors["lbs"].sum() == pytest.approx(
        headline_value(sw, info, public_gw, fentanyl), abs=0.05
    )
    tucson = next(a for a in info.areas if a.name == "Tucson Sector")
    one = px.PublicQuery(area=tucson, drug="Fentanyl")
    assert px.areas(one, info, public_gw)["name"].to_list() == ["Tucson Sector"]
    assert headline_value(one, info, public_gw, fentanyl) == pytest.approx(
        sectors.filter(pl.col("name") == "Tucson Sector")["lbs"][0]
    )


def test_pfl002_links_are_checked_against_the_offices_and_the_measures(info):
    tucson = px.parse({"area": "tucson-sector", "component": "usbp"}, info)
    assert tucson.area.name == "Tucson Sector" and tucson.geo == tucson.area.area_id
    assert px.parse({"region": "northern-border", "component": "ofo"}, info).geo == (
        "Northern Border|OFO"
    )
    assert px.parse({"drug": "fentanyl", "measure": "doses"}, info).value == "doses"
    for bad, why in (
        ({"area": "atlantis-sector"}, "unknown field office"),
        ({"area": "tucson-sector", "region": "northern-border"}, "not in the Northern Border"),
        ({"area": "tucson-sector", "component": "ofo"}, "not part of Field Operations"),
        ({"component": "amo"}, "unknown component"),
        ({"measure": "dollars"}, "unknown measure"),
        ({"drug": "cocaine", "measure": "doses"}, "fentanyl only"),
        ({"measure": "doses"}, "fentanyl only"),
    ):
        with pytest.raises(px.BadQuery, match=why):
            px.parse(bad, info)


def test_pfl003_changing_one_filter_keeps_the_others_consistent(info):
    tucson = {"area": "tucson-sector"}
    assert consistent_filters(tucson, "area", info) == {
        "area": "tucson-sector",
        "region": "southwest-border",
        "component": "usbp",
    }
    moved = {"area": "tucson-sector", "region": "northern-border", "component": "usbp"}
    assert consistent_filters(moved, "region", info) == {
        "region": "northern-border",
        "component": "usbp",
    }
    switched = {"area": "tucson-sector", "region": "southwest-border", "component": "ofo"}
    assert "area" not in consistent_filters(switched, "component", info)
    assert consistent_filters({"drug": "cocaine", "measure": "doses"}, "drug", info) == {
        "drug": "cocaine"
    }
    kept = {"drug": "fentanyl", "measure": "doses"}
    assert consistent_filters(kept, "fy", info) == kept


def test_pfl004_yearly_totals_by_drug_are_the_drug_mix_of_each_year(public_gw, info):
    q = px.PublicQuery(region="Southwest Border", component="OFO")
    yearly = px.yearly_by_drug(q, info, public_gw)
    assert set(yearly["fiscal_year"]) == set(info.fiscal_years)
    for fy in (info.fiscal_years[0], info.latest_fy):
        mix = px.drug_mix(
            px.PublicQuery(fy=fy, region=q.region, component=q.component), info, public_gw
        )
        year = yearly.filter((pl.col("fiscal_year") == fy) & (pl.col("drug_type") != "All drugs"))
        joined = year.join(mix, on="drug_type", suffix="_mix")
        assert joined.height == len(px.DRUG_TYPES)
        assert (joined["lbs"] - joined["lbs_mix"]).abs().max() < 1e-6
        total = yearly.filter((pl.col("fiscal_year") == fy) & (pl.col("drug_type") == "All drugs"))
        assert total["events"][0] == year["events"].sum()


def test_pfl005_the_modes_page_shows_fentanyl_pounds_by_mode(public_site, public_gw, info):
    status, _, body = route(public_site, "/modes", "?drug=fentanyl")
    assert status == 200
    year = info.latest_fy
    assert f"Pounds of fentanyl by mode, FY{year}" in body
    status, _, text = fetch(public_site, "/download/modes.csv?drug=fentanyl")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["commodity"] for r in rows} == {"Fentanyl"}
    assert {r["fiscal_year"] for r in rows} == {str(year)}
    truth = public_gw.frame(
        "SELECT mode, lbs FROM modes_cube WHERE commodity = 'Fentanyl' AND fiscal_year = ? "
        "AND NOT suppressed",
        [year],
    )
    shown = {r["mode"]: float(r["lbs"]) for r in rows if r["lbs"] != "suppressed"}
    assert len(shown) == truth.height > 1
    assert sum(shown.values()) == pytest.approx(truth["lbs"].sum(), abs=0.05)
    doses = route(public_site, "/modes", "?drug=fentanyl&measure=doses")[2]
    assert "Potential doses of fentanyl seized, by mode" in doses and "Doses, high" in doses
    events = route(public_site, "/modes", "?measure=events")[2]
    assert f"Seizure events of drugs by mode, FY{year}" in events
    years = list(csv.DictReader(io.StringIO(fetch(public_site, "/download/modes-years.csv")[2])))
    assert {int(r["fiscal_year"]) for r in years} == set(info.modelled_years)
    other = list(csv.DictReader(io.StringIO(fetch(public_site, "/download/modes-other.csv")[2])))
    found = {r["commodity"] for r in other}
    assert "Precursor chemicals" in found and found <= set(px.MODES_OTHER)
    assert all(r["mode"] == "All modes" or r["events"] for r in other)


def test_pfl006_every_page_takes_the_new_filters_and_says_so(public_site):
    search = "?region=southwest-border&component=usbp&area=tucson-sector"
    for page in ("/", "/trends", "/map", "/doses"):
        status, _, body = route(public_site, page, search)
        assert status == 200, page
        assert "Tucson Sector" in json.dumps(json.loads(body)), page
        assert "This link is not valid" not in body, page
    modes = route(public_site, "/modes", search + "&drug=cocaine")[2]
    assert "Mode figures are national" in modes and "showing all drugs, not cocaine" in modes
    overview = route(public_site, "/", "?drug=fentanyl&measure=events")[2]
    assert "Seizure events of fentanyl by fiscal year" in overview
