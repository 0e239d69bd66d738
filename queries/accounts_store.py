"""Who may sign in, in one small SQLite file: the schema and every statement on it.

Why SQLite (Python's standard ``sqlite3``) and not the lake: accounts are a handful of rows
changed one at a time (a failed sign-in, a new role), they need real updates that several
gunicorn workers make at once, and they must survive restarts and a rebuilt demo lake. The file
is ``<data>/state/accounts.sqlite3``; every call opens its own short connection (WAL), so worker
threads never share one.

These functions store and read what they are given; ``accounts/service.py`` checks names, roles
and passwords first and decides what a sign-in means. A password is never stored, only its
argon2id hash, and nothing here returns a hash except inside a ``User`` the service reads.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import settings
from queries import sqlite_state

FILE = "accounts.sqlite3"
SOURCES = ("local", "oidc")
SCHEMA = (
    """CREATE TABLE IF NOT EXISTS users (
        name TEXT PRIMARY KEY,
        role TEXT NOT NULL,
        password_hash TEXT,
        source TEXT NOT NULL CHECK (source IN ('local', 'oidc')),
        disabled INTEGER NOT NULL DEFAULT 0,
        failed_logins INTEGER NOT NULL DEFAULT 0,
        locked_until TEXT NULL,
        created_at TEXT NOT NULL,
        last_login_at TEXT NULL
    )""",
)
SELECT_USERS = (
    "SELECT name, role, password_hash, source, disabled, failed_logins, locked_until, "
    "created_at, last_login_at FROM users"
)
SELECT_USER = SELECT_USERS + " WHERE name = ?"


class UserExists(ValueError):
    """An account of that name is already stored."""


class NoSuchUser(LookupError):
    """No account of that name is stored."""


class SourceConflict(ValueError):
    """A sign-in through OpenID Connect named an account that signs in with a password here."""


@dataclass(frozen=True)
class User:
    """An account, as stored. Times are UTC, ISO 8601 (``2026-12-08T09:30:00+00:00``)."""

    name: str
    role: str
    password_hash: str | None
    source: str
    disabled: bool
    failed_logins: int
    locked_until: str | None
    created_at: str
    last_login_at: str | None

    def locked_at(self, now: datetime) -> datetime | None:
        """Until when the account is locked at ``now``; None when it is not."""
        if self.locked_until is None:
            return None
        until = datetime.fromisoformat(self.locked_until)
        return until if until > as_utc(now) else None


def as_utc(moment: datetime) -> datetime:
    """An aware UTC datetime; a naive one is taken as UTC already."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def stamp(moment: datetime) -> str:
    """How a time is stored: UTC, ISO 8601 to the second, with its offset."""
    return as_utc(moment).isoformat(timespec="seconds")


def _user(row: tuple) -> User:
    name, role, password_hash, source, disabled, failed, locked, created, last = row
    return User(name, role, password_hash, source, bool(disabled), failed, locked, created, last)


def path(data_dir: Path | None = None) -> Path:
    """Where the store of a data folder lives."""
    return (data_dir or settings.data_dir()) / "state" / FILE


@contextmanager
def _connection(data_dir: Path | None) -> Iterator[sqlite3.Connection]:
    """A short-lived connection in autocommit mode, schema ensured: a statement that writes
    opens its own ``BEGIN IMMEDIATE`` transaction (see ``_transaction``)."""
    file = path(data_dir)
    file.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(file, timeout=5.0, isolation_level=None)
    try:
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")
        for statement in SCHEMA:
            con.execute(statement)
        yield con
    finally:
        con.close()


@contextmanager
def _transaction(data_dir: Path | None) -> Iterator[sqlite3.Connection]:
    """A write transaction that takes the write lock before it reads, so a read-then-write (a
    failed sign-in counted by two workers at once) cannot interleave with another."""
    with _connection(data_dir) as con:
        con.execute("BEGIN IMMEDIATE")
        try:
            yield con
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")


@contextmanager
def _reading(data_dir: Path | None) -> Iterator[sqlite3.Connection]:
    """A connection for reading: where no account was ever stored, an empty store in memory,
    so a read never creates the file."""
    with sqlite_state.reading(path(data_dir), SCHEMA, lambda: _connection(data_dir)) as con:
        yield con


def _fetch(con: sqlite3.Connection, name: str) -> User:
    row = con.execute(SELECT_USER, (name,)).fetchone()
    if row is None:
        raise NoSuchUser(name)
    return _user(row)


# -- reading ---------------------------------------------------------------------------------
def get_user(name: str, *, data_dir: Path | None = None) -> User | None:
    """The account of that name, or None."""
    with _reading(data_dir) as con:
        row = con.execute(SELECT_USER, (name,)).fetchone()
    return None if row is None else _user(row)


def list_users(data_dir: Path | None = None) -> list[User]:
    """Every account, by name."""
    with _reading(data_dir) as con:
        rows = con.execute(SELECT_USERS + " ORDER BY name").fetchall()
    return [_user(row) for row in rows]


def count_users(data_dir: Path | None = None) -> int:
    """How many accounts there are, disabled ones included."""
    with _reading(data_dir) as con:
        return int(con.execute("SELECT count(*) FROM users").fetchone()[0])


# -- writing ---------------------------------------------------------------------------------
def insert_user(
    name: str,
    role: str,
    password_hash: str | None,
    source: str,
    created_at: datetime,
    *,
    data_dir: Path | None = None,
) -> User:
    """Store a new account; UserExists when the name is taken."""
    with _transaction(data_dir) as con:
        try:
            con.execute(
                "INSERT INTO users (name, role, password_hash, source, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (name, role, password_hash, source, stamp(created_at)),
            )
        except sqlite3.IntegrityError as exc:
            if "UNIQUE" in str(exc):
                raise UserExists(name) from exc
            raise
        return _fetch(con, name)


def insert_first_user(
    name: str,
    role: str,
    password_hash: str,
    created_at: datetime,
    *,
    data_dir: Path | None = None,
) -> bool:
    """Store a local account only if there is no account at all, in one statement (two workers
    starting together create one); whether it was stored."""
    with _transaction(data_dir) as con:
        cursor = con.execute(
            "INSERT INTO users (name, role, password_hash, source, created_at) "
            "SELECT ?, ?, ?, 'local', ? WHERE NOT EXISTS (SELECT 1 FROM users)",
            (name, role, password_hash, stamp(created_at)),
        )
        return cursor.rowcount == 1


def _update(data_dir: Path | None, name: str, sql: str, params: tuple) -> User:
    with _transaction(data_dir) as con:
        if con.execute(sql, (*params, name)).rowcount == 0:
            raise NoSuchUser(name)
        return _fetch(con, name)


def update_role(name: str, role: str, *, data_dir: Path | None = None) -> User:
    """Give an account another role; NoSuchUser when there is none."""
    return _update(data_dir, name, "UPDATE users SET role = ? WHERE name = ?", (role,))


def update_disabled(name: str, disabled: bool, *, data_dir: Path | None = None) -> User:
    """Disable or enable an account; NoSuchUser when there is none."""
    sql = "UPDATE users SET disabled = ? WHERE name = ?"
    return _update(data_dir, name, sql, (int(bool(disabled)),))


def update_password_hash(name: str, password_hash: str, *, data_dir: Path | None = None) -> User:
    """Store a new password hash (a reset, or a rehash with stronger parameters)."""
    sql = "UPDATE users SET password_hash = ? WHERE name = ?"
    return _update(data_dir, name, sql, (password_hash,))


def clear_lockout(name: str, *, data_dir: Path | None = None) -> User:
    """Forget an account's failed sign-ins and lift its lock (an administrator's reset)."""
    sql = "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE name = ?"
    return _update(data_dir, name, sql, ())


def note_failed_login(
    name: str,
    now: datetime,
    lock_after: int,
    lock_minutes: float,
    *,
    data_dir: Path | None = None,
) -> User:
    """Count a failed sign-in and lock the account for ``lock_minutes`` once ``lock_after``
    failures are counted, in one transaction. A lock that has run out starts a new count, so
    after it the account again has ``lock_after`` tries."""
    with _transaction(data_dir) as con:
        user = _fetch(con, name)
        failed = user.failed_logins
        if user.locked_until is not None and user.locked_at(now) is None:
            failed = 0  # the lock ran out: a new count
        failed += 1
        locked = stamp(as_utc(now) + timedelta(minutes=lock_minutes))
        con.execute(
            "UPDATE users SET failed_logins = ?, locked_until = ? WHERE name = ?",
            (failed, locked if failed >= lock_after else None, name),
        )
        return _fetch(con, name)


def note_login(name: str, now: datetime, *, data_dir: Path | None = None) -> User:
    """A successful sign-in: failures forgotten, lock lifted, the time kept."""
    sql = (
        "UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = ? WHERE name = ?"
    )
    return _update(data_dir, name, sql, (stamp(now),))


def upsert_oidc_user(name: str, role: str, now: datetime, *, data_dir: Path | None = None) -> User:
    """Create the account of someone who signed in through OpenID Connect, or give it the role
    the identity provider now says; SourceConflict when the name is a local account (an
    identity provider must never take over a password account)."""
    with _transaction(data_dir) as con:
        row = con.execute(SELECT_USER, (name,)).fetchone()
        if row is None:
            con.execute(
                "INSERT INTO users (name, role, password_hash, source, created_at) "
                "VALUES (?, ?, NULL, 'oidc', ?)",
                (name, role, stamp(now)),
            )
        elif _user(row).source != "oidc":
            raise SourceConflict(name)
        else:
            con.execute("UPDATE users SET role = ? WHERE name = ?", (role, name))
        return _fetch(con, name)
