"""Which seizures came with a manifest line, and that line: same port, mode, day and countries.

Most seizures have no manifest line at all (passengers, vehicles, between ports), and even at mail
and express facilities many do not. See select_linked for the policy.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from ingest.generate.shipments.arrivals import DAY_US
from ingest.generate.shipments.columns import Columns, blank_columns
from ingest.generate.shipments.context import Context, countries_from
from ingest.generate.shipments.declarations import (
    consumer_declarations,
    machine_declarations,
    precursor_declarations,
    weights_values,
)
from ingest.generate.shipments.hts import declared_texts
from ingest.generate.shipments.parties import illicit_parties
from ingest.generate.shipments.vocabulary import MODES, PARCEL_MODES

CARGO_MODES = ("air_cargo", "sea_container", "land_truck")
LINKABLE_MODES = ("mail", "express", *CARGO_MODES)
# Probability that a seizure at a port came with a manifest line, by mode.
LINK_SHARE_EXPRESS = 0.8  # advance data is routine, yet some seizures match no filed line
LINK_SHARE_MAIL = 0.3  # international mail often travels without advance electronic data
LINK_SHARE_CARGO = 0.4
LINK_SHARE_CARGO_CHEMICAL = 0.9  # precursors and equipment arrive as declared goods
# At most this share of the rows are linked, so a large demo looks like real traffic (about 2 %
# seized); when the cap binds, these weights decide which seizures keep their line.
MAX_LINKED_SHARE = 0.02
CAP_WEIGHT_CHEMICAL, CAP_WEIGHT_DE_MINIMIS, CAP_WEIGHT_OTHER = 20.0, 4.0, 1.0
LBS_TO_KG = 0.45359237


def select_linked(seizures: pl.DataFrame, rng: np.random.Generator, n: int) -> pl.DataFrame:
    """The seizures that came with a manifest line, in seizure_id order.

    Only seizures at a port by a LINKABLE_MODES mode can link, each with its mode's LINK_SHARE. If
    more than MAX_LINKED_SHARE of ``n`` link, a weighted sample without replacement keeps
    precursor and equipment seizures first (they teach the targeting model the planted patterns),
    then de minimis ones (the parcel stream the demo is about), then the rest.
    """
    frame = seizures.sort("seizure_id")
    mode = frame["mode"].to_numpy().astype(str)
    category = frame["category"].to_numpy().astype(str)
    has_port = frame["port_code"].is_not_null().to_numpy()
    chemical = np.isin(category, ["precursor", "equipment"])
    p = np.where(mode == "express", LINK_SHARE_EXPRESS, 0.0)
    p = np.where(mode == "mail", LINK_SHARE_MAIL, p)
    cargo = np.isin(mode, CARGO_MODES)
    p = np.where(cargo, np.where(chemical, LINK_SHARE_CARGO_CHEMICAL, LINK_SHARE_CARGO), p)
    chosen = (rng.random(frame.height) < p) & has_port
    linked = frame.filter(pl.Series(chosen))
    cap = int(MAX_LINKED_SHARE * n)
    if linked.height > cap:
        linked = linked.select(pl.all().gather(_preferred_subset(linked, rng, cap)))
    return linked


def _preferred_subset(linked: pl.DataFrame, rng: np.random.Generator, cap: int) -> np.ndarray:
    """Row positions of ``cap`` linked seizures, sorted: a weighted sample without replacement.

    Efraimidis-Spirakis keys (log u / weight, keep the largest) give sequential weighted sampling
    in one draw and one sort, however close ``cap`` is to the number of candidates.
    """
    chemical = linked["category"].is_in(["precursor", "equipment"]).to_numpy()
    de_minimis = linked["de_minimis"].fill_null(False).to_numpy().astype(bool)
    weight = np.where(
        chemical,
        CAP_WEIGHT_CHEMICAL,
        np.where(de_minimis, CAP_WEIGHT_DE_MINIMIS, CAP_WEIGHT_OTHER),
    )
    key = np.log(1.0 - rng.random(linked.height)) / weight  # u in (0, 1]: no log(0)
    return np.sort(np.argsort(-key, kind="stable")[:cap])


def linked_rows(ctx: Context, rng: np.random.Generator, linked: pl.DataFrame) -> Columns:
    """One manifest line per linked seizure, matching its port, mode, day and countries."""
    _, hts = declared_texts()
    size = linked.height
    cols = blank_columns(size)
    cols["illicit"][:] = True
    cols["seizure"] = np.arange(size, dtype=np.int32)
    mode = linked["mode"].replace_strict(list(MODES), range(len(MODES)), return_dtype=pl.Int8)
    mode = mode.to_numpy()
    port = linked["port_code"].replace_strict(ctx.port_index, return_dtype=pl.Int32).to_numpy()
    day = linked["event_date"].cast(pl.Int32).to_numpy().astype(np.int64)
    t = day * DAY_US + rng.integers(0, DAY_US, size)
    origin = countries_from(ctx, linked["source_country"])
    origin = np.where(origin < 0, ctx.country_index["CN"], origin).astype(np.int16)
    transit = countries_from(ctx, linked["transit_country"])
    transit = np.where(transit == origin, -1, transit).astype(np.int16)
    category = linked["category"].to_numpy().astype(str)
    commodity = linked["commodity"].to_numpy().astype(str)
    parcel = np.isin(mode, PARCEL_MODES)
    de_minimis = linked["de_minimis"].to_numpy().astype(bool) & parcel

    line, text = consumer_declarations(rng, hts, mode, 0.35)
    weight, value = weights_values(rng, hts, line, mode)
    precursor = category == "precursor"
    p_line, p_text = precursor_declarations(rng, hts, size)
    equipment = category == "equipment"
    dies = np.isin(commodity, ["die_set", "press_parts"])
    e_line, e_text = machine_declarations(rng, hts, size, dies)
    line = np.where(precursor, p_line, np.where(equipment, e_line, line)).astype(np.int16)
    text = np.where(precursor, p_text, np.where(equipment, e_text, text)).astype(np.int32)

    lbs = linked["lbs"].fill_null(0.0).to_numpy()
    pieces = np.where(
        linked["unit"].to_numpy().astype(str) == "pieces", linked["quantity"].to_numpy(), 0.0
    )
    contraband_kg = lbs * LBS_TO_KG + pieces * np.where(dies, 3.0, 120.0)
    packed = contraband_kg * rng.uniform(1.05, 1.5, size)
    weight = np.where(parcel, np.maximum(weight, packed), weight + contraband_kg)
    weight = np.where(precursor | equipment, np.maximum(packed, 0.05), weight)
    vpk_norm = hts.vpk_median[line]
    value = np.where(precursor, weight * vpk_norm * rng.uniform(0.02, 0.15, size), value)
    value = np.where(equipment, weight * vpk_norm * rng.uniform(0.3, 1.0, size), value)
    # Type 86 must stay under the 800 USD threshold; filers undervalue to stay there.
    value = np.where(de_minimis & (value > 800), rng.uniform(20, 800, size), value)
    value = np.maximum(value, 1.0)

    cols.update(
        t=t,
        port=port,
        mode=mode,
        hts=line,
        text=text,
        value=value,
        weight=weight,
        origin=origin,
        transit=transit,
        want86=de_minimis,
        exam_rate=np.full(size, 1.0),
    )
    illicit_parties(ctx, rng, cols, size)
    cols["placeholder"] = np.where(
        parcel, cols["placeholder"], np.where(rng.random(size) < 0.03, 0, -1)
    ).astype(np.int16)
    smuggled = parcel & ~equipment
    master = smuggled & de_minimis & (rng.random(size) < 0.12)  # cartons hide type-86 parcels
    cols["master"] = master
    cols["preprinted"] = np.where(
        master, rng.random(size) < 0.85, smuggled & (rng.random(size) < 0.05)
    )
    _gather_split_consignments(ctx, rng, cols, master)
    return cols


def _gather_split_consignments(
    ctx: Context, rng: np.random.Generator, cols: Columns, master: np.ndarray
) -> None:
    """A seized master-carton parcel belongs to a split consignment: a few drop addresses (each
    with its shipper) receive several of them."""
    rows = np.flatnonzero(master)
    if len(rows) == 0:
        return
    drops = max(1, len(rows) // 6)
    drop = rng.integers(0, drops, len(rows))
    total = ctx.parcel_consignees + ctx.cargo_consignees
    drop_address = np.floor(rng.random(drops) * total).astype(np.int64) + 1
    drop_shipper = cols["shipper"][rows][np.minimum(np.arange(drops), len(rows) - 1)]
    cols["address"][rows] = drop_address[drop]
    cols["shipper"][rows] = drop_shipper[drop]
