"""The five roles, in one place, each with what it is for.

What each role may open (pages, callbacks, downloads) is the web side's policy table; this
module only names the roles and says what they mean, so the command line, the stores' callers
and the policy all check against the same list.
"""

from __future__ import annotations

from accounts.errors import AccountError

ROLES = ("leadership", "analyst", "targeter", "investigator", "admin")
DESCRIPTIONS = {
    "leadership": "Overview and briefing-level aggregates, no record-level fields",
    "analyst": "Explorer with records and exports",
    "targeter": "analyst, plus the Targeting queue, watchlists and feedback",
    "investigator": "analyst, plus referrals",
    "admin": "users and the audit log",
}


def check_role(name: str) -> str:
    """The role, if it is one; AccountError listing the valid roles otherwise."""
    if name not in ROLES:
        raise AccountError(f"unknown role {str(name)[:40]!r}: the roles are {', '.join(ROLES)}")
    return name
