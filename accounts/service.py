"""What may be done with an account, and what a sign-in means: every rule in one place.

The store (``queries/accounts_store.py``) keeps what it is given; this module checks it first
(names, roles, chosen passwords) and decides a sign-in: a locked account is refused without
looking at the password (so guessing stops while it is locked), an unknown name costs the same
hash as a known one and is refused in the same words as a wrong password (so a stranger cannot
tell which names exist), and a disabled account says so only to someone who gave its password.

Recording these changes in the audit log is the caller's job (the command line, the web side):
only the caller knows who asked, from where.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import settings
from accounts import passwords
from accounts.errors import AccountError, LoginRefused
from accounts.roles import check_role
from queries import accounts_store as store
from queries.accounts_store import User

__all__ = [
    "AccountError",
    "LoginRefused",
    "User",
    "authenticate",
    "create_user",
    "disable",
    "enable",
    "ensure_first_admin",
    "reset_password",
    "set_role",
]

# "@" and "+" so that an e-mail address an identity provider gives can name an account
NAME = re.compile(r"^[a-z0-9._@+-]{2,64}$")
FIRST_ADMIN = "admin"
WRONG_PASSWORD = "unknown or wrong password"
DISABLED = "account disabled"


def _now() -> datetime:
    return datetime.now(UTC)


def check_name(name: str) -> str:
    """The user name, if it is one; AccountError saying what a name may hold otherwise."""
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise AccountError(
            f"invalid user name {str(name)[:70]!r}: 2 to 64 characters, lowercase letters, "
            "digits, dot, dash, underscore, @ or +"
        )
    return name


def _existing(name: str, data_dir: Path | None) -> User:
    user = store.get_user(check_name(name), data_dir=data_dir)
    if user is None:
        raise AccountError(f"no user {name!r}")
    return user


def _local(name: str, what: str, data_dir: Path | None) -> User:
    """The account, if it signs in with a password here: an OpenID Connect account's role and
    password belong to its identity provider (disable it to stop its access)."""
    user = _existing(name, data_dir)
    if user.source != "local":
        raise AccountError(
            f"{name} signs in through OpenID Connect: its identity provider sets its {what}"
        )
    return user


def _keep_an_admin(user: User, data_dir: Path | None) -> None:
    """Refuse to demote or disable the last enabled administrator."""
    admins = [u for u in store.list_users(data_dir) if u.role == "admin" and not u.disabled]
    if admins == [user]:
        raise AccountError(f"{user.name} is the last enabled admin: make another admin first")


# -- administration --------------------------------------------------------------------------
def create_user(
    name: str, role: str, password: str | None = None, *, data_dir: Path | None = None
) -> str | None:
    """Create a local account. Without a password one is generated and returned (to be shown
    once); with one, it must be at least 12 characters, and None is returned."""
    check_name(name)
    check_role(role)
    generated = None
    if password is None:
        password = generated = passwords.generate_password()
    else:
        passwords.check_chosen(password)
    try:
        store.insert_user(
            name, role, passwords.hash_password(password), "local", _now(), data_dir=data_dir
        )
    except store.UserExists:
        raise AccountError(f"user {name!r} already exists") from None
    return generated


def set_role(name: str, role: str, *, data_dir: Path | None = None) -> User:
    """Give a local account another role."""
    check_role(role)
    user = _local(name, "role", data_dir)
    if user.role == "admin" and role != "admin":
        _keep_an_admin(user, data_dir)
    return store.update_role(name, role, data_dir=data_dir)


def disable(name: str, *, data_dir: Path | None = None) -> User:
    """Stop an account from signing in (its history stays); sessions already open are the web
    side's to end."""
    user = _existing(name, data_dir)
    if user.role == "admin":
        _keep_an_admin(user, data_dir)
    return store.update_disabled(name, True, data_dir=data_dir)


def enable(name: str, *, data_dir: Path | None = None) -> User:
    """Let a disabled account sign in again."""
    _existing(name, data_dir)
    return store.update_disabled(name, False, data_dir=data_dir)


def reset_password(
    name: str, password: str | None = None, *, data_dir: Path | None = None
) -> str | None:
    """Give a local account a new password and lift its lock; the generated password when none
    was given (to be shown once), else None."""
    _local(name, "password", data_dir)
    generated = None
    if password is None:
        password = generated = passwords.generate_password()
    else:
        passwords.check_chosen(password)
    store.update_password_hash(name, passwords.hash_password(password), data_dir=data_dir)
    store.clear_lockout(name, data_dir=data_dir)
    return generated


def ensure_first_admin(data_dir: Path | None = None) -> str | None:
    """When there is no account at all, create ``admin`` with a generated password and return
    it (the caller prints it once); otherwise None. Safe when several workers start at once:
    only one of them creates it."""
    if store.count_users(data_dir):
        return None
    password = passwords.generate_password()
    created = store.insert_first_user(
        FIRST_ADMIN, "admin", passwords.hash_password(password), _now(), data_dir=data_dir
    )
    return password if created else None


# -- signing in ------------------------------------------------------------------------------
@cache
def _decoy_hash() -> str:
    """A hash to check an unknown name's password against, so it costs what a known one does."""
    return passwords.hash_password(passwords.generate_password())


def authenticate(
    name: str, password: str, now: datetime | None = None, *, data_dir: Path | None = None
) -> User:
    """The account, signed in; LoginRefused otherwise. A locked account is refused until its
    lock runs out, whatever the password; ``login_lockout_after`` wrong passwords in a row lock
    it for ``login_lockout_minutes``. A hash made with older parameters is renewed."""
    now = _now() if now is None else now
    name = (name or "").strip().lower()
    user = store.get_user(name, data_dir=data_dir) if NAME.fullmatch(name) else None
    if user is not None and (until := user.locked_at(now)) is not None:
        raise LoginRefused(f"account locked until {until:%H:%M} UTC")
    if user is None or user.password_hash is None:
        passwords.verify_password(_decoy_hash(), password)
        raise LoginRefused(WRONG_PASSWORD)
    if not passwords.verify_password(user.password_hash, password):
        store.note_failed_login(
            name,
            now,
            settings.get("login_lockout_after"),
            settings.get("login_lockout_minutes"),
            data_dir=data_dir,
        )
        raise LoginRefused(WRONG_PASSWORD)
    if user.disabled:
        raise LoginRefused(DISABLED)
    if passwords.needs_rehash(user.password_hash):
        store.update_password_hash(name, passwords.hash_password(password), data_dir=data_dir)
    return store.note_login(name, now, data_dir=data_dir)
