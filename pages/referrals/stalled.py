"""Stalled referrals: open cases of the filtered seizures with no event for
``referral_stalled_days`` (as of the referral record's last day), the longest quiet first, with
the agency that owns each. A click on a row opens the case below.

Case fields, so laid out for investigators only and audited with the ids each block showed.
Like the Explorer's records, AG Grid's infinite row model asks for one block of rows at a time;
the URL's filters are read as State, so a block is never answered for another view, and the
blocks are dropped when the URL changes and fetched again in place when referral events arrive.
"""

from __future__ import annotations

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, clientside_callback, dcc, html
from dash.exceptions import PreventUpdate

import settings
from components import format as fmt
from components import url_state
from components.cards import paged_grid_options
from components.filter_bar import URL, URL_VIEW
from components.live import store_id
from lake import reference
from lake import referral_lifecycle as lifecycle
from pages.referrals.common import PAGE, day
from queries import referrals
from queries.executor import QueryError

GRID = f"{PAGE}-stalled-grid"
COUNT = f"{PAGE}-stalled-count"
PAGE_SIZE = 50
EMPTY = {"rowData": [], "rowCount": 0}


def column_defs() -> list[dict]:
    """Codes shown by name (``refData``); the order is fixed (the longest quiet first)."""
    columns = [
        ("referral_id", "Referral", None, 130),
        ("idle_days", "Days without an event", None, 120),
        ("last_event_on", "Last event", None, 115),
        ("agency", "Agency", reference.AGENCY_NAMES, 220),
        ("status", "State", lifecycle.LABELS, 160),
        ("referred_on", "Referred", None, 115),
        ("case_number", "Case number", None, 160),
        ("commodity", "Commodity", reference.commodity_names(), 170),
        ("port_code", "Port", reference.port_names(), 190),
        ("mode", "Mode", reference.mode_names(), 130),
    ]
    defs = []
    for field, header, names, width in columns:
        spec = {"field": field, "headerName": header, "colId": field, "width": width}
        if names is not None:
            spec["refData"] = dict(names)
        if field == "idle_days":
            spec["type"] = "rightAligned"
        defs.append(spec)
    defs[0]["pinned"] = "left"
    return defs


def layout() -> dbc.Card:
    grid = dag.AgGrid(
        id=GRID,
        rowModelType="infinite",
        columnDefs=column_defs(),
        defaultColDef={
            "resizable": True,
            "sortable": False,
            "filter": False,
            "minWidth": 90,
            "wrapHeaderText": True,  # "Days without an event" whole, not cut to "Days witho…"
            "autoHeaderHeight": True,
        },
        getRowId="params.data.referral_id",
        dashGridOptions=paged_grid_options(
            PAGE_SIZE, "No open referral has gone this long without news."
        ),
        style={"height": "420px"},
        className="referrals-stalled",
    )
    days = settings.get("referral_stalled_days")
    return dbc.Card(
        [
            dbc.CardHeader(
                html.Div(
                    [
                        html.H2("Stalled referrals", className="h6 mb-0 me-2"),
                        html.Span("Synthetic records", className="badge synthetic-badge"),
                    ],
                    className="d-flex align-items-center",
                )
            ),
            dbc.CardBody(
                [
                    html.P(id=COUNT, className="small text-muted mb-2", **{"aria-live": "polite"}),
                    grid,
                    html.P(
                        f"Open cases with no event for {days} days or more, the longest quiet "
                        "first, from the seizures the filters keep. Select a row to open the "
                        "case.",
                        className="small text-muted mt-2 mb-0",
                    ),
                    dcc.Store(id=f"{PAGE}-stalled-refreshed"),
                ]
            ),
        ]
    )


def stalled_rows(request: dict | None, search: str | None) -> tuple[dict, str]:
    """The block a getRowsRequest asks for under the URL's filters, and the count line."""
    if not request:
        raise PreventUpdate
    view, error = url_state.parse_view(search)
    if error:
        return EMPTY, f"No referrals shown: {error}"
    if not referrals.available():
        return EMPTY, "No referrals in the lake yet."
    as_of = referrals.as_of()
    days = settings.get("referral_stalled_days")
    start = max(0, int(request.get("startRow") or 0))
    end = max(start, min(int(request.get("endRow") or PAGE_SIZE), start + 10 * PAGE_SIZE))
    try:
        rows, total = referrals.stalled(view.filters, as_of, days, start, end)
    except QueryError as exc:
        return EMPTY, f"The stalled referrals could not be loaded: {exc}"
    for row in rows:
        row["referred_on"], row["last_event_on"] = (
            day(row["referred_on"]),
            day(row["last_event_on"]),
        )
    count = (
        f"{fmt.count(total, 'open referral')} with no event for {days} days or more "
        f"(the record runs to {as_of:%d %b %Y})."
    )
    return {"rowData": rows, "rowCount": total}, count


@callback(
    Output(GRID, "getRowsResponse"),
    Output(COUNT, "children"),
    Input(GRID, "getRowsRequest"),
    State(URL, "search"),
)
def _rows(request, search):
    return stalled_rows(request, search)


PURGE_ON_CHANGE = """
async function(_search, gridId) {
    const api = await dash_ag_grid.getApiAsync(gridId);
    api.paginationGoToFirstPage();
    api.purgeInfiniteCache();
    return Date.now();
}
"""
REFRESH_IN_PLACE = """
async function(_version, gridId) {
    const api = await dash_ag_grid.getApiAsync(gridId);
    api.refreshInfiniteCache();
    return Date.now();
}
"""
clientside_callback(
    PURGE_ON_CHANGE,
    Output(f"{PAGE}-stalled-refreshed", "data"),
    Input(URL_VIEW, "data"),
    State(GRID, "id"),
    prevent_initial_call=True,
)
clientside_callback(
    REFRESH_IN_PLACE,
    Output(f"{PAGE}-stalled-refreshed", "data", allow_duplicate=True),
    Input(store_id("referral_events"), "data"),
    State(GRID, "id"),
    prevent_initial_call=True,
)
