"""The analysts' own data: watchlists and exam feedback, checked before they are stored.

Every value is checked here before ``queries/targeting_store.py`` saves it in the SQLite store
(a watch on a route must name real countries, a port and a mode), so the queries that match
watches against shipments can trust what they read. Why SQLite, and the statements, are there.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from lake import reference
from queries import targeting_store
from queries.targeting_store import Watch, path
from queries.targeting_watch import ANY, DIRECT

KINDS = {
    "commodity": "Commodity",
    "hts": "HTS code",
    "route": "Route",
    "party": "Party",
}
VERDICTS = ("seized", "clean")
HTS_PREFIX = re.compile(r"^\d{4}(\.\d{2}(\.\d{2}(\d{2})?)?)?$")
PARTY_ID = re.compile(r"^[A-Za-z0-9_-]{2,40}$")
MAX_LABEL = 80
MAX_NOTE = 500


class StoreError(ValueError):
    """A value that cannot be stored; the message is safe to show to a user."""


def _now() -> str:
    return datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds")


# -- watchlists ------------------------------------------------------------------------------
def _route_parts(value: str) -> list[str]:
    parts = [p.strip() for p in value.split(">")]
    if len(parts) != 4:
        raise StoreError("A route is origin>transit>port>mode, e.g. CN>VN>4198>express (* = any)")
    return parts


def normalise_watch(kind: str, value: str) -> str:
    """The stored form of a watch value, or StoreError saying what is wrong with it."""
    if kind not in KINDS:
        raise StoreError(f"Unknown watch kind {str(kind)[:20]!r}")
    value = (value or "").strip()
    if not value:
        raise StoreError("Enter a value to watch")
    if kind == "commodity":
        if value not in set(reference.commodities()["commodity_id"]):
            raise StoreError(f"Unknown commodity {value[:40]!r}")
        return value
    if kind == "hts":
        if not HTS_PREFIX.match(value):
            raise StoreError("An HTS code looks like 2933, 2933.39 or 2933.39.9100")
        return value
    if kind == "party":
        if not PARTY_ID.match(value):
            raise StoreError("A party is a shipper, consignee or address id, e.g. SH0024245")
        return value.upper()
    origin, transit, port, mode = _route_parts(value)
    countries = set(reference.countries()["country"])
    origin, transit = origin.upper(), transit.upper()
    if origin != ANY and origin not in countries:
        raise StoreError(f"Unknown origin country {origin[:10]!r}")
    if transit not in (ANY, DIRECT) and transit not in countries:
        raise StoreError(f"Unknown transit country {transit[:10]!r} (- for direct)")
    if port != ANY and port not in set(reference.ports()["port_code"]):
        raise StoreError(f"Unknown port {port[:12]!r}")
    if mode != ANY and mode not in set(reference.modes()["mode"]):
        raise StoreError(f"Unknown mode {mode[:20]!r}")
    if {origin, transit, port, mode} == {ANY}:
        raise StoreError("A route needs at least one part that is not *")
    return ">".join((origin, transit, port, mode))


def add_watch(kind: str, value: str, label: str = "", data_dir: Path | None = None) -> Watch:
    """Save a watch (or return the existing one with the same kind and value)."""
    stored = normalise_watch(kind, value)
    text = " ".join((label or "").split())[:MAX_LABEL] or f"{KINDS[kind]} {stored}"
    return targeting_store.save_watch(kind, stored, text, _now(), data_dir)


def watches(data_dir: Path | None = None) -> list[Watch]:
    return targeting_store.saved_watches(data_dir)


def remove_watch(watch_id: int, data_dir: Path | None = None) -> bool:
    return targeting_store.delete_watch(int(watch_id), data_dir)


# -- feedback --------------------------------------------------------------------------------
def add_feedback(
    shipment_id: str, verdict: str, note: str = "", data_dir: Path | None = None
) -> int:
    """Record an exam result an analyst reports; the latest verdict of a shipment wins."""
    if verdict not in VERDICTS:
        raise StoreError(f"A verdict is one of {', '.join(VERDICTS)}")
    if not isinstance(shipment_id, str) or not 0 < len(shipment_id) <= 64:
        raise StoreError("No shipment selected")
    note = (note or "")[:MAX_NOTE]
    return targeting_store.save_feedback(shipment_id, verdict, note, _now(), data_dir)


def feedback_for(shipment_id: str, data_dir: Path | None = None) -> dict | None:
    """The latest verdict on a shipment, or None."""
    return targeting_store.latest_feedback(shipment_id, data_dir)


def feedback_frame(data_dir: Path | None = None) -> pl.DataFrame:
    """Every verdict, oldest first (training keeps the last one per shipment)."""
    return targeting_store.all_feedback(data_dir)


__all__ = [
    "KINDS",
    "MAX_LABEL",
    "MAX_NOTE",
    "VERDICTS",
    "StoreError",
    "Watch",
    "add_feedback",
    "add_watch",
    "feedback_for",
    "feedback_frame",
    "normalise_watch",
    "path",
    "remove_watch",
    "watches",
]
