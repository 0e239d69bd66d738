"""Every tunable of Chokepoint in one declarative table.

A setting has a name, a default and a help text; the environment variable ``CHOKEPOINT_<NAME>``
overrides the default. Keeping them in one table means the docs can be checked against the code
(see ``tests/test_data_docs.py``) and nobody hunts for a magic number in a module.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str
    kind: type = str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "data", "data", "Folder of built data: lake/, quarantine/, public/ (relative to the repo)"
    ),
    Setting("duckdb_threads", "2", "DuckDB worker threads per process", int),
    Setting("duckdb_memory_limit", "2GB", "DuckDB memory limit per process"),
    Setting("query_time_limit_ms", "10000", "A query running longer is interrupted", int),
    Setting(
        "batch_query_time_limit_ms",
        "1800000",
        "A batch job's query (targeting history: training, scoring, live batches) running longer"
        " is interrupted",
        int,
    ),
    Setting(
        "query_row_cap",
        "100000",
        "Most rows one query returns unless its caller asks for all; a longer answer is marked "
        "truncated, or refused where every row is needed",
        int,
    ),
    Setting(
        "result_cache_entries",
        "1024",
        "Query results kept per process until their tables change; 0 turns the cache off",
        int,
    ),
    Setting(
        "view_cache_entries",
        "512",
        "Card outputs kept per process (least recently used go first)",
        int,
    ),
    Setting(
        "public_page_cache_mb",
        "48",
        "Public app: megabytes of rendered page answers kept per process",
        int,
    ),
    Setting(
        "public_download_cache_mb",
        "16",
        "Public app: megabytes of CSV downloads kept per process",
        int,
    ),
    Setting(
        "emerging_refresh_s",
        "900",
        "Emerging threats are recomputed in the background once their answer is this old",
        float,
    ),
    Setting(
        "refresh_ahead_entries",
        "64",
        "After a data change, this many recently used results are recomputed in the background",
        int,
    ),
    Setting(
        "history_chunk_rows",
        "1000000",
        "Batch targeting jobs compute shipment history this many rows (whole months) at a time",
        int,
    ),
    Setting("seed", "20240917", "Seed of the demo-data generator", int),
    Setting(
        "today", "", "Pin 'today' (YYYY-MM-DD) for reproducible demos and tests; empty = clock"
    ),
    Setting("watch_interval_s", "0.5", "How often the inbox watcher looks for new files", float),
    Setting(
        "file_settle_s",
        "1.0",
        "A file unchanged this long is complete (still being written)",
        float,
    ),
    Setting(
        "compact_min_files", "16", "Compact a partition once it has this many batch files", int
    ),
    Setting("dashboard_poll_s", "2", "How often pages check the data version", float),
    Setting(
        "lake_check_s",
        "0.5",
        "A process looks for new lake data at most this often, unless a page has seen newer data",
        float,
    ),
    Setting(
        "feed_stale_s",
        "120",
        "The freshness badge warns when no batch arrived for this long",
        float,
    ),
    Setting(
        "referral_stalled_days",
        "90",
        "Referrals page: an open case with no event for this many days is listed as stalled",
        int,
    ),
    Setting("host", "127.0.0.1", "Address the app listens on"),
    Setting("port", "8050", "Port of the internal app", int),
    Setting("public_port", "8051", "Port of the public app", int),
    Setting("server_workers", "2", "Internal app: gunicorn worker processes (`make run`)", int),
    Setting("server_threads", "4", "Internal app: request threads per gunicorn worker", int),
    Setting(
        "session_secret",
        "",
        "Secret that signs session cookies; empty: one is generated once and kept in "
        "state/session_secret",
    ),
    Setting(
        "session_idle_minutes",
        "30",
        "A session with no user action for this long must sign in again",
        float,
    ),
    Setting(
        "session_cookie_secure",
        "1",
        "1: session cookies are sent over HTTPS and localhost only; 0 for plain HTTP on a "
        "trusted network",
        int,
    ),
    Setting(
        "login_rate_limit",
        "10 per minute",
        "Sign-in attempts allowed per client address and process (Flask-Limiter syntax)",
    ),
    # Signing in through an agency's identity provider (OpenID Connect)
    Setting(
        "oidc_issuer",
        "",
        "OpenID Connect: the identity provider's issuer URL (its discovery document is "
        "issuer/.well-known/openid-configuration); empty = OpenID Connect off",
    ),
    Setting("oidc_client_id", "", "OpenID Connect: this app's client id at the provider"),
    Setting("oidc_client_secret", "", "OpenID Connect: this app's client secret"),
    Setting(
        "oidc_groups_claim",
        "groups",
        "OpenID Connect: the claim (ID token or userinfo) that lists the user's groups",
    ),
    Setting(
        "oidc_role_map",
        "",
        "OpenID Connect: groups to roles, as group=role pairs separated by commas "
        "(cbp-analysts=analyst,chokepoint-admins=admin); a user in several mapped groups gets "
        "the most powerful role (admin > targeter > investigator > analyst > leadership); in "
        "none, sign-in is refused",
    ),
    Setting(
        "oidc_name_claim",
        "preferred_username",
        "OpenID Connect: the claim that names the user; when absent, email, then sub",
    ),
    Setting("oidc_label", "Sign in with your agency", "OpenID Connect: the sign-in button's text"),
    Setting(
        "oidc_scopes",
        "openid profile email groups",
        "OpenID Connect: the scopes asked for (space-separated; openid is required)",
    ),
    Setting(
        "public_min_events",
        "10",
        "Public extract: cells with fewer seizure events than this are suppressed",
        int,
    ),
    Setting(
        "public_protection_events",
        "3",
        "Public extract: a hidden cell's audited interval reaches at least this many events "
        "each way (or the share below, if larger)",
        float,
    ),
    Setting(
        "public_protection_lbs",
        "3",
        "Public extract: the same for pounds, in pounds",
        float,
    ),
    Setting(
        "public_protection_share",
        "0.2",
        "Public extract: the protection level as a share of the hidden value, if larger",
        float,
    ),
    # Accounts and the audit log
    Setting(
        "login_lockout_after",
        "5",
        "An account is locked after this many failed sign-ins in a row",
        int,
    ),
    Setting(
        "login_lockout_minutes",
        "15",
        "How long a locked account stays locked, in minutes",
        float,
    ),
    Setting(
        "audit_ids_max",
        "200",
        "Audit log: an action on at most this many records keeps their ids; on more, only their "
        "count and digest",
        int,
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def env_name(name: str) -> str:
    """The environment variable that overrides a setting."""
    return f"CHOKEPOINT_{name.upper()}"


def get(name: str):
    """The value of a setting: environment first, then the default, converted to its kind."""
    setting = _BY_NAME[name]
    raw = os.environ.get(env_name(name), setting.default)
    return setting.kind(raw)


def data_dir() -> Path:
    """Where built data lives; relative paths are taken from the repository root."""
    path = Path(get("data"))
    return path if path.is_absolute() else REPO_ROOT / path
