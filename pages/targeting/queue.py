"""The targeting queue: arriving shipments ranked by score, with a chip per red flag that fired.

Same machinery as the Explorer's records grid (``pages.explorer.records_grid``): AG Grid's
infinite row model asks for one block at a time, DuckDB ranks and pages, the URL's filters are
read as State so a stale block request is never answered for another view. The grid refreshes
in place when the shipments or scores tables change (a new batch arrived and was scored) or a
watch is saved.

Chips are HTML badges rendered by the grid's markdown renderer; their text comes only from the
fixed rule registry, never from shipment data, so allowing HTML there cannot inject anything.
"""

from __future__ import annotations

from html import escape

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, clientside_callback, dcc, html
from dash.exceptions import PreventUpdate

from components import format as fmt
from components import url_state
from components.cards import paged_grid_options
from components.filter_bar import URL, URL_VIEW
from components.live import store_id
from lake import reference
from queries import targeting as queue_queries
from queries.executor import QueryError
from queries.records import GridModelError
from queries.targeting_watch import watch_sql
from targeting import store
from targeting.rules import RULE_BY_NAME

PREFIX = "targeting-queue"
GRID = f"{PREFIX}-grid"
COUNT = f"{PREFIX}-count"
WATCH_VERSION = "targeting-watch-version"
PAGE_SIZE = 50
EMPTY = {"rowData": [], "rowCount": 0}
WATCH_ROW_STYLE = {"backgroundColor": "#fff3cd"}


def chip_html(flags: list[str], watch_hits: list[int], reasons: str | None = None) -> str:
    """Badges for the rules that fired and, first, one for watchlist hits; where no rule fired,
    a muted badge with the model's main reason, so a high score never stands unexplained."""
    chips = []
    if watch_hits:
        n = len(watch_hits)
        chips.append(
            f'<span class="badge rounded-pill text-bg-primary me-1 targeting-chip-watch">'
            f"★ Watchlist{f' ×{n}' if n > 1 else ''}</span>"
        )
    for name in flags:
        rule = RULE_BY_NAME.get(name)
        if rule is None:
            continue
        chips.append(
            f'<span class="badge rounded-pill text-bg-warning me-1 targeting-chip" '
            f'title="{escape(rule.name)}">{escape(rule.label)}</span>'
        )
    fired = any(name in RULE_BY_NAME for name in flags)
    main = (reasons or "").split(" · ")[0].rsplit(" +", 1)[0].strip()
    if not fired and main:
        chips.append(
            f'<span class="badge rounded-pill text-bg-light border me-1 targeting-chip-model" '
            f'title="The model\'s main reason (no red flag fired)">{escape(main)}</span>'
        )
    return "".join(chips)


def column_defs() -> list[dict]:
    widths = {"score": 175, "shipment_id": 150, "description": 200, "chips": 330}
    defs = [
        {
            "field": "score",
            "headerName": "Score",
            "pinned": "left",
            "type": "rightAligned",
            # near the top the probability rounds alike for many rows; the odds (finds per
            # clean examination) keep growing, so they separate the rows the percent ties
            "valueFormatter": {
                "function": "params.value == null ? 'not scored' : params.value < 0.99 ? "
                "(params.value * 100).toFixed(1) + '%' : (params.value * 100).toFixed(2) + "
                "'% · ' + Math.round(params.value / Math.max(1 - params.value, 1e-9))"
                ".toLocaleString('en-US') + ':1'"
            },
        },
        {
            "field": "chips",
            "headerName": "Red flags",
            "cellRenderer": "markdown",
            "sortable": False,
            "autoHeight": False,
        },
    ]
    for column in queue_queries.QUEUE_COLUMNS:
        if column.key == "score":
            continue
        spec = {"field": column.key, "headerName": column.label}
        if column.names:  # codes shown as names, as the sort orders them
            spec["refData"] = reference.names_for(column.names)
        if column.kind == "number":
            spec["type"] = "rightAligned"
        defs.append(spec)
    for spec in defs:
        spec.setdefault("sortable", True)
        spec["colId"] = spec["field"]
        if spec["field"] in widths:
            spec["width"] = widths[spec["field"]]
    return defs


def layout() -> dbc.Card:
    grid = dag.AgGrid(
        id=GRID,
        rowModelType="infinite",
        columnDefs=column_defs(),
        defaultColDef={"resizable": True, "minWidth": 80, "filter": False},
        getRowId="params.data.shipment_id",
        dangerously_allow_code=True,
        getRowStyle={
            "styleConditions": [
                {
                    "condition": "params.data && params.data.watch_hits && "
                    "params.data.watch_hits.length > 0",
                    "style": WATCH_ROW_STYLE,
                }
            ]
        },
        dashGridOptions=paged_grid_options(PAGE_SIZE, "No scored shipments arrive in this window."),
        style={"height": "480px"},
        className="targeting-queue",
    )
    return dbc.Card(
        [
            dbc.CardHeader(
                html.Div(
                    [
                        html.H2("Ranked queue", className="h6 mb-0 me-2"),
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
                        "Highest score first: a calibrated probability that an examination "
                        "of the shipment finds something; from 99% on, also the odds (finds "
                        "per clean examination), which separate rows the percent ties. "
                        "Chips name the red flags that fired "
                        "(or, where none did, the model's main reason); highlighted rows "
                        "hit a watchlist. Select a row for the shipment, its parties' history "
                        "and similar past seizures.",
                        className="small text-muted mt-2 mb-0",
                    ),
                    dcc.Store(id=f"{PREFIX}-refreshed"),
                ]
            ),
        ],
        className="targeting-queue-card",
    )


def queue_rows(request: dict | None, search: str | None) -> tuple[dict, str]:
    """The block a getRowsRequest asks for under the URL's filters, and the count line."""
    if not request:
        raise PreventUpdate
    view, error = url_state.parse_view(search)
    if error:
        return EMPTY, f"No shipments shown: {error}"
    watches = watch_sql(store.watches())
    try:
        rows, total = queue_queries.fetch_queue(
            view.filters,
            request.get("startRow", 0),
            request.get("endRow", PAGE_SIZE),
            request.get("sortModel"),
            watches,
        )
    except GridModelError as exc:
        return EMPTY, str(exc)
    except QueryError as exc:
        return EMPTY, f"The queue could not be loaded: {exc}"
    for row in rows:
        row["chips"] = chip_html(row["flags"], row["watch_hits"], row.get("reasons"))
    span = queue_queries.window(view.filters)
    when = f" arriving {queue_queries.window_label(span)}" if span else ""
    return {"rowData": rows, "rowCount": total}, f"{fmt.count(total, 'synthetic shipment')}{when}."


PURGE_ON_CHANGE = """
async function(_trigger, gridId) {
    const api = await dash_ag_grid.getApiAsync(gridId);
    api.paginationGoToFirstPage();
    api.purgeInfiniteCache();
    return Date.now();
}
"""
REFRESH_IN_PLACE = """
async function(_a, _b, _c, gridId) {
    const api = await dash_ag_grid.getApiAsync(gridId);
    api.refreshInfiniteCache();
    return Date.now();
}
"""


@callback(
    Output(GRID, "getRowsResponse"),
    Output(COUNT, "children"),
    Input(GRID, "getRowsRequest"),
    State(URL, "search"),
)
def _rows(request, search):
    return queue_rows(request, search)


clientside_callback(
    PURGE_ON_CHANGE,
    Output(f"{PREFIX}-refreshed", "data"),
    Input(URL_VIEW, "data"),
    State(GRID, "id"),
    prevent_initial_call=True,
)
clientside_callback(
    REFRESH_IN_PLACE,
    Output(f"{PREFIX}-refreshed", "data", allow_duplicate=True),
    Input(store_id("shipments"), "data"),
    Input(store_id("scores"), "data"),
    Input(WATCH_VERSION, "data"),
    State(GRID, "id"),
    prevent_initial_call=True,
)
