"""Illicit rows nobody seized: the planted patterns a targeting model should surface unaided.

They are unlabelled on purpose (outcome not_examined, or cleared when an exam missed them): the
targeting page must find them from their features, not from a seizure record.
"""

from __future__ import annotations

import numpy as np

from ingest.generate.shipments.arrivals import DAY_US, EPOCH, sample_times
from ingest.generate.shipments.columns import Columns, blank_columns, concat_columns
from ingest.generate.shipments.context import Context, country_codes, pick_ports
from ingest.generate.shipments.declarations import (
    consumer_declarations,
    machine_declarations,
    precursor_declarations,
)
from ingest.generate.shipments.draws import lognormal, pick
from ingest.generate.shipments.hts import HtsTable, declared_texts
from ingest.generate.shipments.parties import (
    PLACEHOLDER_NAMES,
    PLACEHOLDER_RATE_ILLICIT,
    carriers,
    consignees,
    illicit_parties,
    shippers,
)
from ingest.generate.shipments.vocabulary import (
    EMERGING_FROM_FY,
    EMERGING_MONTHLY_GROWTH,
    EMERGING_ORIGIN,
    EMERGING_TRANSIT,
    M_AIR,
    M_EXPRESS,
    M_MAIL,
    M_SEA,
    PARCEL_MODES,
)

# Hidden (never seized) illicit rows: share of rows, and how they split across the patterns.
HIDDEN_PER_LINKED = 0.6
HIDDEN_MIN_SHARE, HIDDEN_MAX_SHARE = 0.001, 0.004
HIDDEN_SPLIT = {"precursor": 0.30, "carton": 0.30, "emerging": 0.20, "press": 0.06, "drug": 0.14}
# fmt: off
HIDDEN_MODES = {  # (modes, probabilities) of the patterns that are not tied to one route
    "precursor": ((M_EXPRESS, M_MAIL, M_AIR), (0.5, 0.3, 0.2)),
    "press": ((M_EXPRESS, M_AIR, M_SEA), (0.4, 0.4, 0.2)),
    "drug": ((M_EXPRESS, M_MAIL), (0.6, 0.4)),
}
HIDDEN_ORIGINS = {
    "precursor": {"CN": 0.85, "IN": 0.15},
    "press": {"CN": 0.9, "HK": 0.05, "IN": 0.05},
    "drug": {"CN": 0.3, "MX": 0.2, "IN": 0.2, "CA": 0.15, "NL": 0.15},
}
HIDDEN_VIA = {"HK": 0.5, "KR": 0.3, "MX": 0.2}  # half of precursor and press rows route via one
# fmt: on


def hidden_count(n: int, linked: int) -> int:
    """Never-seized illicit rows: scale with the seized ones, bounded as a share of ``n``."""
    hidden = int(np.clip(HIDDEN_PER_LINKED * linked, HIDDEN_MIN_SHARE * n, HIDDEN_MAX_SHARE * n))
    return max(0, min(hidden, n - linked))


def hidden_rows(
    ctx: Context,
    rng: np.random.Generator,
    size: int,
    days: np.ndarray,
    cdfs: dict[bool, np.ndarray],
) -> Columns:
    """``size`` illicit rows split across the patterns (emerging folds into precursor if absent)."""
    if size <= 0:
        return {}
    split = dict(HIDDEN_SPLIT)
    emerging_start = max(np.datetime64(f"{EMERGING_FROM_FY - 1}-10-01", "D"), days[0])
    if emerging_start > days[-1] or ctx.emerging_port < 0:
        split["precursor"] += split.pop("emerging")
    names = list(split)
    counts = np.floor(np.array([split[k] for k in names]) * size).astype(int)
    counts[0] += size - counts.sum()
    parts = []
    for name, count in zip(names, counts, strict=True):
        if count <= 0:
            continue
        part = blank_columns(count)
        part["illicit"][:] = True
        if name == "carton":
            part.update(carton_rows(ctx, rng, count, days, cdfs[True]))
        else:
            _fill_pattern(ctx, rng, part, name, count, days, cdfs[True], emerging_start)
        parts.append(part)
    return concat_columns(parts)


def _fill_pattern(
    ctx: Context,
    rng: np.random.Generator,
    part: Columns,
    name: str,
    count: int,
    days: np.ndarray,
    parcel_cdf: np.ndarray,
    emerging_start: np.datetime64,
) -> None:
    """Rows of one non-carton pattern, in place: route first, then goods, then parties."""
    _, hts = declared_texts()
    if name == "emerging":
        mode = np.full(count, M_EXPRESS)
    else:
        modes, p = HIDDEN_MODES[name]
        mode = rng.choice(list(modes), size=count, p=list(p))
    mode = mode.astype(np.int8)
    part["mode"] = mode
    if name == "emerging":
        part["port"] = np.full(count, ctx.emerging_port, dtype=np.int32)
        sub = days[days >= emerging_start]
        months = (sub - emerging_start).astype(np.int64) / 30.44
        cdf = np.cumsum(np.exp(EMERGING_MONTHLY_GROWTH * months))
        part["t"] = sample_times(rng, sub, cdf / cdf[-1], count)
        part["origin"] = np.full(count, ctx.country_index[EMERGING_ORIGIN], np.int16)
        part["transit"] = np.full(count, ctx.country_index[EMERGING_TRANSIT], np.int16)
        part["exam_rate"][:] = 0.3  # relative: a new route is rarely targeted
    else:
        part["port"] = pick_ports(ctx, rng, mode)
        part["t"] = sample_times(rng, days, parcel_cdf, count)
        origins = HIDDEN_ORIGINS[name]
        part["origin"] = country_codes(ctx, origins)[pick(rng, origins, count)]
        transit = country_codes(ctx, HIDDEN_VIA)[pick(rng, HIDDEN_VIA, count)]
        routed = (rng.random(count) < 0.5) & (name in ("precursor", "press"))
        part["transit"] = np.where(routed, transit, -1).astype(np.int16)
    line, text, weight, value = _pattern_goods(rng, hts, name, mode, count)
    part.update(hts=line, text=text, weight=weight, value=np.maximum(value, 1.0))
    illicit_parties(ctx, rng, part, count)
    part["want86"] = np.ones(count, dtype=bool)
    parcel = np.isin(mode, PARCEL_MODES)
    part["preprinted"] = parcel & (rng.random(count) < 0.12)


def _pattern_goods(
    rng: np.random.Generator, hts: HtsTable, name: str, mode: np.ndarray, count: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Line, text, weight and value: precursors far below the line's value norm, presses heavy."""
    if name in ("precursor", "emerging"):
        line, text = precursor_declarations(rng, hts, count)
        weight = np.where(
            mode == M_AIR,
            lognormal(rng, np.full(count, 40.0), np.full(count, 0.9)),
            np.clip(lognormal(rng, np.full(count, 2.0), np.full(count, 0.8)), 0.1, 30),
        )
        value = weight * hts.vpk_median[line] * rng.uniform(0.02, 0.15, count)
    elif name == "press":
        dies = rng.random(count) < 0.4
        line, text = machine_declarations(rng, hts, count, dies)
        weight = np.where(
            dies,
            lognormal(rng, np.full(count, 3.0), np.full(count, 0.6)),
            lognormal(rng, np.full(count, 120.0), np.full(count, 0.7)),
        )
        value = weight * hts.vpk_median[line] * rng.uniform(0.3, 1.0, count)
    else:  # drugs hidden in consumer parcels
        line, text = consumer_declarations(rng, hts, mode, 0.4)
        weight = np.clip(lognormal(rng, np.full(count, 1.2), np.full(count, 0.7)), 0.05, 20)
        value = weight * hts.vpk_median[line] * rng.uniform(0.2, 0.8, count)
    return line, text, weight, value


def carton_rows(
    ctx: Context, rng: np.random.Generator, size: int, days: np.ndarray, cdf: np.ndarray
) -> Columns:
    """Pattern 2: clusters of small type-86 parcels, one shipper -> one delivery address."""
    _, hts = declared_texts()
    sizes = rng.integers(12, 91, size=size // 12 + 2)
    ends = np.cumsum(sizes)
    k = int(np.searchsorted(ends, size)) + 1
    sizes = sizes[:k]
    sizes[-1] -= ends[k - 1] - size
    sizes = sizes[sizes > 0]
    clusters = len(sizes)
    of = np.repeat(np.arange(clusters), sizes)
    c_mode = np.where(rng.random(clusters) < 0.8, M_EXPRESS, M_MAIL).astype(np.int8)
    c_port = pick_ports(ctx, rng, c_mode)
    c_t = sample_times(rng, days, cdf, clusters)
    c_t = c_t - c_t % DAY_US
    cn, hk = ctx.country_index["CN"], ctx.country_index["HK"]
    c_origin = np.where(rng.random(clusters) < 0.9, cn, hk).astype(np.int16)
    c_transit = np.where((c_origin == cn) & (rng.random(clusters) < 0.3), hk, -1).astype(np.int16)
    total = ctx.parcel_consignees + ctx.cargo_consignees
    c_address = np.floor(rng.random(clusters) * total).astype(np.int64) + 1
    mode = c_mode[of]
    last_us = ((days[-1] - EPOCH).astype(np.int64) + 1) * DAY_US - 1
    t = c_t[of] + rng.integers(0, 4, size) * DAY_US + rng.integers(0, DAY_US, size)
    cols = {
        "mode": mode,
        "port": c_port[of],
        "t": np.minimum(t, last_us),
        "origin": c_origin[of],
        "transit": c_transit[of],
    }
    c_shipper = shippers(ctx, rng, c_mode, c_origin, np.ones(clusters, dtype=bool))
    line, text = consumer_declarations(rng, hts, mode, 0.4)
    weight = np.clip(lognormal(rng, np.full(size, 0.8), np.full(size, 0.6)), 0.1, 5)
    value = np.clip(lognormal(rng, np.full(size, 25.0), np.full(size, 0.6)), 2, 400)
    consignee = consignees(ctx, rng, np.ones(size, dtype=bool), np.ones(size, dtype=bool))
    cols.update(
        hts=line,
        text=text,
        weight=weight,
        value=value,
        shipper=c_shipper[of],
        consignee=consignee,
        address=c_address[of],
        placeholder=np.where(
            rng.random(size) < PLACEHOLDER_RATE_ILLICIT,
            rng.integers(0, len(PLACEHOLDER_NAMES), size),
            -1,
        ).astype(np.int16),
        carrier=carriers(ctx, rng, mode, cols["port"]),
        want86=np.ones(size, dtype=bool),
        master=rng.random(size) < 0.97,
        preprinted=rng.random(size) < 0.88,
    )
    return cols
