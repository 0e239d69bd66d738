"""The two ways an account operation ends without doing what was asked, kept apart on purpose.

``AccountError`` is a mistake by whoever asked (a bad name, an unknown role, a short password):
its message says what to fix and is safe to show. ``LoginRefused`` is the expected outcome of a
sign-in that does not succeed: its ``reason`` is what the sign-in page shows, worded so that it
never tells a stranger whether an account exists.
"""

from __future__ import annotations


class AccountError(ValueError):
    """A request that cannot be carried out; the message is safe to show to a user."""


class LoginRefused(Exception):
    """A sign-in that did not succeed; ``reason`` is safe to show on the sign-in page."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
