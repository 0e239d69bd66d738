"""Live updates: pages poll the lake's version and re-run only the cards whose table changed.

Every few seconds (``dashboard_poll_s``) one cheap callback reads each table manifest's identity
(one ``stat`` per table, no query) and writes a per-table version store, but only for tables that
changed — an unchanged store fires nothing. Cards list the stores of the tables they read as
inputs (``versions("seizures")``), so a new batch of shipments never re-runs a seizure chart.
The URL is untouched by a refresh, so filters survive; figures keep their zoom through
``uirevision``; the records grid refreshes its rows in place.

The navbar badge says how fresh the data is ("updated 3 s ago"), turns into a warning when no
batch arrived for ``feed_stale_s``, and counts the events that arrived since the page was opened.
"""

from __future__ import annotations

from datetime import UTC, datetime

from dash import Input, Output, State, callback, clientside_callback, dcc, html, no_update
from flask import request

import settings
from components import format as fmt
from lake.layout import TABLES, read_manifest, table_versions
from queries import live_counts
from queries.gateway import default_gateway

INTERVAL = "live-interval"
STORE_PREFIX = "live-version-"  # one dcc.Store per table: the version the page has seen
UPDATE_PATH = "/_dash-update-component"
OPENED = "live-opened"
CHANGED_AT = "live-changed-at"
BADGE = "live-badge"
NEW = "live-new"
STALE = "live-stale-seconds"
LIVE_TABLES = tuple(TABLES)


def store_id(table: str) -> str:
    return f"{STORE_PREFIX}{table}"


def versions(*tables: str) -> list[Input]:
    """Inputs that re-run a card when one of ``tables`` changes."""
    return [Input(store_id(t), "data") for t in tables]


def layout() -> html.Div:
    """The invisible machinery, once per app shell (stores survive page changes)."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    return html.Div(
        [
            dcc.Interval(id=INTERVAL, interval=int(settings.get("dashboard_poll_s") * 1000)),
            *[dcc.Store(id=store_id(t), data=v) for t, v in table_versions().items()],
            dcc.Store(id=OPENED, data={"at": now}),
            dcc.Store(id=CHANGED_AT, data=_last_commit_at()),
            dcc.Store(id=NEW, data=0),
            dcc.Store(id=STALE, data=settings.get("feed_stale_s")),
        ]
    )


def badge() -> html.Span:
    return html.Span(
        id=BADGE,
        className="badge bg-secondary live-badge",
        role="status",
        **{"aria-live": "polite"},
    )


def _seen_versions(body: dict) -> dict[str, str]:
    """The table versions a callback request carries, from the version stores among its inputs
    and state: what the page has seen."""
    seen: dict[str, str] = {}
    for group in (body.get("inputs") or [], body.get("state") or []):
        for item in group:
            if not isinstance(item, dict):
                continue  # a pattern-matching input's list: never a version store
            ident, value = item.get("id"), item.get("value")
            if isinstance(ident, str) and ident.startswith(STORE_PREFIX) and isinstance(value, str):
                seen[ident.removeprefix(STORE_PREFIX)] = value
    return seen


def catch_up_with_page() -> None:
    """Before a callback runs (a Flask ``before_request`` hook): make the process's gateway look
    for new data now when the page has seen table versions it has not (``Gateway.catch_up``),
    so a card re-run by a new version is computed from the new files."""
    if request.path != UPDATE_PATH or request.method != "POST":
        return
    body = request.get_json(silent=True, cache=True)
    if isinstance(body, dict):
        seen = _seen_versions(body)
        if seen:
            default_gateway().catch_up(seen)


def _last_commit_at() -> str | None:
    """When the live feed last delivered a batch (the ingest log's commit time, UTC); None when
    nothing ever came through the inbox (a demo lake with no feed running)."""
    return read_manifest("ingest_log").get("updated_at")


@callback(
    *[Output(store_id(t), "data") for t in LIVE_TABLES],
    Output(CHANGED_AT, "data"),
    Input(INTERVAL, "n_intervals"),
    *[State(store_id(t), "data") for t in LIVE_TABLES],
    prevent_initial_call=True,
)
def poll_versions(_n: int, *known: str):
    """New version for each table that changed, ``no_update`` for the rest."""
    current = table_versions()
    out = [
        current[t] if current[t] != k else no_update
        for t, k in zip(LIVE_TABLES, known, strict=True)
    ]
    changed = any(v is not no_update for v in out)
    return (*out, _last_commit_at() if changed else no_update)


@callback(
    Output(BADGE, "title"),
    Output(NEW, "data"),
    Input(store_id("seizures"), "data"),
    Input(store_id("shipments"), "data"),
    State(OPENED, "data"),
)
def count_new(_seizures: str, _shipments: str, opened: dict):
    """How many seizures and shipments arrived since this page was opened."""
    since = datetime.fromisoformat(opened["at"]).replace(tzinfo=None)
    seizures, shipments = live_counts.arrived_since(since)
    text = (
        f"{fmt.count(seizures, 'seizure event')} and {fmt.count(shipments, 'shipment')} "
        "arrived since you opened this page"
    )
    return text, seizures


# The badge ticks in the browser between polls: no request just to say "7 s ago".
clientside_callback(
    """
    function(_n, changedAt, newCount, staleSeconds) {
        if (!changedAt) { return ["No live feed", "badge bg-secondary live-badge"]; }
        const seconds = Math.max(0, Math.round((Date.now() - Date.parse(changedAt)) / 1000));
        const ago = seconds < 90 ? seconds + " s" : seconds < 5400 ?
            Math.round(seconds / 60) + " min" : Math.round(seconds / 3600) + " h";
        const fresh = newCount && Number(newCount) > 0 ? " · " + newCount + " new" : "";
        if (seconds > staleSeconds) {
            return ["⚠ Feed stalled: last update " + ago + " ago" + fresh,
                    "badge bg-warning text-dark live-badge"];
        }
        return ["Updated " + ago + " ago" + fresh, "badge bg-success live-badge"];
    }
    """,
    Output(BADGE, "children"),
    Output(BADGE, "className"),
    Input(INTERVAL, "n_intervals"),
    Input(CHANGED_AT, "data"),
    Input(NEW, "data"),
    State(STALE, "data"),
)


def uirevision(figure, search: str | None):
    """Keep the user's zoom and legend choices across data refreshes of the same view."""
    figure.update_layout(uirevision=search or "all")
    return figure
