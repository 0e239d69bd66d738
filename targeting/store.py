"""The analysts' own data: watchlists and exam feedback, in one small SQLite file.

Why SQLite (Python's standard ``sqlite3``) and not the lake: these are a few rows written one at a
time by people, they must survive restarts and a rebuilt demo lake, and they need real updates
and deletes. The file is ``$CHOKEPOINT_DATA/state/targeting.sqlite3``; every call opens its own
short connection, so Dash worker threads never share one.

Every value is checked before it is stored (a watch on a route must name real countries, a port
and a mode), so the queries that match watches against shipments can trust what they read.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

import settings
from lake import reference
from queries.targeting_watch import ANY, DIRECT

FILE = "targeting.sqlite3"
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
SCHEMA = (
    """CREATE TABLE IF NOT EXISTS watchlist (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL CHECK (kind IN ('commodity', 'hts', 'route', 'party')),
        value TEXT NOT NULL,
        label TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (kind, value)
    )""",
    """CREATE TABLE IF NOT EXISTS feedback (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        shipment_id TEXT NOT NULL,
        verdict TEXT NOT NULL CHECK (verdict IN ('seized', 'clean')),
        note TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS feedback_shipment ON feedback (shipment_id)",
)


class StoreError(ValueError):
    """A value that cannot be stored; the message is safe to show to a user."""


@dataclass(frozen=True)
class Watch:
    id: int
    kind: str
    value: str
    label: str
    created_at: str


def path(data_dir: Path | None = None) -> Path:
    return (data_dir or settings.data_dir()) / "state" / FILE


@contextmanager
def connect(data_dir: Path | None = None) -> Iterator[sqlite3.Connection]:
    """A short-lived connection, schema ensured, committed on success."""
    file = path(data_dir)
    file.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(file, timeout=5.0)
    try:
        con.execute("PRAGMA journal_mode=WAL")
        for statement in SCHEMA:
            con.execute(statement)
        yield con
        con.commit()
    finally:
        con.close()


@contextmanager
def reading(data_dir: Path | None = None) -> Iterator[sqlite3.Connection]:
    """A connection for reading: where no watch or verdict was ever saved, an empty store in
    memory, so a read never creates the file (a lake that is only read stays as it was)."""
    if path(data_dir).exists():
        with connect(data_dir) as con:
            yield con
        return
    con = sqlite3.connect(":memory:")
    try:
        for statement in SCHEMA:
            con.execute(statement)
        yield con
    finally:
        con.close()


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
    with connect(data_dir) as con:
        con.execute(
            "INSERT OR IGNORE INTO watchlist (kind, value, label, created_at) VALUES (?, ?, ?, ?)",
            (kind, stored, text, _now()),
        )
        row = con.execute(
            "SELECT id, kind, value, label, created_at FROM watchlist WHERE kind = ? AND value = ?",
            (kind, stored),
        ).fetchone()
    return Watch(*row)


def watches(data_dir: Path | None = None) -> list[Watch]:
    with reading(data_dir) as con:
        rows = con.execute(
            "SELECT id, kind, value, label, created_at FROM watchlist ORDER BY id"
        ).fetchall()
    return [Watch(*row) for row in rows]


def remove_watch(watch_id: int, data_dir: Path | None = None) -> bool:
    with connect(data_dir) as con:
        cursor = con.execute("DELETE FROM watchlist WHERE id = ?", (int(watch_id),))
        return cursor.rowcount > 0


# -- feedback --------------------------------------------------------------------------------
def add_feedback(
    shipment_id: str, verdict: str, note: str = "", data_dir: Path | None = None
) -> int:
    """Record an exam result an analyst reports; the latest verdict of a shipment wins."""
    if verdict not in VERDICTS:
        raise StoreError(f"A verdict is one of {', '.join(VERDICTS)}")
    if not isinstance(shipment_id, str) or not 0 < len(shipment_id) <= 64:
        raise StoreError("No shipment selected")
    with connect(data_dir) as con:
        cursor = con.execute(
            "INSERT INTO feedback (shipment_id, verdict, note, created_at) VALUES (?, ?, ?, ?)",
            (shipment_id, verdict, (note or "")[:MAX_NOTE], _now()),
        )
        return int(cursor.lastrowid)


def feedback_for(shipment_id: str, data_dir: Path | None = None) -> dict | None:
    """The latest verdict on a shipment, or None."""
    with reading(data_dir) as con:
        row = con.execute(
            "SELECT verdict, note, created_at FROM feedback WHERE shipment_id = ? "
            "ORDER BY id DESC LIMIT 1",
            (shipment_id,),
        ).fetchone()
    return None if row is None else {"verdict": row[0], "note": row[1], "created_at": row[2]}


def feedback_frame(data_dir: Path | None = None) -> pl.DataFrame:
    """Every verdict, oldest first (training keeps the last one per shipment)."""
    with reading(data_dir) as con:
        rows = con.execute(
            "SELECT shipment_id, verdict, created_at FROM feedback ORDER BY id"
        ).fetchall()
    return pl.DataFrame(
        rows, schema={"shipment_id": pl.Utf8, "verdict": pl.Utf8, "created_at": pl.Utf8},
        orient="row",
    )  # fmt: skip
