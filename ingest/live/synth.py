"""Realistic live rows for the simulator: seizures and shipments happening now (partner
updates of referrals: ``partner_updates``).

Reuses the demo generator's modelled facts rather than inventing new ones: the commodity mix and
sizes follow CBP's event mix, ports are weighted by real BTS traffic when the lake has it, modes
follow port types (``seizures.assign_modes``), countries, concealment, units and pills come from
``seizures.finish_events``; precursors and equipment arrive like the generator's modelled seizures
(express, mail, air cargo, sea containers, some trucks); shipments are ``make_shipments`` of one
day with their times replaced by "just now". Ids carry an ``L`` (``SZL``, ``MFL``, ``RFL``,
``EVL``) plus the tick's microsecond clock and the process id, so they never meet generated ids
or each other.

``corrupt`` spoils a share of rows in ways the validator must catch, for demos of the quarantine.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

import numpy as np
import polars as pl

from ingest.generate import routes
from ingest.generate.extras import MODELLED_MODES, PORT_TYPE_OF_MODE
from ingest.generate.sampling import choose, choose_by_group
from ingest.generate.seizures import PortContext, assign_modes, finish_events
from lake import reference

# Share of events by commodity, after CBP's event counts (FY2023-FY2025), plus modelled chemicals.
SEIZURE_MIX = {
    "marijuana": 0.27,
    "methamphetamine": 0.21,
    "cocaine": 0.12,
    "fentanyl_pills": 0.09,
    "fentanyl_powder": 0.06,
    "heroin": 0.03,
    "other_drugs": 0.06,
    "ketamine": 0.02,
    "ecstasy": 0.02,
    "khat": 0.02,
    "lsd": 0.005,
    "xylazine": 0.01,
    "nitazenes": 0.005,
    "4_ap": 0.015,
    "1_boc_4_ap": 0.012,
    "npp": 0.008,
    "anpp": 0.008,
    "propionyl_chloride": 0.006,
    "pill_press": 0.006,
    "die_set": 0.008,
    "press_parts": 0.005,
}
MEDIAN_LBS = {
    "marijuana": 45.0,
    "meth": 12.0,
    "cocaine": 9.0,
    "fentanyl": 1.2,
    "heroin": 2.0,
    "precursor": 12.0,
    "default": 1.5,
}
USBP_SHARE = 0.33  # of drug events, Border Patrol between ports
USBP_REGION = {"Southwest Border": 0.9, "Northern Border": 0.05, "Coastal/Interior": 0.05}
LAND_DEFAULT_WEIGHT = 2e6  # a land port's weight when the lake has no BTS traffic
SEIZURE_LAG_S = 20.0  # mean delay between an event and its report, seconds
SHIPMENT_LAG_S = 60.0


def make_ids(prefix: str, tick_us: int, n: int) -> list[str]:
    """Unique ids for one tick: prefix, microsecond clock, process id, sequence."""
    pid = os.getpid() % 100
    return [f"{prefix}{tick_us:016d}{pid:02d}{i:05d}" for i in range(n)]


def _lags(rng: np.random.Generator, now: datetime, mean_s: float, n: int) -> pl.Series:
    seconds = np.minimum(rng.exponential(mean_s, n), 3600.0)
    stamps = np.datetime64(now, "us") - (seconds * 1e6).astype("timedelta64[us]")
    return pl.Series(stamps).cast(pl.Datetime("us"))


def _ofo_ports(ctx: PortContext) -> dict[str, float]:
    weights = {}
    for code, kind in zip(ctx.ports["port_code"], ctx.ports["port_type"], strict=True):
        land = ctx.traffic.get(code) if ctx.traffic else LAND_DEFAULT_WEIGHT
        weights[code] = float(land or 1.0) if kind == "land" else ctx.weight(code, kind)
    return weights


def _sectors() -> dict[str, float]:
    sectors = reference.areas().filter(pl.col("component") == "USBP")
    counts = sectors["region"].value_counts()
    per_region = dict(zip(counts["region"], counts["count"], strict=True))
    pairs = zip(sectors["area_id"], sectors["region"], strict=True)
    return {area: USBP_REGION[region] / per_region[region] for area, region in pairs}


def _chemical_ports(ctx: PortContext, rng: np.random.Generator, n: int):
    modes = choose(rng, dict(MODELLED_MODES) | {"land_truck": 0.12}, n)

    def pool(mode: str) -> dict[str, float]:
        kind = "land" if mode == "land_truck" else PORT_TYPE_OF_MODE[mode]
        rows = ctx.ports.filter(pl.col("port_type") == kind)
        if mode == "land_truck":
            rows = rows.filter(pl.col("border") == "US-Mexico")
        rows = rows if rows.height else ctx.ports.filter(pl.col("port_type") == "air")
        return dict.fromkeys(rows["port_code"], 1.0)

    return choose_by_group(rng, modes.astype(str), pool), modes


def synth_seizures(
    rng: np.random.Generator, n: int, now: datetime, ctx: PortContext, tick_us: int
) -> pl.DataFrame:
    """``n`` seizure events reported now, in the incoming file layout (no ingest columns)."""
    commodities = reference.commodities()
    category_of = dict(zip(commodities["commodity_id"], commodities["category"], strict=True))
    drug_type_of = dict(zip(commodities["commodity_id"], commodities["cbp_drug_type"], strict=True))
    mix = {k: v for k, v in SEIZURE_MIX.items() if k in category_of}
    commodity = choose(rng, mix, n).astype(object)
    category = np.array([category_of[c] for c in commodity], dtype=object)
    chemical = np.isin(category, ["precursor", "equipment"])
    usbp = ~chemical & (rng.random(n) < USBP_SHARE)
    port = np.full(n, None, dtype=object)
    ofo_drug = ~chemical & ~usbp
    port[ofo_drug] = choose(rng, _ofo_ports(ctx), int(ofo_drug.sum()))
    chem_port, chem_mode = _chemical_ports(ctx, rng, int(chemical.sum()))
    port[chemical] = chem_port
    area_of, region_of, kind_of = ctx.area_of_port(), ctx.region_of_port(), ctx.port_type()
    sector = choose(rng, _sectors(), n)
    area_region = dict(zip(reference.areas()["area_id"], reference.areas()["region"], strict=True))
    area = np.where(usbp, sector, np.array([area_of.get(p) for p in port], dtype=object))
    pairs = zip(area, port, strict=True)
    region = np.array([area_region.get(a) or region_of.get(p) for a, p in pairs])
    land = np.array([kind_of.get(p) == "land" for p in port]) | usbp
    events = pl.DataFrame(
        {
            "component": np.where(usbp, "USBP", "OFO"),
            "region": region.astype(str),
            "land_filter": np.where(land, "Land Only", "Other"),
            "area_id": area.astype(str),
            "cbp_drug_type": [drug_type_of[c] for c in commodity],
        },
        schema_overrides={"cbp_drug_type": pl.String},
    )
    mode = assign_modes(events, port, commodity, rng, ctx)
    mode[chemical] = chem_mode
    family = [routes.DRUG_FAMILY.get(c, cat) for c, cat in zip(commodity, category, strict=True)]
    median = np.array([MEDIAN_LBS.get(f, MEDIAN_LBS["default"]) for f in family])
    sigma = np.array([routes.SIZE_SIGMA.get(f, routes.SIZE_SIGMA["default"]) for f in family])
    lbs = np.round(median * np.exp(sigma * rng.standard_normal(n)), 3)
    event_time = _lags(rng, now, SEIZURE_LAG_S, n)
    events = events.with_columns(pl.Series("lbs", lbs), event_time.dt.date().alias("event_date"))
    finished = finish_events(events, commodity, port, mode, rng, commodities, "reported")
    pieces = np.maximum(1.0, np.round(rng.lognormal(0.7, 1.0, n)))
    equipment = pl.col("category") == "equipment"
    return finished.with_columns(
        pl.Series("seizure_id", make_ids("SZL", tick_us, n)),
        event_time.alias("event_time"),
        pl.when(equipment).then(pl.lit("pieces")).otherwise(pl.col("unit")).alias("unit"),
        pl.when(equipment)
        .then(pl.lit(pl.Series("pieces", pieces)))
        .otherwise(pl.col("quantity"))
        .alias("quantity"),
        pl.when(equipment).then(None).otherwise(pl.col("lbs")).alias("lbs"),
        pl.lit(None, pl.String).alias("shipment_id"),
    ).drop("provenance")


def synth_shipments(
    rng: np.random.Generator, n: int, now: datetime, tick_us: int, seizures: pl.DataFrame
) -> pl.DataFrame:
    """``n`` manifest lines arriving now; ``seizures`` (this tick's) may link to some of them."""
    from ingest.generate.shipments import make_shipments

    frame, _links = make_shipments(n, rng, seizures, now.date(), now.date(), "sim", now)
    return frame.with_columns(
        pl.Series("shipment_id", make_ids("MFL", tick_us, n)),
        _lags(rng, now, SHIPMENT_LAG_S, n).alias("arrived_at"),
    ).drop("batch_id", "ingested_at", "fiscal_year")


CORRUPTIONS = {
    "seizures": (
        ("quantity", "-5"),
        ("port_code", "9999"),
        ("source_country", "XX"),
        ("mode", "hovercraft"),
        ("commodity", "unobtainium"),
        ("quantity", "NaN"),
    ),
    "shipments": (
        ("declared_value_usd", "-1"),
        ("origin_country", "XX"),
        ("port_code", "9999"),
        ("entry_type", "99"),
        ("declared_weight_kg", "1e12"),
    ),
    "referral_events": (("agency", "CIA"), ("step", "lost")),
}
FUTURE = {"seizures": "event_date", "shipments": "arrived_at", "referral_events": "occurred_on"}


def corrupt(frame: pl.DataFrame, table: str, rng: np.random.Generator, share: float, now: datetime):
    """All-text copy of ``frame`` with about ``share`` of rows spoilt (one field each)."""
    text = frame.with_columns(pl.all().cast(pl.String))
    chosen = np.flatnonzero(rng.random(frame.height) < share)
    later = now + timedelta(days=30)
    future = later.isoformat() if table == "shipments" else str(later.date())
    options = (*CORRUPTIONS[table], (FUTURE[table], future))
    for row in chosen:
        column, value = options[int(rng.integers(0, len(options)))]
        text = text.with_columns(text[column].scatter([int(row)], value))
    return text
