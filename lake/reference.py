"""The committed reference tables (ports, areas, modes, commodities) and countries from pycountry.

They are small and never change while a process runs, so each is read once and cached. Filters
validate against them, the generator draws from them and pages label with them.
"""

from __future__ import annotations

from functools import cache

import polars as pl
import pycountry

from settings import REPO_ROOT

REFERENCE_DIR = REPO_ROOT / "data" / "reference"

COMPONENTS: dict[str, str] = {
    "OFO": "Office of Field Operations",
    "USBP": "U.S. Border Patrol",
    "AMO": "Air and Marine Operations",
}
COMPONENT_BY_NAME = {name: code for code, name in COMPONENTS.items()}
REGIONS = ("Southwest Border", "Northern Border", "Coastal/Interior")
CATEGORIES = ("drug", "precursor", "equipment", "other")
CBP_DRUG_TYPES = (
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
)

_STRING_COLUMNS = {"port_code": pl.Utf8, "hts_codes": pl.Utf8, "bts_measure": pl.Utf8}


def _read(name: str) -> pl.DataFrame:
    return pl.read_csv(
        REFERENCE_DIR / f"{name}.csv",
        schema_overrides=_STRING_COLUMNS,
        infer_schema_length=None,
    )


@cache
def areas() -> pl.DataFrame:
    return _read("areas")


@cache
def ports() -> pl.DataFrame:
    return _read("ports")


@cache
def modes() -> pl.DataFrame:
    return _read("modes")


@cache
def commodities() -> pl.DataFrame:
    return _read("commodities")


@cache
def countries() -> pl.DataFrame:
    """ISO 3166-1 countries: alpha-2 code (what the lake stores), alpha-3 and a short name."""
    rows = [
        {
            "country": c.alpha_2,
            "alpha_3": c.alpha_3,
            "name": getattr(c, "common_name", None) or c.name,
        }
        for c in pycountry.countries
    ]
    return pl.DataFrame(rows).sort("country")


def labels(frame: pl.DataFrame, key: str, label: str) -> dict[str, str]:
    return dict(zip(frame[key].to_list(), frame[label].to_list(), strict=True))


@cache
def area_names() -> dict[str, str]:
    """area_id -> display name in title case ("Tucson Field Office")."""
    return {
        k: v.title().replace("U.S.", "U.S.") for k, v in labels(areas(), "area_id", "name").items()
    }


@cache
def port_names() -> dict[str, str]:
    return labels(ports(), "port_code", "name")


@cache
def mode_names() -> dict[str, str]:
    return labels(modes(), "mode", "name")


@cache
def commodity_names() -> dict[str, str]:
    return labels(commodities(), "commodity_id", "name")


@cache
def country_names() -> dict[str, str]:
    return labels(countries(), "country", "name")


# Words for the lake's enumerations where a person reads them (the lake and exports keep codes).
CONCEALMENT_NAMES = {
    "vehicle_compartment": "Vehicle compartment",
    "gas_tank": "Gas tank",
    "tires": "Tires",
    "body_carry": "Carried on the body",
    "luggage": "Luggage",
    "commercial_cargo": "Commercial cargo",
    "mislabeled_goods": "Mislabeled goods",
    "parcel": "Parcel",
    "backpack": "Backpack",
    "vessel_compartment": "Vessel compartment",
    "unknown": "Unknown",
}
PROVENANCE_NAMES = {
    "cbp_cell": "Rebuilt from CBP's published figures",
    "continuation": "Modelled continuation after CBP's latest published month",
    "modelled": "Modelled (not in CBP's published data)",
    "reported": "Reported through the live feed",
}
OUTCOME_NAMES = {
    "not_examined": "Not examined",
    "cleared": "Examined, nothing found",
    "seized": "Seized",
}
# The agencies a referral goes to (``lake.contract.REFERRAL_AGENCIES``), as people name them.
AGENCY_NAMES = {
    "HSI": "Homeland Security Investigations",
    "DEA": "Drug Enforcement Administration",
    "FBI": "Federal Bureau of Investigation",
    "USPIS": "U.S. Postal Inspection Service",
    "State/local task force": "State or local task force",
}

# The name people read for each code, per filter key (the same keys as the URL and the filter
# bar): chips, charts and the records grid label codes with these, and the records grid sorts
# and filters by them through ``code_names``. The lake and exports keep the codes.
NAMES_BY_KEY = {
    "component": lambda: COMPONENTS,
    "area": area_names,
    "port": port_names,
    "mode": mode_names,
    "category": lambda: {c: c.capitalize() for c in CATEGORIES},
    "commodity": commodity_names,
    "source": country_names,
    "transit": country_names,
    # not filters: the records grid and detail panels name these codes too
    "concealment": lambda: CONCEALMENT_NAMES,
    "provenance": lambda: PROVENANCE_NAMES,
    "outcome": lambda: OUTCOME_NAMES,
    "agency": lambda: AGENCY_NAMES,
}


def names_for(key: str) -> dict[str, str]:
    """Code -> name for the filter key ``key`` (``NAMES_BY_KEY``)."""
    return NAMES_BY_KEY[key]()


@cache
def code_names() -> pl.DataFrame:
    """Every (kind, code, name) of ``NAMES_BY_KEY``, the kind being the filter key: one small
    table for SQL to look names up."""
    rows = [
        {"kind": kind, "code": code, "name": name}
        for kind in NAMES_BY_KEY
        for code, name in names_for(kind).items()
    ]
    return pl.DataFrame(rows, schema={"kind": pl.Utf8, "code": pl.Utf8, "name": pl.Utf8})
