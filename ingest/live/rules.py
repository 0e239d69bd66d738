"""The checks a live row must pass, per table, as vectorised polars expressions.

Each check is (expression true for a bad row, reason). A row is refused with the reason of the
first check it fails, in this order: the value does not parse, a required value is empty, a value
is not in its vocabulary (``data/reference``, ISO countries, the contract's enumerations), a value
is out of range (negative, NaN, absurdly large, in the future), then rules between columns (a port
of another field office, a unit that is not the commodity's). Reasons never contain the row's own
values, so they can be counted; the row itself is kept in quarantine.

Foreign keys to other lake tables (a referral's seizure) are not checked: the feed may deliver a
referral before its seizure's file. A referral event's place in its case's life is checked after
these, against the events already in the lake (``ingest/live/lifecycle.py``).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache

import polars as pl

from ingest.live.incoming import ID_COLUMN, required_columns, target_types
from lake import reference
from lake import referral_lifecycle as lifecycle
from lake.contract import (
    CONCEALMENTS,
    ENTRY_TYPES,
    OUTCOMES,
    REFERRAL_AGENCIES,
    UNITS,
)

Check = tuple[pl.Expr, str]

EARLIEST_DAY = date(1989, 10, 1)  # first day of FY1990, the earliest year the filters accept
FUTURE_TOLERANCE = timedelta(minutes=10)  # clock skew between a source and us
DAY_TOLERANCE = timedelta(hours=14)  # a local calendar day can run 14 h ahead of UTC (UTC+14)
MAX_QUANTITY = {"lbs": 1_000_000.0, "pills": 100_000_000.0, "pieces": 100_000.0}
MAX_VALUE_USD = 1e9
MAX_WEIGHT_KG = 1e7
MAX_ID_LENGTH = 64
LAND_FILTERS = ("Land Only", "Other")
SEIZURE_COMPONENTS = ("OFO", "USBP")
HTS_PATTERN = r"^\d{4}\.\d{2}(\.\d{2,4})?$"
MAX_NOTE_LENGTH = 2000


@cache
def vocabulary() -> dict[str, object]:
    """Allowed values and lookups from the reference tables, read once per process."""
    ports, areas, commodities = reference.ports(), reference.areas(), reference.commodities()
    return {
        "ports": tuple(ports["port_code"]),
        "port_area": dict(zip(ports["port_code"], ports["area_id"], strict=True)),
        "areas": tuple(areas["area_id"]),
        "area_component": dict(zip(areas["area_id"], areas["component"], strict=True)),
        "area_region": dict(zip(areas["area_id"], areas["region"], strict=True)),
        "modes": tuple(reference.modes()["mode"]),
        "commodities": tuple(commodities["commodity_id"]),
        "commodity_category": dict(
            zip(commodities["commodity_id"], commodities["category"], strict=True)
        ),
        "commodity_unit": dict(zip(commodities["commodity_id"], commodities["unit"], strict=True)),
        "commodity_drug_type": dict(
            zip(commodities["commodity_id"], commodities["cbp_drug_type"], strict=True)
        ),
        "countries": tuple(reference.countries()["country"]),
    }


def _lookup(column: str, mapping: str) -> pl.Expr:
    table = vocabulary()[mapping]
    return pl.col(column).replace_strict(table, default=None, return_dtype=pl.String)


def _not_in(column: str, values, what: str) -> Check:
    return pl.col(column).is_not_null() & ~pl.col(column).is_in(list(values)), f"{column}: {what}"


def _required(table: str) -> list[Check]:
    return [(pl.col(c).is_null(), f"{c}: empty (required)") for c in required_columns(table)]


def _number(column: str, limit: float, unit: str) -> list[Check]:
    col = pl.col(column)
    return [
        (col.is_nan() | col.is_infinite(), f"{column}: not a finite number (NaN or infinite)"),
        (col < 0, f"{column}: negative"),
        (col > limit, f"{column}: implausibly large (over {limit:,.0f} {unit})"),
    ]


def _day(column: str, now: datetime) -> list[Check]:
    latest = (now + DAY_TOLERANCE).date()
    col = pl.col(column)
    return [
        (col > latest, f"{column}: in the future"),
        (col < EARLIEST_DAY, f"{column}: before {EARLIEST_DAY} (FY1990)"),
    ]


def _moment(column: str, now: datetime) -> list[Check]:
    col = pl.col(column)
    return [
        (col > now + FUTURE_TOLERANCE, f"{column}: in the future"),
        (col.dt.date() < EARLIEST_DAY, f"{column}: before {EARLIEST_DAY} (FY1990)"),
    ]


def _countries(*columns: str) -> list[Check]:
    codes = vocabulary()["countries"]
    return [_not_in(c, codes, "not an ISO 3166-1 alpha-2 code") for c in columns]


def _id_length(table: str) -> Check:
    column = ID_COLUMN[table]
    return pl.col(column).str.len_chars() > MAX_ID_LENGTH, f"{column}: longer than 64 characters"


def normalise(table: str) -> list[pl.Expr]:
    """Harmless spelling fixes before checking: country codes upper-case, entry type ``1`` ->
    ``01``; for seizures, ``lbs``/``pills`` taken from ``quantity`` when the unit says so."""
    out = [
        pl.col(c).str.to_uppercase()
        for c in ("source_country", "transit_country", "origin_country")
        if c in target_types(table)
    ]
    if table == "shipments":
        out.append(pl.col("entry_type").str.zfill(2))
    if table == "seizures":
        out += [
            pl.when(pl.col("lbs").is_null() & (pl.col("unit") == "lbs"))
            .then(pl.col("quantity"))
            .otherwise(pl.col("lbs"))
            .alias("lbs"),
            pl.when(
                pl.col("pills").is_null()
                & (pl.col("unit") == "pills")
                & (pl.col("quantity") == pl.col("quantity").floor())
                & pl.col("quantity").is_finite()
            )
            .then(pl.col("quantity").cast(pl.Int64, strict=False))
            .otherwise(pl.col("pills"))
            .alias("pills"),
        ]
    return out


def seizure_checks(now: datetime) -> list[Check]:
    v = vocabulary()
    unit = pl.col("unit")
    quantity = pl.col("quantity")
    limit = unit.replace_strict(MAX_QUANTITY, default=None, return_dtype=pl.Float64)
    return [
        *_required("seizures"),
        _id_length("seizures"),
        _not_in("component", SEIZURE_COMPONENTS, "not OFO or USBP"),
        _not_in("region", reference.REGIONS, "not a CBP region"),
        _not_in("area_id", v["areas"], "unknown area (areas.csv)"),
        _not_in("port_code", v["ports"], "unknown port (ports.csv)"),
        _not_in("land_filter", LAND_FILTERS, "not 'Land Only' or 'Other'"),
        _not_in("mode", v["modes"], "unknown mode (modes.csv)"),
        _not_in("commodity", v["commodities"], "unknown commodity (commodities.csv)"),
        _not_in("category", reference.CATEGORIES, "not drug, precursor, equipment or other"),
        _not_in("cbp_drug_type", reference.CBP_DRUG_TYPES, "not a CBP drug type"),
        _not_in("unit", UNITS, "not lbs, pills or pieces"),
        *_countries("source_country", "transit_country"),
        _not_in("concealment", CONCEALMENTS, "unknown concealment"),
        (quantity.is_nan() | quantity.is_infinite(), "quantity: not a finite number"),
        (quantity < 0, "quantity: negative"),
        (quantity > limit, "quantity: implausibly large for its unit"),
        *_number("lbs", MAX_QUANTITY["lbs"], "lbs"),
        (pl.col("pills") < 0, "pills: negative"),
        (pl.col("pills") > MAX_QUANTITY["pills"], "pills: implausibly large"),
        *_day("event_date", now),
        *_moment("event_time", now),
        (
            _lookup("area_id", "area_component") != pl.col("component"),
            "area_id: not an area of the row's component",
        ),
        (_lookup("area_id", "area_region") != pl.col("region"), "region: not the area's region"),
        (
            _lookup("port_code", "port_area") != pl.col("area_id"),
            "port_code: not a port of the row's area_id",
        ),
        (
            _lookup("commodity", "commodity_category") != pl.col("category"),
            "category: not the commodity's category",
        ),
        (_lookup("commodity", "commodity_unit") != unit, "unit: not the commodity's unit"),
        (
            _lookup("commodity", "commodity_drug_type").ne_missing(pl.col("cbp_drug_type"))
            & pl.col("commodity").is_in(list(v["commodities"])),
            "cbp_drug_type: not the commodity's CBP drug type",
        ),
        (
            (unit == "lbs") & ((pl.col("lbs") - quantity).abs() > 1e-6 * (quantity.abs() + 1)),
            "lbs: differs from quantity (unit lbs)",
        ),
        (
            (unit == "pills") & (pl.col("pills").cast(pl.Float64) != quantity),
            "pills: differs from quantity (unit pills)",
        ),
        ((unit != "pills") & pl.col("pills").is_not_null(), "pills: set but unit is not pills"),
        ((unit == "pieces") & pl.col("lbs").is_not_null(), "lbs: set but unit is pieces"),
        (
            (pl.col("event_time").dt.date() - pl.col("event_date")).dt.total_days().abs() > 1,
            "event_time: more than a day from event_date",
        ),
    ]


def shipment_checks(now: datetime) -> list[Check]:
    v = vocabulary()
    value = pl.col("declared_value_usd")
    entry = pl.col("entry_type")
    outcome = pl.col("outcome")
    return [
        *_required("shipments"),
        _id_length("shipments"),
        _not_in("port_code", v["ports"], "unknown port (ports.csv)"),
        _not_in("area_id", v["areas"], "unknown area (areas.csv)"),
        _not_in("mode", v["modes"], "unknown mode (modes.csv)"),
        (
            ~pl.col("hts_code").str.contains(HTS_PATTERN),
            "hts_code: not a dotted HTS code like 2933.33.0100",
        ),
        *_countries("origin_country", "transit_country"),
        _not_in("entry_type", ENTRY_TYPES, "not 01, 11 or 86"),
        _not_in("outcome", OUTCOMES, "not not_examined, cleared or seized"),
        *_number("declared_value_usd", MAX_VALUE_USD, "USD"),
        *_number("declared_weight_kg", MAX_WEIGHT_KG, "kg"),
        *_moment("arrived_at", now),
        (
            _lookup("port_code", "port_area") != pl.col("area_id"),
            "area_id: not the port's field office",
        ),
        (
            (entry == "86") & (~pl.col("mode").is_in(["express", "mail"]) | (value > 800)),
            "entry_type: 86 only for express or mail lines worth at most 800 USD",
        ),
        ((entry == "11") & (value > 2500), "entry_type: 11 only for lines worth at most 2,500 USD"),
        ((outcome == "not_examined") == pl.col("examined"), "outcome: disagrees with examined"),
        (
            pl.col("seizure_id").is_not_null() != (outcome == "seized"),
            "seizure_id: must be set exactly when outcome is seized",
        ),
    ]


def referral_event_checks(now: datetime) -> list[Check]:
    """A partner's event on its own; whether it may follow the case's earlier steps is the
    state machine's business (``ingest/live/lifecycle.py``), once the rows are clean."""
    step = pl.col("step")
    return [
        *_required("referral_events"),
        _id_length("referral_events"),
        (
            pl.col("referral_id").str.len_chars() > MAX_ID_LENGTH,
            "referral_id: longer than 64 characters",
        ),
        _not_in("step", lifecycle.STEPS, "not a known step"),
        _not_in("agency", REFERRAL_AGENCIES, "not a known agency"),
        *_day("occurred_on", now),
        (
            (step == "referred") & pl.col("seizure_id").is_null(),
            "seizure_id: empty (required on the referred step)",
        ),
        (
            (step != "referred") & pl.col("seizure_id").is_not_null(),
            "seizure_id: only the referred step names the seizure",
        ),
        (pl.col("note").str.len_chars() > MAX_NOTE_LENGTH, "note: longer than 2,000 characters"),
    ]


CHECKS = {
    "seizures": seizure_checks,
    "shipments": shipment_checks,
    "referral_events": referral_event_checks,
}


def checks(table: str, now: datetime) -> list[Check]:
    """The table's checks, in the order that picks each refused row's reason."""
    return CHECKS[table](now)
