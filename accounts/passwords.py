"""Password hashing with argon2id, and the rules for a password someone chooses.

Why argon2id (through ``argon2-cffi``'s ``PasswordHasher`` and its defaults, RFC 9106's
recommended profile): it is memory-hard, so guessing at stolen hashes on GPUs is slow, and each
hash carries its parameters and salt, so stronger defaults in a later version are noticed by
``needs_rehash`` and applied at the next successful sign-in. A generated password is 20
URL-safe characters from ``secrets`` (120 bits); one a person chooses must be at least 12.
"""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from accounts.errors import AccountError

MIN_LENGTH = 12
MAX_LENGTH = 1024  # far beyond any passphrase; a longer one is refused, not hashed
GENERATED_BYTES = 15  # 20 characters of URL-safe base64

_hasher = PasswordHasher()


def check_chosen(password: str) -> str:
    """The password, if a person may choose it; AccountError saying why not otherwise."""
    if not isinstance(password, str) or len(password) < MIN_LENGTH:
        raise AccountError(f"a password must be at least {MIN_LENGTH} characters long")
    if len(password) > MAX_LENGTH:
        raise AccountError(f"a password may be at most {MAX_LENGTH} characters long")
    return password


def hash_password(password: str) -> str:
    """The argon2id hash of a password, salt and parameters included."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether the password matches the hash; False (never an exception) for a mismatch, a
    damaged hash or an over-long password."""
    if not password_hash or not isinstance(password, str) or len(password) > MAX_LENGTH:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with other parameters than today's defaults."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


def generate_password() -> str:
    """A random password of 20 URL-safe characters, for an account nobody chose one for."""
    return secrets.token_urlsafe(GENERATED_BYTES)
