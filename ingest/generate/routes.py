"""Modelled facts the public data lacks: which countries a drug comes from and through, how it
travels at a port, and how it is hidden.

Each table is a plain mapping from a situation to weighted choices, so the assumptions can be read
and argued with in one place. They follow the broad picture in public reporting (DEA National Drug
Threat Assessments, CBP press releases): fentanyl, methamphetamine and heroin cross the southwest
land border from Mexico; cocaine comes from Colombia, Peru and Bolivia through Central America,
Mexico and the Caribbean; precursors and pill presses ship from China (some India) by express and
mail; ecstasy, ketamine and khat arrive by air and mail from Europe, India and East Africa.
"""

from __future__ import annotations

Choice = dict[str, float]

# (drug family, route family) -> {"SOURCE>TRANSIT": weight}; TRANSIT may be empty.
ROUTES: dict[tuple[str, str], Choice] = {
    ("fentanyl", "southwest"): {"MX>": 0.93, "CN>MX": 0.05, "IN>MX": 0.02},
    ("fentanyl", "northern"): {"CA>": 0.55, "MX>": 0.35, "CN>CA": 0.10},
    ("fentanyl", "air"): {"MX>": 0.55, "CN>": 0.25, "CA>": 0.10, "IN>": 0.10},
    ("fentanyl", "parcel"): {"CN>": 0.35, "MX>": 0.35, "CN>HK": 0.15, "IN>": 0.10, "CA>": 0.05},
    ("fentanyl", "sea"): {"MX>": 0.7, "CN>": 0.3},
    ("meth", "southwest"): {"MX>": 0.97, "GT>MX": 0.03},
    ("meth", "northern"): {"MX>": 0.5, "CA>": 0.5},
    ("meth", "air"): {"MX>": 0.7, "MM>TH": 0.1, "CA>": 0.2},
    ("meth", "parcel"): {"MX>": 0.6, "CA>": 0.2, "NL>": 0.2},
    ("meth", "sea"): {"MX>": 0.9, "CN>": 0.1},
    ("heroin", "southwest"): {"MX>": 0.95, "CO>MX": 0.05},
    ("heroin", "northern"): {"MX>CA": 0.4, "AF>CA": 0.3, "MX>": 0.3},
    ("heroin", "air"): {"MX>": 0.4, "CO>": 0.3, "AF>PK": 0.15, "IN>": 0.15},
    ("heroin", "parcel"): {"MX>": 0.5, "IN>": 0.3, "AF>PK": 0.2},
    ("heroin", "sea"): {"CO>": 0.6, "MX>": 0.4},
    ("cocaine", "southwest"): {"CO>MX": 0.55, "PE>MX": 0.2, "BO>MX": 0.1, "CO>GT": 0.15},
    ("cocaine", "northern"): {"CO>CA": 0.6, "PE>CA": 0.4},
    ("cocaine", "air"): {"CO>": 0.35, "CO>PA": 0.15, "PE>": 0.15, "CO>DO": 0.15, "CO>JM": 0.2},
    ("cocaine", "parcel"): {"CO>": 0.4, "PE>": 0.2, "CO>DO": 0.2, "BR>": 0.2},
    ("cocaine", "sea"): {"CO>": 0.3, "CO>PA": 0.2, "EC>": 0.2, "CO>DO": 0.15, "CO>JM": 0.15},
    ("marijuana", "southwest"): {"MX>": 1.0},
    ("marijuana", "northern"): {"CA>": 1.0},
    ("marijuana", "air"): {"CA>": 0.4, "JM>": 0.4, "MX>": 0.2},
    ("marijuana", "parcel"): {"CA>": 0.5, "MX>": 0.3, "TH>": 0.2},
    ("marijuana", "sea"): {"JM>": 0.6, "MX>": 0.4},
    ("ecstasy", "any"): {"NL>": 0.45, "BE>": 0.15, "DE>": 0.15, "CA>": 0.15, "NL>DE": 0.1},
    ("ketamine", "any"): {"IN>": 0.45, "GB>": 0.15, "NL>": 0.15, "CN>": 0.15, "IN>AE": 0.1},
    ("khat", "any"): {"ET>": 0.45, "KE>": 0.35, "ET>GB": 0.1, "KE>NL": 0.1},
    ("lsd", "any"): {"NL>": 0.4, "CA>": 0.3, "DE>": 0.2, "CH>": 0.1},
    ("other", "any"): {"MX>": 0.35, "IN>": 0.3, "CN>": 0.2, "CA>": 0.1, "PK>AE": 0.05},
    ("xylazine", "any"): {"CN>": 0.6, "MX>": 0.3, "IN>": 0.1},
    ("nitazenes", "any"): {"CN>": 0.75, "CN>HK": 0.15, "IN>": 0.1},
    ("precursor", "any"): {"CN>": 0.55, "CN>HK": 0.15, "IN>": 0.12, "CN>MX": 0.08, "CN>KR": 0.1},
    ("equipment", "any"): {"CN>": 0.7, "CN>HK": 0.15, "CN>MX": 0.1, "IN>": 0.05},
}

DRUG_FAMILY = {
    "fentanyl_powder": "fentanyl",
    "fentanyl_pills": "fentanyl",
    "carfentanil": "fentanyl",
    "methamphetamine": "meth",
    "heroin": "heroin",
    "cocaine": "cocaine",
    "marijuana": "marijuana",
    "ecstasy": "ecstasy",
    "ketamine": "ketamine",
    "khat": "khat",
    "lsd": "lsd",
    "other_drugs": "other",
    "xylazine": "xylazine",
    "nitazenes": "nitazenes",
}

# Mode propensity at a land port, multiplied by the port's real traffic mix (BTS measures).
LAND_MODE_PROPENSITY: dict[str, Choice] = {
    "fentanyl": {"land_pov": 1.0, "land_pedestrian": 1.6, "land_truck": 0.25, "land_bus": 0.3},
    "meth": {"land_pov": 1.0, "land_pedestrian": 0.8, "land_truck": 0.6, "land_bus": 0.2},
    "marijuana": {"land_pov": 1.0, "land_pedestrian": 0.5, "land_truck": 1.2, "land_rail": 0.3},
    "cocaine": {"land_pov": 1.0, "land_pedestrian": 0.4, "land_truck": 1.0, "land_rail": 0.2},
    "default": {"land_pov": 1.0, "land_pedestrian": 1.0, "land_truck": 0.4, "land_bus": 0.2},
}
BTS_MEASURE_OF_MODE = {
    "land_pov": "Personal Vehicles",
    "land_truck": "Trucks",
    "land_pedestrian": "Pedestrians",
    "land_bus": "Buses",
    "land_rail": "Trains",
}

MODES_OF_PORT_TYPE: dict[str, Choice] = {
    "air": {"air_passenger": 0.7, "air_cargo": 0.3},
    "sea": {"sea_container": 0.65, "sea_vessel": 0.35},
    "imf": {"mail": 1.0},
    "ecf": {"express": 1.0},
}

CONCEALMENT_OF_MODE: dict[str, Choice] = {
    "land_pov": {"vehicle_compartment": 0.55, "gas_tank": 0.15, "tires": 0.1, "body_carry": 0.2},
    "land_truck": {"commercial_cargo": 0.6, "mislabeled_goods": 0.25, "vehicle_compartment": 0.15},
    "land_pedestrian": {"body_carry": 0.75, "backpack": 0.25},
    "land_bus": {"luggage": 0.6, "body_carry": 0.4},
    "land_rail": {"commercial_cargo": 0.8, "vehicle_compartment": 0.2},
    "air_passenger": {"luggage": 0.65, "body_carry": 0.35},
    "air_cargo": {"commercial_cargo": 0.5, "mislabeled_goods": 0.5},
    "sea_vessel": {"vessel_compartment": 0.8, "body_carry": 0.2},
    "sea_container": {"commercial_cargo": 0.6, "mislabeled_goods": 0.4},
    "mail": {"parcel": 0.7, "mislabeled_goods": 0.3},
    "express": {"parcel": 0.6, "mislabeled_goods": 0.4},
    "between_ports": {"backpack": 0.6, "vehicle_compartment": 0.3, "unknown": 0.1},
}

# Share of fentanyl events that are pills, by fiscal year: pills overtook powder from FY2021 on.
FENTANYL_PILL_SHARE = {2019: 0.25, 2020: 0.35, 2021: 0.45, 2022: 0.55, 2023: 0.6, 2024: 0.6}
PILL_GRAMS = 0.1  # a counterfeit "M30" weighs about 100 mg
# Share of "Other Drugs**" events that are xylazine and nitazenes (both emerged from FY2022 on).
XYLAZINE_SHARE = {2022: 0.03, 2023: 0.07, 2024: 0.09, 2025: 0.1}
NITAZENE_SHARE = {2023: 0.01, 2024: 0.02, 2025: 0.03}

# Heavy-tailed sizes inside a cell: sigma of the lognormal split of a cell's pounds.
SIZE_SIGMA = {"marijuana": 1.6, "cocaine": 1.7, "meth": 1.5, "fentanyl": 1.5, "default": 1.3}


def share_for_year(table: dict[int, float], fiscal_year: int) -> float:
    """The table's value for a year, carrying the nearest known year outwards."""
    if fiscal_year in table:
        return table[fiscal_year]
    years = sorted(table)
    return table[years[0]] if fiscal_year < years[0] else table[years[-1]]
