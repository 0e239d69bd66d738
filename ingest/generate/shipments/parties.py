"""Who ships, who receives, where it goes and who carries it.

Shippers and consignees are numbers drawn from Zipf pools (a few heavy repeaters, a long tail), so
parties recur across rows the way real importers do; a consignee's name is a pure function of its
number, except on rows that carry a placeholder name (planted pattern 4).
"""

from __future__ import annotations

from functools import cache

import numpy as np

from ingest.generate.shipments.columns import Columns
from ingest.generate.shipments.context import Context
from ingest.generate.shipments.draws import bijection, pick, zipf_ranks
from ingest.generate.shipments.vocabulary import (
    CARRIER_MAIL,
    CARRIERS_AIR,
    CARRIERS_EXPRESS,
    CARRIERS_RAIL_N,
    CARRIERS_RAIL_SW,
    CARRIERS_SEA,
    CARRIERS_TRUCK_N,
    CARRIERS_TRUCK_SW,
    HUB_CARRIER_SHARE,
    M_AIR,
    M_EXPRESS,
    M_RAIL,
    M_SEA,
    M_TRUCK,
    PARCEL_MODES,
)

# fmt: off
FIRST_NAMES = (
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah",
    "Christopher", "Karen", "Daniel", "Lisa", "Matthew", "Nancy", "Anthony", "Betty", "Mark",
    "Sandra", "Jose", "Maria", "Luis", "Ana", "Wei", "Mei", "Minh", "Priya", "Raj", "Aisha",
    "Carlos", "Sofia", "Kevin", "Emily", "Brian", "Ashley", "Jason", "Amanda", "Tyler", "Megan",
)
LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor",
    "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez",
    "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright",
    "Scott", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera",
    "Campbell", "Mitchell", "Carter", "Chen", "Patel",
)
COMPANY_HEADS = (
    "Pacific", "Summit", "Bright Star", "Golden Gate", "Evergreen", "Liberty", "Pioneer",
    "Horizon", "Blue Ridge", "Lone Star", "Great Lakes", "Silver Line", "Eagle", "Keystone",
    "Coastal", "Redwood", "Atlas", "Northstar", "Sunrise", "Prime", "Apex", "Cardinal", "Harbor",
    "Metro", "United", "Frontier", "Crescent", "Granite", "Riverside", "Westfield",
)
COMPANY_TRADES = (
    "Trading", "Imports", "Supply", "Distribution", "Logistics", "Wholesale", "Industries",
    "Enterprises", "Retail", "Goods", "Electronics", "Apparel", "Home", "Auto Parts", "Foods",
)
COMPANY_FORMS = ("LLC", "Inc.", "Corp.", "Co.", "Group", "LLC", "Inc.", "Ltd.")
PLACEHOLDER_NAMES = (
    "John Doe", "Test Test", "N/A", "Customer", "Unknown", "Mickey Mouse", "Present", "Jane Doe",
    "XXX", "Consignee",
)
PLACEHOLDER_RATE_BACKGROUND = {"parcel": 0.0025, "cargo": 0.0005}
PLACEHOLDER_RATE_ILLICIT = 0.18
# fmt: on


def _group_of_mode(mode: np.ndarray) -> np.ndarray:
    """Shipper pool group of each row: parcel, air, sea or land."""
    return np.array([0, 0, 1, 2, 3, 3], dtype=np.int64)[mode]


def shippers(
    ctx: Context,
    rng: np.random.Generator,
    mode: np.ndarray,
    origin: np.ndarray,
    tail: np.ndarray | None = None,
) -> np.ndarray:
    """Shipper numbers: Zipf inside the (group, origin) pool; uniform for ``tail`` rows."""
    g = _group_of_mode(mode)
    c = np.maximum(origin, 0)
    size = ctx.shipper_pool[g, c]
    rank = zipf_ranks(rng, size, len(mode), 1.05)
    if tail is not None:
        uniform = np.floor(rng.random(len(mode)) * size).astype(np.int64)
        rank = np.where(tail, uniform, rank)
    return bijection(ctx.shipper_offset[g, c] + rank, ctx.shipper_total, 1) + 1


def consignees(
    ctx: Context, rng: np.random.Generator, parcel: np.ndarray, tail: np.ndarray | None = None
) -> np.ndarray:
    """Consignee numbers 0..: parcel consignees first, then cargo consignees."""
    size = np.where(parcel, ctx.parcel_consignees, ctx.cargo_consignees)
    rank = zipf_ranks(rng, size, len(parcel), np.where(parcel, 0.6, 0.9))
    if tail is not None:
        rank = np.where(tail, np.floor(rng.random(len(parcel)) * size).astype(np.int64), rank)
    return np.where(parcel, rank, ctx.parcel_consignees + rank)


def addresses(ctx: Context, rng: np.random.Generator, consignee: np.ndarray) -> np.ndarray:
    """Each consignee has a home address; one row in ten goes elsewhere."""
    total = ctx.parcel_consignees + ctx.cargo_consignees
    home = bijection(consignee, total, 3)
    other = np.floor(rng.random(len(consignee)) * total).astype(np.int64)
    return np.where(rng.random(len(consignee)) < 0.1, other, home) + 1


def carriers(
    ctx: Context, rng: np.random.Generator, mode: np.ndarray, port: np.ndarray
) -> np.ndarray:
    """Carrier per row by mode and border; an express hub mostly gets its own integrator."""
    out = np.full(len(mode), ctx.carrier_index[CARRIER_MAIL], dtype=np.int16)
    border = ctx.border[port]
    tables = (
        (mode == M_EXPRESS, CARRIERS_EXPRESS),
        (mode == M_AIR, CARRIERS_AIR),
        (mode == M_SEA, CARRIERS_SEA),
        ((mode == M_TRUCK) & (border != 2), CARRIERS_TRUCK_SW),
        ((mode == M_TRUCK) & (border == 2), CARRIERS_TRUCK_N),
        ((mode == M_RAIL) & (border != 2), CARRIERS_RAIL_SW),
        ((mode == M_RAIL) & (border == 2), CARRIERS_RAIL_N),
    )
    for mask, table in tables:
        rows = np.flatnonzero(mask)
        names = np.array([ctx.carrier_index[c] for c in table], dtype=np.int16)
        out[rows] = names[pick(rng, table, len(rows))]
    hub = ctx.hub_carrier[port]
    own = (mode == M_EXPRESS) & (hub >= 0) & (rng.random(len(mode)) < HUB_CARRIER_SHARE)
    return np.where(own, hub, out)


def illicit_parties(ctx: Context, rng: np.random.Generator, cols: Columns, size: int) -> None:
    """Parties of illicit rows, in place: one-off shippers and consignees, many placeholders."""
    parcel = np.isin(cols["mode"], PARCEL_MODES)
    tail = np.ones(size, dtype=bool)
    cols["shipper"] = shippers(ctx, rng, cols["mode"], cols["origin"], tail)
    consignee = consignees(ctx, rng, parcel, tail)
    cols["consignee"] = consignee
    cols["address"] = addresses(ctx, rng, consignee)
    rate = np.where(parcel, PLACEHOLDER_RATE_ILLICIT, 0.03)
    cols["placeholder"] = np.where(
        rng.random(size) < rate, rng.integers(0, len(PLACEHOLDER_NAMES), size), -1
    ).astype(np.int16)
    cols["carrier"] = carriers(ctx, rng, cols["mode"], cols["port"])


@cache
def name_table() -> tuple[str, ...]:
    """Every consignee name the generator writes: people, then companies, then placeholders."""
    people = [f"{first} {last}" for last in LAST_NAMES for first in FIRST_NAMES]
    companies = [
        f"{head} {trade} {form}"
        for form in COMPANY_FORMS
        for trade in COMPANY_TRADES
        for head in COMPANY_HEADS
    ]
    return tuple(people + companies + list(PLACEHOLDER_NAMES))


def name_index(cols: Columns, ctx: Context) -> np.ndarray:
    """A consignee's name is fixed by its number; placeholders override it on some rows."""
    consignee = cols["consignee"]
    company_share = np.where(consignee < ctx.parcel_consignees, 12, 95)
    mixed = (consignee * 2_654_435_761 + 97) % (2**32)
    people = len(FIRST_NAMES) * len(LAST_NAMES)
    companies = len(COMPANY_HEADS) * len(COMPANY_TRADES) * len(COMPANY_FORMS)
    name = np.where(
        (mixed % 100) < company_share,
        people + (mixed // 100) % companies,
        (mixed // 100) % people,
    )
    placeholder = cols["placeholder"]
    return np.where(placeholder >= 0, people + companies + placeholder, name)
