"""Watchlist items as SQL: which shipments each saved commodity, HTS code, route or party hits.

Watches come from the watchlist store, which validated every value when it was saved; here each
becomes one condition over the shipments columns with its values as bound parameters. Column
names are fixed in this module, never taken from a watch.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from lake import lexicon

# a route watch is "origin>transit>port>mode": ANY leaves a part open, DIRECT means no transit
ANY = "*"
DIRECT = "-"


class Watch(Protocol):
    """What a condition needs of a saved watch (``queries.targeting_store.Watch`` is one)."""

    id: int
    kind: str
    value: str


ROUTE_COLUMNS = ("origin_country", "coalesce(transit_country, '-')", "port_code", "mode")


@dataclass(frozen=True)
class WatchSql:
    ids: tuple[int, ...]
    conditions: tuple[str, ...]  # one boolean SQL expression per watch, "?" for values
    params: tuple[tuple, ...]  # the values of each condition

    @property
    def condition_params(self) -> list:
        return [v for group in self.params for v in group]

    @property
    def hits_sql(self) -> str:
        """A list of the ids of the watches a row hits (empty list when none)."""
        if not self.ids:
            return "CAST([] AS INTEGER[])"
        cases = ", ".join(
            f"CASE WHEN {c} THEN {i} END" for i, c in zip(self.ids, self.conditions, strict=True)
        )
        return f"list_filter([{cases}], lambda x: x IS NOT NULL)"

    @property
    def hits_params(self) -> list:
        return self.condition_params


def condition(watch: Watch) -> tuple[str, tuple]:
    """The SQL condition of one watch and its parameters."""
    if watch.kind == "hts":
        return "starts_with(hts_code, ?)", (watch.value,)
    if watch.kind == "party":
        return "(shipper_id = ? OR consignee_id = ? OR consignee_address_id = ?)", (
            watch.value,
        ) * 3
    if watch.kind == "commodity":
        prefixes = lexicon.commodity_prefixes(watch.value)
        parts = ["starts_with(hts_code, ?)" for _ in prefixes]
        params: list = list(prefixes)
        terms = lexicon.terms_pattern(watch.value)
        if "(?:)" not in terms:  # a commodity without description terms matches by code only
            parts.append("regexp_matches(lower(description), ?)")
            params.append(terms)
        return "(" + (" OR ".join(parts) or "FALSE") + ")", tuple(params)
    parts, params = [], []
    for column, value in zip(ROUTE_COLUMNS, watch.value.split(">"), strict=True):
        if value == ANY:
            continue
        parts.append(f"{column} = ?")
        params.append("-" if value == DIRECT else value)
    return "(" + " AND ".join(parts) + ")", tuple(params)


def watch_sql(watches: Iterable[Watch]) -> WatchSql:
    items = list(watches)
    built = [condition(w) for w in items]
    return WatchSql(
        ids=tuple(w.id for w in items),
        conditions=tuple(c for c, _ in built),
        params=tuple(p for _, p in built),
    )
