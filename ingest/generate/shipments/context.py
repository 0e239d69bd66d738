"""The fixed frame a run draws into: port pools per mode, country and carrier codes, party pools.

Built once per run from ports.csv and the linked seizures (whose ports and countries must be
codable too), so every segment works on small integer codes instead of strings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from ingest.generate.shipments.vocabulary import (
    ALL_CARRIER_TABLES,
    CARRIER_MAIL,
    EMERGING_PORT_PREFERENCE,
    EMERGING_TRANSIT,
    M_EXPRESS,
    MAIL_HOST_PORTS,
    MODE_SHARE,
    MODES,
    ORIGIN_AIR,
    ORIGIN_LAND_OTHER,
    ORIGIN_PARCEL,
    ORIGIN_SEA,
    PORT_PREFERENCE,
    PORT_TYPES_OF_MODE,
    PORT_ZIPF,
    RAIL_ONLY_LISTED,
    TRANSIT_CARGO,
    TRANSIT_PARCEL,
    Weights,
)
from lake import reference


@dataclass
class Context:
    """Integer codes and pool sizes every segment of one run shares."""

    codes: list[str]
    areas: list[str]
    port_index: dict[str, int]
    border: np.ndarray  # 0 none, 1 southwest, 2 northern
    hub_carrier: np.ndarray  # carrier index of an express hub's integrator, -1 if none
    pools: dict[int, tuple[np.ndarray, np.ndarray]]  # mode -> (port indices, probabilities)
    emerging_port: int
    countries: list[str]
    country_index: dict[str, int]
    carriers: list[str]
    carrier_index: dict[str, int]
    shipper_pool: np.ndarray  # [group, country] -> pool size
    shipper_offset: np.ndarray
    shipper_total: int
    parcel_consignees: int
    cargo_consignees: int


def _port_pool(ports: pl.DataFrame, mode: str) -> list[str]:
    """Ports a mode uses, busiest first (mail: the IMF rows, else their host airports)."""
    kinds = PORT_TYPES_OF_MODE[mode]
    rows = ports.filter(pl.col("port_type").is_in(list(kinds)))
    if mode == "mail":
        imf = rows.filter(pl.col("port_type") == "imf")
        rows = imf if imf.height else rows.filter(pl.col("port_code").is_in(MAIL_HOST_PORTS))
    codes = sorted(rows["port_code"].to_list())
    # "4701" also names the JFK mail facility "4701-IMF" when ports.csv lists it separately.
    preferred = [c for p in PORT_PREFERENCE.get(mode, ()) for c in codes if c.split("-")[0] == p]
    preferred = list(dict.fromkeys(preferred))
    if mode == "land_rail" and RAIL_ONLY_LISTED and preferred:
        return preferred
    return preferred + [c for c in codes if c not in preferred]


def build_context(n: int, linked: pl.DataFrame) -> Context:
    """Codes and pools for a run of ``n`` rows that must also place the ``linked`` seizures."""
    ports = reference.ports()
    codes = ports["port_code"].to_list()
    areas = ports["area_id"].to_list()
    borders = ports["border"].fill_null("").to_list()
    names = ports["name"].to_list()
    extra = (
        linked.filter(~pl.col("port_code").is_in(codes))
        .unique("port_code", keep="first", maintain_order=True)
        .sort("port_code")
    )
    codes += extra["port_code"].to_list()
    areas += extra["area_id"].to_list()
    borders += [""] * extra.height
    names += [""] * extra.height
    border = np.array([{"US-Mexico": 1, "US-Canada": 2}.get(b, 0) for b in borders], np.int8)

    carriers: list[str] = [CARRIER_MAIL]
    for table in ALL_CARRIER_TABLES:
        carriers += [c for c in table if c not in carriers]
    carrier_index = {c: i for i, c in enumerate(carriers)}
    hub = np.full(len(codes), -1, dtype=np.int16)
    for i, name in enumerate(names):
        for brand, carrier in (("DHL", "DHL Express"), ("FedEx", "FedEx"), ("UPS", "UPS")):
            if brand in name:
                hub[i] = carrier_index[carrier]

    port_index = {c: i for i, c in enumerate(codes)}
    pools = {}
    for m, mode in enumerate(MODES):
        pool = _port_pool(ports, mode)
        ranks = np.arange(1, len(pool) + 1, dtype=float)
        w = ranks ** -PORT_ZIPF[mode]
        pools[m] = (np.array([port_index[c] for c in pool], dtype=np.int32), w / w.sum())
    express = [codes[i] for i in pools[M_EXPRESS][0]]
    emerging = next((c for c in EMERGING_PORT_PREFERENCE if c in express), None)
    if emerging is None and express:
        emerging = express[min(4, len(express) - 1)]
    countries = sorted(
        set(ORIGIN_PARCEL)
        | set(ORIGIN_AIR)
        | set(ORIGIN_SEA)
        | set(ORIGIN_LAND_OTHER)
        | set(TRANSIT_PARCEL)
        | set(TRANSIT_CARGO)
        | {"MX", "CA", "US", EMERGING_TRANSIT}
        | set(linked["source_country"].drop_nulls().to_list())
        | set(linked["transit_country"].drop_nulls().to_list())
    )
    country_index = {c: i for i, c in enumerate(countries)}

    # Shipper pools per (group, country): parcel, air, sea, land. A pool holds about one shipper
    # per 25 expected rows, so heavy shippers repeat thousands of times and most appear rarely.
    groups = (
        (ORIGIN_PARCEL, n * (MODE_SHARE[0] + MODE_SHARE[1])),
        (ORIGIN_AIR, n * MODE_SHARE[2]),
        (ORIGIN_SEA, n * MODE_SHARE[3]),
        (
            {"MX": 0.55, "CA": 0.41, **{k: v * 0.04 for k, v in ORIGIN_LAND_OTHER.items()}},
            n * (MODE_SHARE[4] + MODE_SHARE[5]),
        ),
    )
    pool = np.full((len(groups), len(countries)), 20, dtype=np.int64)
    for g, (weights, rows) in enumerate(groups):
        total = sum(weights.values())
        for c, w in weights.items():
            pool[g, country_index[c]] = max(20, int(rows * w / total / 25))
    offset = np.concatenate([[0], np.cumsum(pool.ravel())[:-1]]).reshape(pool.shape)
    return Context(
        codes=codes,
        areas=areas,
        port_index=port_index,
        border=border,
        hub_carrier=hub,
        pools=pools,
        emerging_port=port_index[emerging] if emerging else -1,
        countries=countries,
        country_index=country_index,
        carriers=carriers,
        carrier_index=carrier_index,
        shipper_pool=pool,
        shipper_offset=offset,
        shipper_total=int(pool.sum()),
        parcel_consignees=max(100, int(n * (MODE_SHARE[0] + MODE_SHARE[1]) / 3)),
        cargo_consignees=max(50, int(n * sum(MODE_SHARE[2:]) / 40)),
    )


def country_codes(ctx: Context, weights: Weights) -> np.ndarray:
    """Country indices of a weight table's keys, in its order (pair with draws.pick)."""
    return np.array([ctx.country_index[c] for c in weights], dtype=np.int16)


def countries_from(ctx: Context, values: pl.Series) -> np.ndarray:
    """Country strings to indices (-1 for null)."""
    mapping = pl.DataFrame({"c": ctx.countries, "i": np.arange(len(ctx.countries))})
    joined = pl.DataFrame({"c": values}).join(mapping, on="c", how="left", maintain_order="left")
    return joined["i"].fill_null(-1).to_numpy().astype(np.int16)


def pick_ports(ctx: Context, rng: np.random.Generator, mode: np.ndarray) -> np.ndarray:
    """A port per row from its mode's Zipf-weighted pool."""
    port = np.zeros(len(mode), dtype=np.int32)
    for m in range(len(MODES)):
        rows = np.flatnonzero(mode == m)
        pool, p = ctx.pools[m]
        if len(rows) and len(pool):
            port[rows] = pool[rng.choice(len(pool), size=len(rows), p=p)]
    return port
