"""Legitimate traffic: the bulk of the rows, with each red flag present at a low base rate.

Honest filers also write vague texts, use placeholder names, ship master cartons and forget DEA
ids now and then, so no single feature of the planted patterns is a lookup.
"""

from __future__ import annotations

import numpy as np

from ingest.generate.shipments.arrivals import sample_times
from ingest.generate.shipments.columns import Columns, blank_columns
from ingest.generate.shipments.context import Context, country_codes
from ingest.generate.shipments.declarations import (
    line_probabilities,
    text_variants,
    vague_texts,
    weights_values,
)
from ingest.generate.shipments.draws import pick
from ingest.generate.shipments.hts import declared_texts, needs_dea_id
from ingest.generate.shipments.parties import (
    PLACEHOLDER_NAMES,
    PLACEHOLDER_RATE_BACKGROUND,
    addresses,
    carriers,
    consignees,
    shippers,
)
from ingest.generate.shipments.vocabulary import (
    CONSOLIDATION_SHARE,
    EMERGING_TRANSIT,
    LAND_HOME_SHARE,
    M_AIR,
    M_EXPRESS,
    M_MAIL,
    M_RAIL,
    M_SEA,
    M_TRUCK,
    MODE_SHARE,
    MODES,
    ORIGIN_AIR,
    ORIGIN_LAND_OTHER,
    ORIGIN_PARCEL,
    ORIGIN_SEA,
    PARCEL_MODES,
    TRANSIT_CARGO,
    TRANSIT_PARCEL,
)

VAGUE_RATE_BACKGROUND = {"parcel": 0.015, "cargo": 0.004}
DEA_ID_RATE_LEGIT = 0.92


def _origins(
    ctx: Context, rng: np.random.Generator, mode: np.ndarray, port: np.ndarray
) -> np.ndarray:
    """Origin country by mode; land rows mostly come from the neighbour at that border."""
    origin = np.zeros(len(mode), dtype=np.int16)
    for m, table in (
        (M_EXPRESS, ORIGIN_PARCEL),
        (M_MAIL, ORIGIN_PARCEL),
        (M_AIR, ORIGIN_AIR),
        (M_SEA, ORIGIN_SEA),
    ):
        rows = np.flatnonzero(mode == m)
        origin[rows] = country_codes(ctx, table)[pick(rng, table, len(rows))]
    land = np.flatnonzero(np.isin(mode, (M_TRUCK, M_RAIL)))
    home = np.where(ctx.border[port[land]] == 2, ctx.country_index["CA"], ctx.country_index["MX"])
    other = country_codes(ctx, ORIGIN_LAND_OTHER)[pick(rng, ORIGIN_LAND_OTHER, len(land))]
    origin[land] = np.where(rng.random(len(land)) < LAND_HOME_SHARE, home, other)
    return origin


def _transits(
    ctx: Context,
    rng: np.random.Generator,
    mode: np.ndarray,
    port: np.ndarray,
    origin: np.ndarray,
) -> np.ndarray:
    """Transit country for consolidated rows and overseas goods trucked in via MX or CA."""
    transit = np.full(len(mode), -1, dtype=np.int16)
    u = rng.random(len(mode))
    for m, share in CONSOLIDATION_SHARE.items():
        table = TRANSIT_PARCEL if m in PARCEL_MODES else TRANSIT_CARGO
        rows = np.flatnonzero((mode == m) & (u < share))
        transit[rows] = country_codes(ctx, table)[pick(rng, table, len(rows))]
    land = np.isin(mode, (M_TRUCK, M_RAIL))
    home = np.where(ctx.border[port] == 2, ctx.country_index["CA"], ctx.country_index["MX"])
    transit = np.where(land & (origin != home), home, transit)
    # A trickle of honest China -> Viet Nam consolidations, so the emerging route has a baseline.
    cn_vn = (mode == M_EXPRESS) & (origin == ctx.country_index["CN"]) & (u > 0.9998)
    transit = np.where(cn_vn, ctx.country_index[EMERGING_TRANSIT], transit)
    return np.where(transit == origin, -1, transit).astype(np.int16)


def background_rows(
    ctx: Context,
    rng: np.random.Generator,
    size: int,
    days: np.ndarray,
    cdfs: dict[bool, np.ndarray],
) -> Columns:
    """``size`` legitimate rows; ``cdfs`` maps parcel (True) or cargo (False) to a day CDF."""
    _, hts = declared_texts()
    cols = blank_columns(size)
    p_mode = np.array(MODE_SHARE) * np.array([len(ctx.pools[m][0]) > 0 for m in range(6)])
    mode = rng.choice(len(MODES), size=size, p=p_mode / p_mode.sum()).astype(np.int8)
    port = np.zeros(size, dtype=np.int32)
    line = np.zeros(size, dtype=np.int16)
    for m in range(len(MODES)):
        rows = np.flatnonzero(mode == m)
        pool, p = ctx.pools[m]
        if len(rows) == 0:
            continue
        port[rows] = pool[rng.choice(len(pool), size=len(rows), p=p)]
        probs = line_probabilities(hts, m)
        line[rows] = rng.choice(len(probs), size=len(rows), p=probs)
    parcel = np.isin(mode, PARCEL_MODES)
    t = np.zeros(size, dtype=np.int64)
    for is_parcel in (True, False):
        rows = np.flatnonzero(parcel == is_parcel)
        t[rows] = sample_times(rng, days, cdfs[is_parcel], len(rows))
    origin = _origins(ctx, rng, mode, port)
    transit = _transits(ctx, rng, mode, port, origin)
    weight, value = weights_values(rng, hts, line, mode)
    text = text_variants(rng, hts, line)
    vague_rate = np.where(parcel, VAGUE_RATE_BACKGROUND["parcel"], VAGUE_RATE_BACKGROUND["cargo"])
    text = np.where(rng.random(size) < vague_rate, vague_texts(rng, size), text)
    consignee = consignees(ctx, rng, parcel)
    placeholder_rate = np.where(
        parcel, PLACEHOLDER_RATE_BACKGROUND["parcel"], PLACEHOLDER_RATE_BACKGROUND["cargo"]
    )
    placeholder = np.where(
        rng.random(size) < placeholder_rate,
        rng.integers(0, len(PLACEHOLDER_NAMES), size),
        -1,
    ).astype(np.int16)
    master = ((mode == M_EXPRESS) & (rng.random(size) < 0.015)) | (
        (mode == M_MAIL) & (rng.random(size) < 0.003)
    )
    preprinted = parcel & (rng.random(size) < np.where(master, 0.03, 0.001))
    dea = np.where(
        needs_dea_id(text) & (rng.random(size) < DEA_ID_RATE_LEGIT),
        rng.integers(10_000_000, 100_000_000, size),
        -1,
    )
    cols.update(
        t=t,
        port=port,
        mode=mode,
        hts=line,
        text=text.astype(np.int32),
        value=value,
        weight=weight,
        origin=origin,
        transit=transit,
        shipper=shippers(ctx, rng, mode, origin),
        consignee=consignee,
        address=addresses(ctx, rng, consignee),
        placeholder=placeholder,
        carrier=carriers(ctx, rng, mode, port),
        want86=rng.random(size) < 0.97,
        master=master,
        preprinted=preprinted,
        dea=dea,
    )
    return cols
