"""The Explorer's seizure-records card: a paged, sortable, filterable grid, a CSV link and a
record detail, where an investigator refers the seizure to an agency
(``components/referral_form.py``).

The grid uses AG Grid's community *infinite* row model: the browser asks for one block of
fifty rows at a time and DuckDB pages, sorts and filters (the server-side row model is Enterprise
only). The page filters come from the URL, the single source of truth. When the URL changes, a
clientside callback tells the grid to drop its cached blocks, so it asks again under the new
filters; the rows callback reads the URL as State, never as Input, so a stale block request can
never be answered with rows for a different window.

For the roles allowed the referral fields (the policy table's ``FIELDS``) the grid has one more
column, what the seizure's referrals led to: read for the rows of each page
(``queries.referral_outcomes``), not one of the records' own columns, so the arrays
that answer the first pages stay the seizures' alone; the column neither sorts nor filters.
"""

from __future__ import annotations

from datetime import date, datetime

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, clientside_callback, ctx, dcc, html
from dash.exceptions import PreventUpdate

from accounts import policy, web
from components import format as fmt
from components import referral_form, url_state
from components.cards import label_value_pairs, paged_grid_options
from components.exports import record_filters
from components.filter_bar import URL, URL_VIEW
from components.live import store_id
from lake import reference
from lake import referral_lifecycle as lifecycle
from queries import records, referral_outcomes
from queries.executor import QueryError
from queries.records import COLUMNS, GridModelError
from queries.referral_state import OUTCOMES

PAGE_SIZE = 50
EXPORT_PATH = "/export/records.csv"
ENTRY_TYPES = {"01": "Formal entry (01)", "11": "Informal entry (11)", "86": "Section 321 (86)"}
EMPTY = {"rowData": [], "rowCount": 0}
ALL_FIELDS = frozenset(policy.FIELDS)
SYNTHETIC = "Synthetic record"
PREFIX = "explorer-records"
GRID = f"{PREFIX}-grid"
REFERRAL = "explorer-referral"  # the referral form's ids (components/referral_form.py)
OUTCOME = "referral_outcome"
OUTCOME_AFTER = "port_code"  # where the column stands: among what an analyst reads first

FILTERS = {
    "text": {"filter": "agTextColumnFilter", "cellDataType": "text"},
    "number": {
        "filter": "agNumberColumnFilter",
        "cellDataType": "number",
        "type": "rightAligned",
        "filterParams": {"inRangeInclusive": True},  # the SQL uses BETWEEN
        "valueFormatter": {
            "function": "params.value == null ? '' : "
            "params.value.toLocaleString('en-US', {maximumFractionDigits: 2})"
        },
    },
    "date": {
        "filter": "agDateColumnFilter",
        "cellDataType": "dateString",
        "filterParams": {"inRangeInclusive": True},
    },
    "bool": {"filter": "agTextColumnFilter", "cellDataType": "boolean"},
}


def column_defs(with_outcome: bool = False) -> list[dict]:
    """One column per ``queries.records.COLUMNS`` entry, with the filter that fits its kind;
    ``with_outcome`` adds the referral outcome, for the roles allowed the referral fields."""
    defs = []
    for column in COLUMNS:
        spec = {"field": column.key, "colId": column.key, "headerName": column.label}
        spec.update(FILTERS[column.kind])
        if column.names:  # codes shown as names; sorting and text filters use them too
            spec["refData"] = reference.names_for(column.names)
        if column.key == "seizure_id":
            spec["pinned"] = "left"
        defs.append(spec)
        if with_outcome and column.key == OUTCOME_AFTER:
            defs.append(outcome_column())
    return defs


def outcome_column() -> dict:
    """The furthest any referral of the seizure has led, by name. It is not one of the records'
    own columns (``queries.records.COLUMNS``): each page's outcomes are read for its rows, so
    the column neither sorts nor filters."""
    return {
        "field": OUTCOME,
        "colId": OUTCOME,
        "headerName": "Referral outcome",
        "refData": {code: lifecycle.LABELS[code] for code in OUTCOMES},
        "sortable": False,
        "filter": False,
        "headerTooltip": "The furthest a referral of this seizure has reached: warrant, arrest, "
        "indictment, prosecution or conviction; blank when none has.",
    }


def _readable() -> frozenset[str]:
    """The groups of record fields the signed-in role may read (the policy table's FIELDS)."""
    identity = web.current()
    return policy.readable_fields(identity.role) if identity else frozenset()


def layout() -> dbc.Card:
    grid = dag.AgGrid(
        id=GRID,
        rowModelType="infinite",
        columnDefs=column_defs(with_outcome="referral" in _readable()),
        defaultColDef={"sortable": True, "resizable": True, "minWidth": 90},
        getRowId="params.data.seizure_id",
        dashGridOptions=paged_grid_options(
            PAGE_SIZE, "No seizure records match these filters.", blocks=20
        ),
        style={"height": "520px"},
        className="records-grid",
    )
    return dbc.Card(
        [
            dbc.CardHeader(
                html.Div(
                    [
                        html.H2("Seizure records", className="h6 mb-0 me-2"),
                        html.Span("Synthetic records", className="badge synthetic-badge"),
                        html.A(
                            "Download CSV",
                            id=f"{PREFIX}-download",
                            href=dash.get_relative_path(EXPORT_PATH),
                            className="btn btn-outline-primary btn-sm ms-auto d-print-none",
                            title="Every record matching the page filters (column filters of "
                            "the grid are not applied)",
                        ),
                    ],
                    className="d-flex align-items-center",
                )
            ),
            dbc.CardBody(
                [
                    html.P(
                        id=f"{PREFIX}-count",
                        className="small text-muted mb-2",
                        **{"aria-live": "polite"},
                    ),
                    grid,
                    html.P(
                        "Each record is synthetic: generated to match CBP's published monthly "
                        "totals, with the details below that level modelled. Select a row to "
                        "see its manifest line and referral.",
                        className="small text-muted mt-2 mb-0",
                    ),
                    html.Div(
                        html.P("No record selected.", className="small text-muted mb-0"),
                        id=f"{PREFIX}-detail",
                        className="records-detail mt-3",
                        **{"aria-live": "polite"},
                    ),
                    dcc.Store(id=f"{PREFIX}-refreshed"),
                ]
            ),
        ],
        className="records-card",
    )


# -- what the callbacks compute (plain functions, testable without a browser) -----------------
def grid_rows(request: dict | None, search: str | None, outcomes: bool = False) -> tuple[dict, str]:
    """The rows a getRowsRequest asks for under the URL's filters, and the count line;
    ``outcomes`` adds each row's referral outcome (for the roles allowed the referral fields)."""
    if not request:
        raise PreventUpdate
    view, error = url_state.parse_view(search)
    if error:
        return EMPTY, f"No records shown: {error}"
    filters, side_note = record_filters(view)
    filter_model = request.get("filterModel")
    try:
        rows, total = records.fetch_page(
            filters,
            request.get("startRow", 0),
            request.get("endRow", PAGE_SIZE),
            request.get("sortModel"),
            filter_model,
        )
        if outcomes:
            found = referral_outcomes.outcomes_of([r["seizure_id"] for r in rows])
            for row in rows:
                row[OUTCOME] = found.get(row["seizure_id"])
    except GridModelError as exc:
        return EMPTY, str(exc)
    except QueryError as exc:
        return EMPTY, f"The records could not be loaded: {exc}"
    scope = "the page and column filters" if filter_model else "the page filters"
    noun = "record matches" if total == 1 else "records match"
    line = f"{fmt.whole(total)} synthetic {noun} {scope}{side_note}."
    return {"rowData": rows, "rowCount": total}, line


def _value(value: object) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M} UTC"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    return str(value)


def _country(code: str | None) -> str:
    return reference.country_names().get(code, code) if code else "–"


def _route(origin: str | None, transit: str | None) -> str:
    return _country(origin) + (f" via {_country(transit)}" if transit else "")


def _found_amount(seizure: dict) -> str:
    if seizure["unit"] == "lbs" or seizure.get("found_kg") is not None:
        text = f"{_value(seizure['found_kg'])} kg ({_value(seizure['lbs'])} lb)"
        return text + (f", {fmt.whole(seizure['pills'])} pills" if seizure.get("pills") else "")
    return f"{fmt.whole(seizure['quantity'])} {seizure['unit']}"


def _declared_vs_found(seizure: dict, shipment: dict | None) -> html.Div:
    if shipment is None:
        return html.P(
            "No manifest line: this seizure did not come from a declared shipment.",
            className="small text-muted mb-0",
        )
    commodity = reference.commodity_names().get(seizure["commodity"], seizure["commodity"])
    rows = [  # the table's rows as it shows them: what, declared, found
        ("Goods", f"{shipment['hts_code']} · {shipment['description']}",
         f"{commodity} ({seizure['category']})"),
        ("Weight", f"{_value(shipment['declared_weight_kg'])} kg", _found_amount(seizure)),
        ("Value", f"US${shipment['declared_value_usd']:,.2f}", "–"),
        ("Route", _route(shipment["origin_country"], shipment["transit_country"]),
         _route(seizure["source_country"], seizure["transit_country"])),
        ("Entry", ENTRY_TYPES.get(shipment["entry_type"], shipment["entry_type"]),
         "Section 321 de minimis" if seizure["de_minimis"] else "Not de minimis"),
    ]  # fmt: skip
    table = html.Table(
        [
            html.Thead(html.Tr([html.Th(""), html.Th("Declared"), html.Th("Found")])),
            html.Tbody(
                [html.Tr([html.Th(a, scope="row"), html.Td(b), html.Td(c)]) for a, b, c in rows]
            ),
        ],
        className="table table-sm small mb-2",
    )
    flags = [
        ("Shipment", shipment["shipment_id"]),
        ("Arrived", _value(shipment["arrived_at"])),
        ("Carrier", shipment["carrier"]),
        (
            "Shipper / consignee",
            f"{shipment['shipper_id']} → {shipment['consignee_id']} ({shipment['consignee_name']})",
        ),
        ("Master carton", _value(shipment["master_carton"])),
        ("Preprinted U.S. label", _value(shipment["preprinted_domestic_label"])),
        ("DEA transaction", _value(shipment["dea_transaction_id"])),
        ("Examination", reference.OUTCOME_NAMES.get(shipment["outcome"], shipment["outcome"])),
    ]
    return html.Div([table, label_value_pairs(flags)])


def detail_panel(
    seizure_id: str | None, readable: frozenset[str] = ALL_FIELDS, create: bool = False
) -> list:
    """The detail of one record: the seizure, declared vs found, and the referral timeline;
    ``readable`` says which groups of fields the reader's role may see (the policy table's
    ``FIELDS``): the others are named, not shown. ``create`` adds the form that refers the
    seizure to an agency (``components/referral_form.py``)."""
    if not seizure_id:
        return [html.P("No record selected.", className="small text-muted mb-0")]
    try:
        detail = records.record_detail(seizure_id)
    except QueryError as exc:
        return [dbc.Alert(f"The record could not be loaded: {exc}", color="danger")]
    if detail is None:
        return [dbc.Alert(f"No seizure record {seizure_id[:64]!r}.", color="warning")]
    s = detail["seizure"]
    where = [reference.area_names().get(s["area_id"], s["area_id"])]
    if s["port_code"]:
        where.append(reference.port_names().get(s["port_code"], s["port_code"]))
    facts = [
        ("Date", _value(s["event_date"])),
        ("Where", " · ".join(where)),
        ("Mode", reference.mode_names().get(s["mode"], s["mode"])),
        (
            "Seized",
            f"{reference.commodity_names().get(s['commodity'], s['commodity'])}: "
            f"{_found_amount(s)}",
        ),
        ("Counts under", s["cbp_drug_type"] or "no CBP drug type"),
        (
            "Concealment",
            reference.CONCEALMENT_NAMES.get(s["concealment"], s["concealment"])
            if s["concealment"]
            else "–",
        ),
        ("Source", _route(s["source_country"], s["transit_country"])),
        ("Provenance", reference.PROVENANCE_NAMES.get(s["provenance"], s["provenance"])),
    ]
    section = "h6 mt-2 mb-1"
    return [
        html.Div(
            [
                html.H3(f"Seizure {s['seizure_id']}", className="h6 mb-0 me-2"),
                html.Span(SYNTHETIC, className="badge synthetic-badge"),
            ],
            className="d-flex align-items-center mb-2",
        ),
        dbc.Row(
            [
                dbc.Col(
                    [html.H4("The seizure", className=section), label_value_pairs(facts)], lg=4
                ),
                dbc.Col(
                    [
                        html.H4("Declared vs found", className=section),
                        _declared_vs_found(s, detail["shipment"]),
                    ],
                    lg=5,
                ),
                dbc.Col(
                    [
                        html.H4("Referral", className=section),
                        referral_form.section(REFERRAL, s, detail["referrals"], create)
                        if "referral" in readable
                        else html.P(
                            "Referral details are shown to investigators.",
                            id=f"{PREFIX}-referral-withheld",
                            className="small text-muted mb-0",
                        ),
                    ],
                    lg=3,
                ),
            ],
            className="g-3",
        ),
    ]


# -- callbacks --------------------------------------------------------------------------------
PURGE_ON_URL_CHANGE = """
async function(search, gridId) {
    const api = await dash_ag_grid.getApiAsync(gridId);
    api.paginationGoToFirstPage();
    api.purgeInfiniteCache();
    return search || "";
}
"""


REFRESH_ON_NEW_DATA = """
async function(_version, gridId) {
    const api = await dash_ag_grid.getApiAsync(gridId);
    api.refreshInfiniteCache();  // same page, same sort: the rows are fetched again in place
    return Date.now();
}
"""


REFRESH_ON_NEW_OUTCOMES = f"""
async function(_version, gridId) {{
    const api = await dash_ag_grid.getApiAsync(gridId);
    if (!api.getColumn("{OUTCOME}")) {{
        return window.dash_clientside.no_update;
    }}
    api.refreshInfiniteCache();
    return Date.now();
}}
"""


@callback(
    Output(GRID, "getRowsResponse"),
    Output(f"{PREFIX}-count", "children"),
    Input(GRID, "getRowsRequest"),
    State(URL, "search"),
)
def _rows(request, search):
    return grid_rows(request, search, outcomes="referral" in _readable())


clientside_callback(
    PURGE_ON_URL_CHANGE,
    Output(f"{PREFIX}-refreshed", "data"),
    Input(URL_VIEW, "data"),
    State(GRID, "id"),
    prevent_initial_call=True,
)

clientside_callback(
    REFRESH_ON_NEW_DATA,
    Output(f"{PREFIX}-refreshed", "data", allow_duplicate=True),
    Input(store_id("seizures"), "data"),
    State(GRID, "id"),
    prevent_initial_call=True,
)

# new referral steps change the outcome column, where the grid has one
clientside_callback(
    REFRESH_ON_NEW_OUTCOMES,
    Output(f"{PREFIX}-refreshed", "data", allow_duplicate=True),
    Input(store_id("referral_events"), "data"),
    State(GRID, "id"),
    prevent_initial_call=True,
)


# The download link carries the page's query string, so the file holds the records on screen.
# Set in the browser (the link's path without its query, plus the search): no request per URL
# change.
clientside_callback(
    """
    function(search, href) {
        return (href || "").split("?")[0] + (search || "");
    }
    """,
    Output(f"{PREFIX}-download", "href"),
    Input(URL_VIEW, "data"),
    State(f"{PREFIX}-download", "href"),
)


@callback(
    Output(f"{PREFIX}-detail", "children"),
    Input(GRID, "cellClicked"),
    Input(GRID, "selectedRows"),
    prevent_initial_call=True,
)
def _detail(clicked, selected):
    if ctx.triggered_id is None:
        raise PreventUpdate
    readable, create = _readable(), referral_form.may_create(REFERRAL)
    if f"{GRID}.cellClicked" in ctx.triggered_prop_ids and clicked:
        return detail_panel(clicked.get("rowId"), readable, create)
    if isinstance(selected, list) and selected:
        return detail_panel(selected[0].get("seizure_id"), readable, create)
    raise PreventUpdate


referral_form.register(REFERRAL)
