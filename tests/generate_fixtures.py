"""Shared fixtures of the shipment and referral generator tests.

Twenty thousand plausible seizures are synthesised from the real reference tables (ports,
commodities), so these tests need no imported data and run in a few seconds. That is more
linkable seizures than the link cap allows at N rows, so the shipments are built in the regime a
full demo runs in: the cap binds and chooses which seizures keep their manifest line.
"""

from __future__ import annotations

import time
from datetime import date, datetime

import numpy as np
import polars as pl
import pytest

from ingest.generate.referrals import make_referral_events
from ingest.generate.shipments import make_shipments
from ingest.generate.shipments.hts import DEA_MACHINE_TEXTS
from ingest.generate.shipments.parties import PLACEHOLDER_NAMES
from ingest.generate.shipments.vocabulary import (
    MAIL_HOST_PORTS,
)
from lake import reference
from lake.contract import SCHEMAS, conform

START, END = date(2018, 10, 1), date(2026, 3, 31)
INGESTED = datetime(2026, 4, 1, 6, 0)
N = 150_000
SEIZURES = 20_000
PARCEL = ("express", "mail")
PLACEHOLDERS = set(PLACEHOLDER_NAMES)
MACHINE_TEXTS = set(DEA_MACHINE_TEXTS)
PORT_TYPE_OF_SEIZURE_MODE = {
    "land_pov": "land",
    "land_pedestrian": "land",
    "land_truck": "land",
    "air_passenger": "air",
    "air_cargo": "air",
    "sea_container": "sea",
    "sea_vessel": "sea",
    "express": "ecf",
    "mail": "imf",
}
SEIZURE_MODES = {
    "land_pov": 0.28,
    "land_pedestrian": 0.08,
    "land_truck": 0.07,
    "between_ports": 0.12,
    "air_passenger": 0.08,
    "air_cargo": 0.06,
    "sea_container": 0.03,
    "sea_vessel": 0.02,
    "mail": 0.11,
    "express": 0.15,
}
SEIZURE_COMMODITIES = {
    "marijuana": 0.3,
    "methamphetamine": 0.2,
    "cocaine": 0.14,
    "fentanyl_powder": 0.08,
    "fentanyl_pills": 0.08,
    "heroin": 0.05,
    "other_drugs": 0.05,
    "ecstasy": 0.02,
    "4_ap": 0.012,
    "1_boc_4_ap": 0.01,
    "npp": 0.008,
    "anpp": 0.006,
    "pill_press": 0.006,
    "die_set": 0.008,
    "press_parts": 0.006,
    "encapsulating_machine": 0.002,
}


def _choice(rng: np.random.Generator, table: dict[str, float], size: int) -> np.ndarray:
    p = np.fromiter(table.values(), dtype=float)
    return np.array(list(table), dtype=object)[rng.choice(len(p), size=size, p=p / p.sum())]


def synthetic_seizures(rng: np.random.Generator, size: int, last: date = END) -> pl.DataFrame:
    """Plausible seizure events (contract.SEIZURES + fiscal_year) at real ports."""
    ports = reference.ports()
    commodities = {r["commodity_id"]: r for r in reference.commodities().iter_rows(named=True)}
    mode = _choice(rng, SEIZURE_MODES, size)
    port = np.full(size, None, dtype=object)
    area = np.full(size, "tucson-sector", dtype=object)
    region = np.full(size, "Southwest Border", dtype=object)
    for m, kind in PORT_TYPE_OF_SEIZURE_MODE.items():
        rows = np.flatnonzero(mode == m)
        candidates = ports.filter(pl.col("port_type") == kind)
        if candidates.height == 0:  # no imf rows: mail works under its host airports
            candidates = ports.filter(pl.col("port_code").is_in(MAIL_HOST_PORTS))
        pick = rng.integers(0, candidates.height, len(rows))
        port[rows] = np.array(candidates["port_code"].to_list(), dtype=object)[pick]
        area[rows] = np.array(candidates["area_id"].to_list(), dtype=object)[pick]
        region[rows] = np.array(candidates["region"].to_list(), dtype=object)[pick]
    commodity = _choice(rng, SEIZURE_COMMODITIES, size)
    category = np.array([commodities[c]["category"] for c in commodity], dtype=object)
    unit = np.array([commodities[c]["unit"] for c in commodity], dtype=object)
    lbs = np.round(rng.lognormal(1.0, 1.6, size), 3)
    pieces, pills = unit == "pieces", unit == "pills"
    pill_count = np.maximum((lbs * 4536).astype(np.int64), 1)
    quantity = np.where(pieces, rng.integers(1, 20, size), np.where(pills, pill_count, lbs))
    chemical = np.isin(category, ["precursor", "equipment"])
    source = np.where(chemical, "CN", np.where(rng.random(size) < 0.6, "MX", "CO")).astype(object)
    source[rng.random(size) < 0.05] = None
    transit = np.full(size, None, dtype=object)
    transit[rng.random(size) < 0.2] = "HK"
    parcel = np.isin(mode, PARCEL)
    span = (np.datetime64(last) - np.datetime64(START)).astype(int) + 1
    event = np.datetime64(START) + rng.integers(0, span, size).astype("timedelta64[D]")
    frame = pl.DataFrame(
        {
            "seizure_id": pl.Series(np.arange(size)).cast(pl.Utf8).str.zfill(8),
            "event_date": event,
            "component": np.where(port == None, "USBP", "OFO"),  # noqa: E711
            "region": region.astype(str),
            "area_id": area.astype(str),
            "port_code": pl.Series(port.tolist(), dtype=pl.Utf8),
            "land_filter": np.where(
                np.char.startswith(mode.astype(str), "land"), "Land Only", "Other"
            ),
            "mode": mode.astype(str),
            "commodity": commodity.astype(str),
            "category": category.astype(str),
            "cbp_drug_type": [commodities[c]["cbp_drug_type"] for c in commodity],
            "quantity": quantity.astype(float),
            "unit": unit.astype(str),
            "lbs": pl.Series(np.where(pieces, np.nan, lbs), nan_to_null=True),
            "pills": pl.Series(np.where(pills, pill_count, -1)).replace(-1, None),
            "source_country": pl.Series(source.tolist(), dtype=pl.Utf8),
            "transit_country": pl.Series(transit.tolist(), dtype=pl.Utf8),
            "concealment": np.where(parcel, "parcel", "commercial_cargo"),
            "de_minimis": parcel & (rng.random(size) < 0.55),
            "shipment_id": pl.Series([None] * size, dtype=pl.Utf8),
            "provenance": "modelled",
            "batch_id": "test-seizures",
            "ingested_at": INGESTED,
        }
    ).with_columns(
        pl.concat_str([pl.lit("SZ"), pl.col("seizure_id")]).alias("seizure_id"),
        (pl.col("event_date").dt.year() + (pl.col("event_date").dt.month() >= 10).cast(pl.Int32))
        .cast(pl.Int16)
        .alias("fiscal_year"),
    )
    return conform("seizures", frame)


def _make(seed: int, n: int = N, seizures: pl.DataFrame | None = None, **kwargs):
    frame = (
        seizures if seizures is not None else synthetic_seizures(np.random.default_rng(1), SEIZURES)
    )
    return make_shipments(
        n, np.random.default_rng(seed), frame, START, END, "test-batch", INGESTED, **kwargs
    )


@pytest.fixture(scope="session")
def seizures() -> pl.DataFrame:
    return synthetic_seizures(np.random.default_rng(1), SEIZURES)


@pytest.fixture(scope="session")
def built(seizures):
    began = time.perf_counter()
    ships, links = _make(7, seizures=seizures)
    seconds = time.perf_counter() - began
    print(f"\n{N:,} shipments in {seconds:.2f} s ({N / seconds:,.0f} rows/s)")
    return ships, links


@pytest.fixture(scope="session")
def ships(built) -> pl.DataFrame:
    return built[0]


@pytest.fixture(scope="session")
def links(built) -> pl.DataFrame:
    return built[1]


@pytest.fixture(scope="session")
def with_shipments(seizures, links) -> pl.DataFrame:
    """The seizures as the orchestrator hands them to the referral generator: shipment_id set."""
    return (
        seizures.drop("shipment_id")
        .join(links, on="seizure_id", how="left")
        .select(seizures.columns)
    )


@pytest.fixture(scope="session")
def referral_events(with_shipments) -> pl.DataFrame:
    return make_referral_events(
        with_shipments, np.random.default_rng(11), END, "test-batch", INGESTED
    )


def _expected_schema(table: str) -> dict:
    schema = dict(pl.from_arrow(SCHEMAS[table].empty_table()).schema)
    schema["fiscal_year"] = pl.Int16
    return schema


def _fiscal_year(column: str) -> pl.Expr:
    col = pl.col(column)
    return (col.dt.year() + (col.dt.month() >= 10).cast(pl.Int32)).cast(pl.Int16)
