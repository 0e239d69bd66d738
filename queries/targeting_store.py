"""The analysts' own data in one small SQLite file: the schema and every statement on it.

Why SQLite (Python's standard ``sqlite3``) and not the lake: watchlists and exam feedback are a
few rows written one at a time by people, they must survive restarts and a rebuilt demo lake,
and they need real updates and deletes. The file is ``<data>/state/targeting.sqlite3``; every
call opens its own short connection, so Dash worker threads never share one.

These functions store and read what they are given; ``targeting/store.py`` checks every value
first (a watch on a route must name real countries, a port and a mode), so the queries that
match watches against shipments (``queries/targeting_watch.py``) can trust what they read.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import polars as pl

import settings
from queries import sqlite_state

FILE = "targeting.sqlite3"
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


@dataclass(frozen=True)
class Watch:
    """A saved watch, as stored."""

    id: int
    kind: str
    value: str
    label: str
    created_at: str


def path(data_dir: Path | None = None) -> Path:
    """Where the store of a data folder lives."""
    return (data_dir or settings.data_dir()) / "state" / FILE


@contextmanager
def _writing(data_dir: Path | None) -> Iterator[sqlite3.Connection]:
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
def _reading(data_dir: Path | None) -> Iterator[sqlite3.Connection]:
    """A connection for reading: where no watch or verdict was ever saved, an empty store in
    memory, so a read never creates the file (a lake that is only read stays as it was)."""
    with sqlite_state.reading(path(data_dir), SCHEMA, lambda: _writing(data_dir)) as con:
        yield con


# -- watchlists ------------------------------------------------------------------------------
def save_watch(
    kind: str, value: str, label: str, created_at: str, data_dir: Path | None = None
) -> Watch:
    """Save a watch, or keep the one already saved with the same kind and value; either way,
    the stored watch."""
    with _writing(data_dir) as con:
        con.execute(
            "INSERT OR IGNORE INTO watchlist (kind, value, label, created_at) VALUES (?, ?, ?, ?)",
            (kind, value, label, created_at),
        )
        row = con.execute(
            "SELECT id, kind, value, label, created_at FROM watchlist WHERE kind = ? AND value = ?",
            (kind, value),
        ).fetchone()
    return Watch(*row)


def saved_watches(data_dir: Path | None = None) -> list[Watch]:
    """Every saved watch, oldest first."""
    with _reading(data_dir) as con:
        rows = con.execute(
            "SELECT id, kind, value, label, created_at FROM watchlist ORDER BY id"
        ).fetchall()
    return [Watch(*row) for row in rows]


def delete_watch(watch_id: int, data_dir: Path | None = None) -> bool:
    """Delete a watch; False when there was none with that id."""
    with _writing(data_dir) as con:
        cursor = con.execute("DELETE FROM watchlist WHERE id = ?", (int(watch_id),))
        return cursor.rowcount > 0


# -- feedback --------------------------------------------------------------------------------
def save_feedback(
    shipment_id: str, verdict: str, note: str, created_at: str, data_dir: Path | None = None
) -> int:
    """Save a verdict on a shipment; its row id."""
    with _writing(data_dir) as con:
        cursor = con.execute(
            "INSERT INTO feedback (shipment_id, verdict, note, created_at) VALUES (?, ?, ?, ?)",
            (shipment_id, verdict, note, created_at),
        )
        return int(cursor.lastrowid)


def latest_feedback(shipment_id: str, data_dir: Path | None = None) -> dict | None:
    """The latest verdict on a shipment (``verdict``, ``note``, ``created_at``), or None."""
    with _reading(data_dir) as con:
        row = con.execute(
            "SELECT verdict, note, created_at FROM feedback WHERE shipment_id = ? "
            "ORDER BY id DESC LIMIT 1",
            (shipment_id,),
        ).fetchone()
    return None if row is None else {"verdict": row[0], "note": row[1], "created_at": row[2]}


def all_feedback(data_dir: Path | None = None) -> pl.DataFrame:
    """Every verdict (``shipment_id``, ``verdict``, ``created_at``), oldest first."""
    with _reading(data_dir) as con:
        rows = con.execute(
            "SELECT shipment_id, verdict, created_at FROM feedback ORDER BY id"
        ).fetchall()
    return pl.DataFrame(
        rows,
        schema={"shipment_id": pl.Utf8, "verdict": pl.Utf8, "created_at": pl.Utf8},
        orient="row",
    )
