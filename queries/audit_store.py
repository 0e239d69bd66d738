"""Who saw or did what, in an append-only SQLite file chained by hashes: schema and statements.

Why SQLite and not the lake: every page of records, every detail and every download appends one
row, from several gunicorn workers and their threads at once; an append must cost well under a
millisecond and be durable across restarts and a rebuilt lake. The file is
``<data>/state/audit.sqlite3``, in WAL mode with ``synchronous=NORMAL`` (a commit is not synced
to disk at once, so a power cut may lose the last appends, never corrupt the file); every call
opens its own short connection.

Why a hash chain: a row's ``hash`` is the SHA-256 of the previous row's hash and the row's own
fields, so editing, removing or reordering a row breaks every hash from there on, and
``accounts.audit.verify`` finds where. The append reads the previous hash and inserts inside one
``BEGIN IMMEDIATE`` transaction, so concurrent writers chain one after another. Triggers refuse
UPDATE and DELETE: the app never rewrites a row; the triggers are defence in depth, the chain is
the proof. ``row_hash`` is the one function that computes a row's hash, for append and verify.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

import settings

FILE = "audit.sqlite3"
GENESIS = "0" * 64  # the prev_hash of the first row
OUTCOMES = ("ok", "refused", "failed")
# The fields a row's hash covers, in the table's order: every column but seq and hash.
HASHED = (
    "at",
    "user",
    "role",
    "action",
    "page",
    "url",
    "ids",
    "id_count",
    "id_digest",
    "outcome",
    "client",
    "detail",
    "prev_hash",
)
COLUMNS = ("seq", *HASHED, "hash")
SCHEMA = (
    """CREATE TABLE IF NOT EXISTS audit_log (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        user TEXT NOT NULL,
        role TEXT NOT NULL,
        action TEXT NOT NULL,
        page TEXT NOT NULL,
        url TEXT NOT NULL,
        ids TEXT NOT NULL,
        id_count INTEGER NOT NULL,
        id_digest TEXT NOT NULL,
        outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'refused', 'failed')),
        client TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT '',
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS audit_log_user ON audit_log (user, seq)",
    "CREATE INDEX IF NOT EXISTS audit_log_action ON audit_log (action, seq)",
    """CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: rows are never updated'); END""",
    """CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: rows are never deleted'); END""",
)
INSERT = (
    "INSERT INTO audit_log (at, user, role, action, page, url, ids, id_count, id_digest, "
    "outcome, client, detail, prev_hash, hash) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
SELECT_ROWS = (
    "SELECT seq, at, user, role, action, page, url, ids, id_count, id_digest, outcome, client, "
    "detail, prev_hash, hash FROM audit_log"
)
READ = (
    SELECT_ROWS + " WHERE (?1 IS NULL OR user = ?1) AND (?2 IS NULL OR action = ?2)"
    " AND (?3 IS NULL OR at >= ?3) AND (?4 IS NULL OR at < ?4) ORDER BY seq DESC LIMIT ?5"
)
SCHEMA_TYPES = {
    "seq": pl.Int64,
    **{name: pl.Utf8 for name in HASHED},
    "id_count": pl.Int64,
    "hash": pl.Utf8,
}


@dataclass(frozen=True)
class AuditEntry:
    """One row to append, before the store gives it its place in the chain. ``ids`` is the JSON
    list as stored; ``at`` None means the time of the append, taken inside its transaction (so
    times follow the chain's order)."""

    user: str
    role: str
    action: str
    page: str
    url: str
    ids: str
    id_count: int
    id_digest: str
    outcome: str
    client: str
    detail: str = ""
    at: str | None = None


@dataclass(frozen=True)
class AuditRow:
    """A stored row: its seq, the hashed fields as stored, and its hash."""

    seq: int
    fields: dict
    hash: str


def timestamp(moment: datetime | None = None) -> str:
    """How ``at`` is stored: UTC, ISO 8601 with microseconds and its offset."""
    moment = datetime.now(UTC) if moment is None else moment
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.isoformat(timespec="microseconds")


def row_hash(fields: Mapping[str, object]) -> str:
    """A row's hash: SHA-256 of its ``prev_hash`` followed by the canonical JSON (sorted keys, no
    spaces, UTF-8) of its fields but seq and hash (``prev_hash`` included). The one definition
    of the chain: append and verify both call it."""
    body = {name: fields[name] for name in HASHED}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((str(fields["prev_hash"]) + canonical).encode("utf-8")).hexdigest()


def path(data_dir: Path | None = None) -> Path:
    """Where the audit log of a data folder lives."""
    return (data_dir or settings.data_dir()) / "state" / FILE


# One idle connection per process and file, opened once: see _keep_open.
_held: dict[tuple[int, str], tuple[int, sqlite3.Connection]] = {}
_held_lock = threading.Lock()


def _keep_open(file: Path) -> None:
    """Hold one idle connection to the file for the life of the process, schema, triggers and
    WAL mode ensured when it opens. Why: the last connection to close a WAL database
    checkpoints it and syncs it to disk, which made every append cost 5-8 ms; with this one
    open, a short connection's close is never the last. It is opened again when the file was
    replaced (another inode), and never used in a forked child (its key has the process id)."""
    key = (os.getpid(), str(file))
    try:
        inode = file.stat().st_ino
    except FileNotFoundError:
        inode = None
    held = _held.get(key)
    if held is not None and held[0] == inode:
        return
    with _held_lock:
        held = _held.get(key)
        if held is not None and held[0] == inode and inode is not None:
            return
        file.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(file, timeout=10.0, isolation_level=None, check_same_thread=False)
        con.execute("PRAGMA journal_mode=WAL")
        for statement in SCHEMA:
            con.execute(statement)
        con.execute("SELECT count(*) FROM audit_log WHERE seq = 0").fetchone()  # maps the WAL
        _held[key] = (file.stat().st_ino, con)
        threading.Thread(
            target=_checkpoints, args=(key,), name="audit-checkpoint", daemon=True
        ).start()
    if held is not None:
        held[1].close()  # its file was replaced; this process opened it, so it may close it


_mine = threading.local()  # this thread's connection per file: {(pid, file, inode): con}
CHECKPOINT_EVERY_S = 2.0


def _checkpoints(key: tuple[int, str]) -> None:
    """Move the write-ahead log into the database now and then, off the request path: a
    commit that had to checkpoint (SQLite's automatic checkpoint, every thousand pages) synced
    the file to disk and was the slow tail of record reads."""
    while True:
        time.sleep(CHECKPOINT_EVERY_S)
        held = _held.get(key)
        if held is None:
            return
        try:
            held[1].execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except sqlite3.Error:  # busy or closed: the next round tries again
            continue


@contextmanager
def _connection(data_dir: Path | None) -> Iterator[sqlite3.Connection]:
    """This thread's connection to the file, in autocommit mode (transactions are explicit),
    opened once and kept: opening one per append cost as much as the append. The schema and
    triggers are ensured by the process's held connection, which also checkpoints."""
    file = path(data_dir)
    _keep_open(file)
    key = (os.getpid(), str(file), _held[(os.getpid(), str(file))][0])
    cons = getattr(_mine, "cons", None)
    if cons is None:
        cons = _mine.cons = {}
    con = cons.get(key)
    if con is None:
        con = sqlite3.connect(file, timeout=10.0, isolation_level=None)
        con.execute("PRAGMA synchronous=NORMAL")
        con.execute("PRAGMA wal_autocheckpoint=0")  # the held connection's thread does it
        cons[key] = con
    yield con


def append(entry: AuditEntry, data_dir: Path | None = None) -> int:
    """Append a row at the end of the chain; its seq. The previous hash is read and the row
    inserted in one ``BEGIN IMMEDIATE`` transaction: another writer waits for the lock (up to
    10 s) instead of chaining onto the same previous row."""
    if entry.outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}, not {entry.outcome!r}")
    with _connection(data_dir) as con:
        con.execute("BEGIN IMMEDIATE")
        try:
            last = con.execute("SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
            fields = dict(vars(entry))
            fields["at"] = entry.at or timestamp()
            fields["prev_hash"] = GENESIS if last is None else last[0]
            digest = row_hash(fields)
            cursor = con.execute(INSERT, (*(fields[name] for name in HASHED), digest))
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return int(cursor.lastrowid)


def read(
    user: str | None = None,
    action: str | None = None,
    since: str | datetime | None = None,
    until: str | datetime | None = None,
    limit: int | None = 1000,
    data_dir: Path | None = None,
) -> pl.DataFrame:
    """Rows newest first, every column: by ``user`` and ``action`` (exact), ``at`` from ``since``
    (included) to ``until`` (excluded), at most ``limit`` rows (None: all). A time given as
    text is compared as stored (``2026-12-08`` means from that day's start)."""
    if not path(data_dir).exists():
        return pl.DataFrame(schema=SCHEMA_TYPES)
    bounds = [timestamp(t) if isinstance(t, datetime) else t for t in (since, until)]
    with _connection(data_dir) as con:
        rows = con.execute(READ, (user, action, *bounds, -1 if limit is None else limit))
        rows = rows.fetchall()
    return pl.DataFrame(rows, schema=SCHEMA_TYPES, orient="row")


def rows_for_verify(data_dir: Path | None = None) -> Iterator[AuditRow]:
    """Every row in seq order, streamed (the log can be long), for checking the chain."""
    if not path(data_dir).exists():
        return
    with _connection(data_dir) as con:
        for row in con.execute(SELECT_ROWS + " ORDER BY seq"):
            values = dict(zip(COLUMNS, row, strict=True))
            yield AuditRow(values["seq"], {name: values[name] for name in HASHED}, values["hash"])


def last_seq_issued(data_dir: Path | None = None) -> int:
    """The highest seq ever given out (SQLite's own counter for AUTOINCREMENT, which a DELETE
    does not lower): more than the last row's seq means rows were cut off the end."""
    if not path(data_dir).exists():
        return 0
    with _connection(data_dir) as con:
        row = con.execute("SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'").fetchone()
    return 0 if row is None else int(row[0])
