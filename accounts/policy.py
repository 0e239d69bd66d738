"""Who may do what: the one policy table of the internal app (role -> pages, callbacks, exports,
record fields).

Everything the server answers is looked up here before it runs (``accounts/web.py``): a page,
a callback, an export. What is in no row is refused, so a callback added without a row fails
closed, and ``tests/test_access_http.py`` (acc001) fails until the row is written. Rows name
callbacks by their first output (``callback_name``), the same string for the registry and for a
request.

The rows also say which answers are record-level (ids of seizures or shipments, parties,
scores) and so are written to the audit log with the ids they showed (``Rule.audit`` and
``Rule.ids``). No record-level row may admit ``leadership``: checked when this module loads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

from accounts.roles import ROLES

EVERYONE = frozenset(ROLES)
ANALYSTS = frozenset({"analyst", "targeter", "investigator", "admin"})
TARGETERS = frozenset({"targeter", "admin"})
INVESTIGATORS = frozenset({"investigator", "admin"})
ADMINS = frozenset({"admin"})

# Where the ids a record-level answer showed are found: in a grid's rows of the answer (the
# output's ``rowData``, by the row key), or in the request (the value of an input).
IdSource = tuple[Literal["rows"], str] | tuple[Literal["input"], str]


@dataclass(frozen=True)
class Rule:
    """One callback: the roles that may call it, and for a record-level answer the audit action
    and where its ids are."""

    callback: str
    roles: frozenset[str]
    audit: str | None = None
    ids: IdSource | None = None
    why: str = ""

    @property
    def record_level(self) -> bool:
        return self.audit is not None


def _pattern(**parts: str) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(parts.items()))


def xfilter(page: str, dim: str, slot: str = "main") -> str:
    """The name of a cross-filtering chart's callback (its figure is the first output)."""
    return _pattern(dim=dim, page=page, slot=slot, type="xfilter") + ".figure"


# -- pages ---------------------------------------------------------------------------------------
PAGES: dict[str, frozenset[str]] = {
    "/": EVERYONE,
    "/explorer": ANALYSTS,
    "/health": ANALYSTS,
    "/targeting": TARGETERS,
    # everyone sees the funnel and time to outcome (aggregates); the case list, the case and
    # its form are laid out, and answered, for investigators only (the rows below)
    "/referrals": EVERYONE,
    "/audit": ADMINS,
}

# -- callbacks -----------------------------------------------------------------------------------
CALLBACKS: tuple[Rule, ...] = (
    # the frame of every page
    Rule("_pages_content.children", EVERYONE, why="the page router; the page itself is checked"),
    Rule("filters-fy.value", EVERYONE, why="the filter bar keeps the controls and the URL"),
    Rule("url.search", EVERYONE, why="a chart click becomes the URL's filters"),
    Rule("live-version-seizures.data", EVERYONE, why="the data version pages poll"),
    Rule("live-badge.title", EVERYONE, why="the live feed's badge"),
    Rule("app-footer.children", EVERYONE, why="data as of, provenance"),
    # Overview: aggregates only
    Rule("overview-events-value.children", EVERYONE),
    Rule("overview-mix-graph.figure", EVERYONE),
    Rule("overview-trend-graph.figure", EVERYONE),
    Rule(xfilter("overview", "area"), EVERYONE),
    Rule(xfilter("overview", "port"), EVERYONE),
    # Explorer
    Rule(xfilter("explorer", "area"), ANALYSTS, why="the eight breakdowns"),
    Rule(xfilter("explorer", "route"), ANALYSTS),
    Rule(xfilter("explorer", "port", "traffic"), ANALYSTS),
    Rule(xfilter("explorer", "period"), ANALYSTS),
    Rule("explorer-cmp-totals.children", ANALYSTS),
    Rule(
        "explorer-records-grid.getRowsResponse",
        ANALYSTS,
        audit="records.page",
        ids=("rows", "seizure_id"),
    ),
    Rule(
        "explorer-records-detail.children",
        ANALYSTS,
        audit="records.detail",
        ids=("input", "explorer-records-grid"),
    ),
    Rule(
        "explorer-referral-verdict.children",
        INVESTIGATORS,
        audit="referrals.create",
        ids=("input", "explorer-referral-seizure"),
        why="refer the open record's seizure to an agency (the form is drawn for these roles)",
    ),
    # Data health
    Rule("health-batches-graph.figure", ANALYSTS),
    Rule("health-lag-graph.figure", ANALYSTS),
    Rule("health-reasons-graph.figure", ANALYSTS),
    Rule("health-latest.children", ANALYSTS),
    Rule("health-status.children", ANALYSTS),
    # Targeting
    Rule(
        "targeting-queue-grid.getRowsResponse",
        TARGETERS,
        audit="targeting.queue",
        ids=("rows", "shipment_id"),
    ),
    Rule("targeting-selected.data", TARGETERS, why="which row is open"),
    Rule(
        "targeting-detail.children",
        TARGETERS,
        audit="targeting.detail",
        ids=("input", "targeting-selected"),
    ),
    Rule(
        "targeting-feedback-status.children",
        TARGETERS,
        audit="targeting.feedback",
        ids=("input", "targeting-selected"),
    ),
    Rule(
        "targeting-referral.children",
        INVESTIGATORS & TARGETERS,
        audit="targeting.detail",
        ids=("input", "targeting-referral-for"),
        why="the open shipment's seizure and its referrals; in the page for these roles only",
    ),
    Rule(
        "targeting-referral-verdict.children",
        INVESTIGATORS & TARGETERS,
        audit="referrals.create",
        ids=("input", "targeting-referral-seizure"),
        why="refer that seizure to an agency",
    ),
    Rule("targeting-emerging.children", TARGETERS),
    Rule("targeting-model.children", TARGETERS),
    Rule("targeting-watch-value.placeholder", TARGETERS),
    Rule("targeting-watch-version.data", TARGETERS, audit="targeting.watchlist"),
    Rule("targeting-watch-list.children", TARGETERS),
    Rule("targeting-period.children", TARGETERS),
    # Referrals: aggregates for every role, cases for investigators
    Rule("referrals-funnel-graph.figure", EVERYONE, why="counts per step and agency"),
    Rule("referrals-km-graph.figure", EVERYONE, why="time to outcome curves"),
    Rule(
        "referrals-stalled-grid.getRowsResponse",
        INVESTIGATORS,
        audit="referrals.stalled",
        ids=("rows", "referral_id"),
    ),
    Rule("referrals-selected.data", INVESTIGATORS, why="which case is open"),
    Rule(
        "referrals-case.children",
        INVESTIGATORS,
        audit="referrals.case",
        ids=("input", "referrals-selected"),
    ),
    Rule(
        "referrals-record-status.children",
        INVESTIGATORS,
        audit="referrals.step",
        ids=("input", "referrals-selected"),
    ),
    # Audit (admins)
    Rule("audit-table.children", ADMINS, audit="audit.read"),
)

BY_CALLBACK: dict[str, Rule] = {rule.callback: rule for rule in CALLBACKS}

# -- exports (/export/<name>.csv): the first rule whose prefix the name starts with --------------
EXPORTS: tuple[tuple[str, frozenset[str], str], ...] = (
    ("records", ANALYSTS, "download"),
    ("monthly", ANALYSTS, "export"),
    ("overview-", EVERYONE, "export"),
    ("explorer-", ANALYSTS, "export"),
    ("targeting-", TARGETERS, "export"),
    ("referral-package", INVESTIGATORS, "referrals.package"),
    ("audit", ADMINS, "export"),
)

# -- other routes of the server, by exact path: (roles, audit action) -----------------------------
ROUTES: dict[str, tuple[frozenset[str], str]] = {
    "/audit/export.csv": (ADMINS, "export"),
}

# -- record fields: who may read which group of fields of a record -------------------------------
FIELDS: dict[str, frozenset[str]] = {
    "seizure": ANALYSTS,  # the event: when, where, what, how much, how concealed
    "shipment": ANALYSTS,  # the manifest line behind it: parties, route, declared goods
    # the referral: agency, case, steps, status, and what it led to (the records grid's
    # "Referral outcome", Targeting's similar seizures): an arrest or a conviction is
    # investigative information like the rest of the case
    "referral": INVESTIGATORS,
    "targeting": TARGETERS,  # risk scores, rule hits, examination feedback
}


def callback_name(output: str) -> str:
    """A callback's name: its first output as ``id.property`` (a pattern id's parts written
    ``key=value`` in key order), without Dash's ``@hash`` of a duplicate output."""
    first = output.strip(".").split("...")[0]
    ident, _, prop = first.rpartition(".")
    prop = prop.split("@")[0]
    if ident.startswith("{"):
        parts = json.loads(ident)
        ident = _pattern(**{k: str(v) for k, v in parts.items()})
    return f"{ident}.{prop}"


def rule_for(output: str) -> Rule | None:
    return BY_CALLBACK.get(callback_name(output))


def may_call(role: str, output: str) -> bool:
    rule = rule_for(output)
    return rule is not None and role in rule.roles


def may_open(role: str, path: str) -> bool:
    """A page path (``/explorer``); an unknown path is the app's "not found" page: any role."""
    roles = PAGES.get(path.rstrip("/") or "/")
    return roles is None or role in roles


def export_rule(name: str) -> tuple[frozenset[str], str] | None:
    for prefix, roles, action in EXPORTS:
        if name.startswith(prefix):
            return roles, action
    return None


def may_read(role: str, fields: str) -> bool:
    return role in FIELDS.get(fields, frozenset())


def readable_fields(role: str) -> frozenset[str]:
    """The groups of record fields ``role`` may read."""
    return frozenset(group for group, roles in FIELDS.items() if role in roles)


def pages_for(role: str) -> list[str]:
    return [path for path, roles in PAGES.items() if role in roles]


def _check() -> None:
    """The table's own rules: known roles, one row per callback, nothing record-level for
    leadership."""
    for rule in CALLBACKS:
        unknown = rule.roles - EVERYONE
        assert not unknown, f"{rule.callback}: unknown roles {sorted(unknown)}"
        assert not (rule.record_level and "leadership" in rule.roles), rule.callback
    assert len(BY_CALLBACK) == len(CALLBACKS), "a callback has two rows"
    for path, roles in PAGES.items():
        assert roles <= EVERYONE, path


_check()
