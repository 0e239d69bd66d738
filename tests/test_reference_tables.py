"""Invariants of the committed reference tables in data/reference/.

The tables are hand-curated from public sources (see data/reference/SOURCES.md);
these tests pin the facts the rest of the product relies on.
"""

import csv
import re
from pathlib import Path

import pytest

REF = Path(__file__).parents[1] / "data" / "reference"

AREA_COLUMNS = [
    "area_id",
    "name",
    "component",
    "region",
    "kind",
    "hq_city",
    "hq_state",
    "latitude",
    "longitude",
]
PORT_COLUMNS = [
    "port_code",
    "name",
    "state",
    "area_id",
    "region",
    "port_type",
    "border",
    "latitude",
    "longitude",
    "source",
]
COMMODITY_COLUMNS = [
    "commodity_id",
    "name",
    "category",
    "cbp_drug_type",
    "unit",
    "hts_codes",
    "dea_control",
    "lethal_dose_mg",
    "lethal_dose_source",
    "description_terms",
    "source",
]

REGIONS = {"Southwest Border", "Northern Border", "Coastal/Interior"}

# The 41 distinct "Area of Responsibility" values of the CBP nationwide drug
# seizure files (FY2019-FY2026 Dec vintages), with their Component.
OFO_AREAS = {
    "ATLANTA FIELD OFFICE",
    "BALTIMORE FIELD OFFICE",
    "BOSTON FIELD OFFICE",
    "BUFFALO FIELD OFFICE",
    "CHICAGO FIELD OFFICE",
    "DETROIT FIELD OFFICE",
    "EL PASO FIELD OFFICE",
    "HOUSTON FIELD OFFICE",
    "LAREDO FIELD OFFICE",
    "LOS ANGELES FIELD OFFICE",
    "MIAMI FIELD OFFICE",
    "NEW ORLEANS FIELD OFFICE",
    "NEW YORK FIELD OFFICE",
    "PORTLAND FIELD OFFICE",
    "PRECLEARANCE FIELD OFFICE",
    "SAN DIEGO FIELD OFFICE",
    "SAN FRANCISCO FIELD OFFICE",
    "SAN JUAN FIELD OFFICE",
    "SEATTLE FIELD OFFICE",
    "TAMPA FIELD OFFICE",
    "TUCSON FIELD OFFICE",
}
USBP_AREAS = {
    "BIG BEND SECTOR",
    "BLAINE SECTOR",
    "BUFFALO SECTOR",
    "DEL RIO SECTOR",
    "DETROIT SECTOR",
    "EL CENTRO SECTOR",
    "EL PASO SECTOR",
    "GRAND FORKS SECTOR",
    "HAVRE SECTOR",
    "HOULTON SECTOR",
    "LAREDO SECTOR",
    "MIAMI SECTOR",
    "NEW ORLEANS SECTOR",
    "RAMEY SECTOR",
    "RIO GRANDE VALLEY SECTOR",
    "SAN DIEGO SECTOR",
    "SPOKANE SECTOR",
    "SWANTON SECTOR",
    "TUCSON SECTOR",
    "YUMA SECTOR",
}

# The 28 US-Mexico land ports of the BTS Border Crossing Entry Data file.
US_MEXICO_PORTS = {
    "2301", "2302", "2303", "2304", "2305", "2307", "2309", "2310",
    "2401", "2402", "2403", "2404", "2406", "2408", "2410",
    "2502", "2503", "2504", "2505", "2506", "2507", "2582",
    "2601", "2602", "2603", "2604", "2606", "2608",
}  # fmt: skip

# Southwest-border district prefixes and the field office that runs them.
SW_PREFIX_TO_AREA = {
    "23": "laredo-field-office",
    "24": "el-paso-field-office",
    "25": "san-diego-field-office",
    "26": "tucson-field-office",
}

PORT_TYPES = {"land", "sea", "air", "imf", "ecf"}

# Airports hosting the USPS international service centres where CBP runs an IMF.
IMF_HOST_AIRPORTS = {"4701", "3901", "5206", "2720", "2801"}

CBP_DRUG_TYPES = {
    "Cocaine",
    "Ecstasy",
    "Fentanyl",
    "Heroin",
    "Ketamine",
    "Khat (Catha Edulis)",
    "Lsd",
    "Marijuana",
    "Methamphetamine",
    "Other Drugs**",
}
CATEGORIES = {"drug", "precursor", "equipment", "other"}
UNITS = {"lbs", "pills", "pieces"}
REQUIRED_COMMODITIES = {
    "cocaine",
    "ecstasy",
    "fentanyl_powder",
    "fentanyl_pills",
    "heroin",
    "ketamine",
    "khat",
    "lsd",
    "marijuana",
    "methamphetamine",
    "other_drugs",
    "xylazine",
    "nitazenes",
    "4_ap",
    "1_boc_4_ap",
    "npp",
    "anpp",
    "norfentanyl",
    "propionyl_chloride",
    "benzylfentanyl",
    "4_piperidone",
    "pill_press",
    "encapsulating_machine",
    "die_set",
    "press_parts",
}

HTS_RE = re.compile(r"^\d{4}\.\d{2}(\.\d{2,4})*$")
COORD_RE = re.compile(r"^-?\d{1,3}\.\d{4}$")


def _read(name):
    with open(REF / name, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        return reader.fieldnames, list(reader)


@pytest.fixture(scope="module")
def areas():
    return _read("areas.csv")


@pytest.fixture(scope="module")
def ports():
    return _read("ports.csv")


@pytest.fixture(scope="module")
def commodities():
    return _read("commodities.csv")


@pytest.fixture(scope="module")
def area_by_id(areas):
    return {a["area_id"]: a for a in areas[1]}


def _in_us_box(lat, lon):
    return 17.0 <= float(lat) <= 72.0 and -180.0 <= float(lon) <= -64.0


# ------------------------------------------------------------------ areas


def test_ref001_areas_columns_and_row_count(areas):
    cols, rows = areas
    assert cols == AREA_COLUMNS
    assert len(rows) == 41


def test_ref002_area_ids_unique_and_slug_of_name(areas):
    _, rows = areas
    ids = [r["area_id"] for r in rows]
    assert len(ids) == len(set(ids))
    for r in rows:
        assert r["area_id"] == re.sub(r"[^a-z0-9]+", "-", r["name"].lower()).strip("-")


def test_ref003_area_names_match_cbp_files(areas):
    _, rows = areas
    assert {r["name"] for r in rows} == OFO_AREAS | USBP_AREAS
    for r in rows:
        expected = "OFO" if r["name"] in OFO_AREAS else "USBP"
        assert r["component"] == expected, r["name"]


def test_ref004_area_enums_and_component_counts(areas):
    _, rows = areas
    for r in rows:
        assert r["component"] in {"OFO", "USBP"}
        assert r["region"] in REGIONS
        assert r["kind"] == {"OFO": "field_office", "USBP": "sector"}[r["component"]]
    counts = {c: sum(r["component"] == c for r in rows) for c in ("OFO", "USBP")}
    assert counts == {"OFO": 21, "USBP": 20}


def test_ref005_area_hq_location_plausible(areas):
    _, rows = areas
    for r in rows:
        assert r["hq_city"].strip(), r["area_id"]
        assert re.fullmatch(r"[A-Z]{2}", r["hq_state"]), r["area_id"]
        assert COORD_RE.match(r["latitude"]) and COORD_RE.match(r["longitude"])
        assert _in_us_box(r["latitude"], r["longitude"]), r["area_id"]
    by_name = {r["name"]: r for r in rows}
    assert by_name["PRECLEARANCE FIELD OFFICE"]["hq_state"] == "DC"
    assert by_name["SAN JUAN FIELD OFFICE"]["hq_state"] == "PR"
    assert by_name["RAMEY SECTOR"]["hq_state"] == "PR"


# ------------------------------------------------------------------ ports


def test_ref010_ports_columns_and_unique_codes(ports):
    cols, rows = ports
    assert cols == PORT_COLUMNS
    codes = [r["port_code"] for r in rows]
    # A 4-digit Schedule D code; an international mail facility is keyed by its host port's code
    # plus "-IMF" (it reports under that code; see SOURCES.md).
    assert all(re.fullmatch(r"\d{4}(-IMF)?", c) for c in codes), codes
    assert len(codes) == len(set(codes))


def test_ref011_port_type_and_border(ports):
    _, rows = ports
    for r in rows:
        assert r["port_type"] in PORT_TYPES, r["port_code"]
        if r["port_type"] == "land":
            assert r["border"] in {"US-Mexico", "US-Canada"}, r["port_code"]
        else:
            assert r["border"] == "", r["port_code"]
        assert re.fullmatch(r"[A-Z]{2}", r["state"]), r["port_code"]
        assert r["name"].strip() and r["source"].strip(), r["port_code"]


def test_ref012_port_area_is_ofo_and_region_matches(ports, area_by_id):
    _, rows = ports
    for r in rows:
        area = area_by_id.get(r["area_id"])
        assert area is not None, r["port_code"]
        assert area["component"] == "OFO", r["port_code"]
        assert r["region"] == area["region"], r["port_code"]


def test_ref013_us_mexico_land_ports_are_the_28_bts_ports(ports):
    _, rows = ports
    mx = [r for r in rows if r["border"] == "US-Mexico"]
    assert len(mx) == 28
    assert {r["port_code"] for r in mx} == US_MEXICO_PORTS
    for r in mx:
        assert r["area_id"] == SW_PREFIX_TO_AREA[r["port_code"][:2]], r["port_code"]
        assert r["region"] == "Southwest Border"
        assert r["source"] == "bts"


def test_ref014_at_least_30_us_canada_land_ports(ports):
    _, rows = ports
    ca = [r for r in rows if r["border"] == "US-Canada"]
    assert len(ca) >= 30
    assert all(r["region"] == "Northern Border" for r in ca)


def test_ref015_express_hubs_and_mail_facility_hosts(ports):
    _, rows = ports
    by_code = {r["port_code"]: r for r in rows}
    assert sum(r["port_type"] == "ecf" for r in rows) >= 1
    # Memphis (FedEx), Louisville (UPS), CVG (DHL), Indianapolis (FedEx)
    for code in ("2095", "4196", "4197", "4198"):
        assert by_code[code]["port_type"] == "ecf", code
    # No IMF has a Schedule D code of its own: each is keyed "<host>-IMF" beside its host airport.
    for code in IMF_HOST_AIRPORTS:
        assert by_code[code]["port_type"] == "air", code
        imf = by_code[f"{code}-IMF"]
        assert imf["port_type"] == "imf", code
        assert imf["area_id"] == by_code[code]["area_id"], code


def test_ref016_every_field_office_except_preclearance_has_a_port(ports, areas):
    _, port_rows = ports
    _, area_rows = areas
    with_ports = {r["area_id"] for r in port_rows}
    for a in area_rows:
        if a["component"] != "OFO":
            continue
        if a["area_id"] == "preclearance-field-office":
            assert a["area_id"] not in with_ports
        else:
            assert a["area_id"] in with_ports, a["area_id"]


def test_ref017_port_coordinates_in_us_box(ports):
    _, rows = ports
    for r in rows:
        assert COORD_RE.match(r["latitude"]) and COORD_RE.match(r["longitude"])
        assert _in_us_box(r["latitude"], r["longitude"]), r["port_code"]


# ------------------------------------------------------------ commodities


def test_ref020_commodities_columns_unique_and_required(commodities):
    cols, rows = commodities
    assert cols == COMMODITY_COLUMNS
    ids = [r["commodity_id"] for r in rows]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z0-9_]+", i) for i in ids), ids
    missing = REQUIRED_COMMODITIES - set(ids)
    assert not missing, sorted(missing)


def test_ref021_category_and_cbp_drug_type(commodities):
    _, rows = commodities
    for r in rows:
        assert r["category"] in CATEGORIES, r["commodity_id"]
        if r["category"] in {"precursor", "equipment"}:
            assert r["cbp_drug_type"] == "", r["commodity_id"]
        elif r["cbp_drug_type"]:
            assert r["cbp_drug_type"] in CBP_DRUG_TYPES, r["commodity_id"]
    assert {r["cbp_drug_type"] for r in rows if r["cbp_drug_type"]} == CBP_DRUG_TYPES
    by_id = {r["commodity_id"]: r for r in rows}
    assert by_id["fentanyl_powder"]["cbp_drug_type"] == "Fentanyl"
    assert by_id["fentanyl_pills"]["cbp_drug_type"] == "Fentanyl"
    for cid in ("other_drugs", "xylazine", "nitazenes"):
        assert by_id[cid]["cbp_drug_type"] == "Other Drugs**", cid


def test_ref022_units(commodities):
    _, rows = commodities
    for r in rows:
        assert r["unit"] in UNITS, r["commodity_id"]
        if r["category"] == "equipment":
            assert r["unit"] == "pieces", r["commodity_id"]
    assert {r["commodity_id"] for r in rows if r["unit"] == "pills"} == {"fentanyl_pills"}


def test_ref023_fentanyl_lethal_dose(commodities):
    _, rows = commodities
    by_id = {r["commodity_id"]: r for r in rows}
    for cid in ("fentanyl_powder", "fentanyl_pills"):
        assert float(by_id[cid]["lethal_dose_mg"]) == 2, cid
    for r in rows:
        if r["lethal_dose_mg"]:
            assert float(r["lethal_dose_mg"]) > 0
            assert r["lethal_dose_source"].strip(), r["commodity_id"]


def test_ref024_hts_codes_format(commodities):
    _, rows = commodities
    for r in rows:
        if not r["hts_codes"]:
            continue
        for code in r["hts_codes"].split(";"):
            assert HTS_RE.match(code), (r["commodity_id"], code)
    by_id = {r["commodity_id"]: r for r in rows}
    assert "2933.33" in by_id["fentanyl_powder"]["hts_codes"].split(";")


def test_ref025_description_terms_lower_case(commodities):
    _, rows = commodities
    for r in rows:
        terms = [t for t in r["description_terms"].split(";") if t]
        assert all(t == t.lower() and t == t.strip() for t in terms), r["commodity_id"]
        if r["commodity_id"] != "other_drugs":
            assert terms, r["commodity_id"]


# --------------------------------------------------------------- sources


def test_ref030_every_source_tag_is_documented(ports, commodities):
    doc = (REF / "SOURCES.md").read_text(encoding="utf-8")
    tags = {r["source"] for r in ports[1]}
    for r in commodities[1]:
        tags.update(t for t in r["source"].split(";") if t)
    assert tags
    missing = sorted(t for t in tags if f"`{t}`" not in doc)
    assert not missing, missing
