"""One referral opened from the stalled list: the seizure, its shipment and manifest line, the
parties, the full event timeline, related seizures, the referral package, and the form that
records the next step.

Laid out for investigators only (case fields), each opening audited with the referral's id. The
form offers the steps the state machine allows next (``lifecycle.allowed_after``) and records
through ``ingest.live.record.record_step``: the same checks and the same machine as a partner's
batch, so a step the machine refuses here is refused with the machine's own reason, shown as it
gave it. The form is part of the static layout (hidden until a case is open), so its callback
never depends on components that come and go with the case.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from urllib.parse import urlencode

import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from accounts import web
from components import format as fmt
from components.cards import label_value_pairs
from ingest.live.record import record_step
from ingest.live.rules import MAX_NOTE_LENGTH
from lake import reference
from lake import referral_lifecycle as lifecycle
from pages.referrals.common import PAGE, SELECTED, agency_name, day, sees_cases, step_name
from pages.referrals.package import PACKAGE_PATH
from pages.referrals.stalled import GRID
from queries import referral_case
from queries.executor import QueryError
from queries.gateway import default_gateway

CASE = f"{PAGE}-case"
FORM = f"{PAGE}-record"
STEP = f"{FORM}-step"
DAY = f"{FORM}-day"
CASE_NUMBER = f"{FORM}-case-number"
NOTE = f"{FORM}-note"
SUBMIT = f"{FORM}-submit"
STATUS = f"{FORM}-status"
HIDDEN, SHOWN = {"display": "none"}, {"display": "block"}
NOTHING = [
    html.P(
        "No case open: select a stalled referral above, or type a referral's id.",
        className="small text-muted",
    )
]
OPEN_ID = f"{PAGE}-open-id"
SECTION = "h6 mt-3 mb-1"


def layout(referral: str | None = None) -> dbc.Card:
    """The case card; ``referral`` (from the page's ``?referral=`` link) opens that case."""
    form = html.Div(
        [
            html.H3("Record the next step", className=SECTION),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            dbc.Label("Step", html_for=STEP, className="small mb-0"),
                            dbc.Select(
                                id=STEP, options=[], size="sm", placeholder="Choose the step"
                            ),
                        ],
                        xs=12,
                        md=3,
                    ),
                    dbc.Col(
                        [
                            dbc.Label("Day it happened", html_for=DAY, className="small mb-0"),
                            dcc.DatePickerSingle(
                                id=DAY,
                                display_format="YYYY-MM-DD",
                                with_portal=True,
                                className="d-block",
                            ),
                        ],
                        xs=12,
                        md=3,
                    ),
                    dbc.Col(
                        [
                            dbc.Label("Case number", html_for=CASE_NUMBER, className="small mb-0"),
                            dbc.Input(id=CASE_NUMBER, size="sm", maxLength=64),
                        ],
                        xs=12,
                        md=3,
                    ),
                ],
                className="g-2",
            ),
            dbc.Label("Note", html_for=NOTE, className="small mb-0 mt-2"),
            dbc.Textarea(id=NOTE, size="sm", maxLength=MAX_NOTE_LENGTH, rows=2),
            dbc.Button("Record step", id=SUBMIT, color="primary", size="sm", className="mt-2"),
            html.P(id=STATUS, className="small mt-2 mb-0", **{"aria-live": "polite"}),
        ],
        id=FORM,
        style=HIDDEN,
    )
    return dbc.Card(
        [
            dbc.CardHeader(
                html.Div(
                    [
                        html.H2("Case", className="h6 mb-0 me-3"),
                        dbc.Label(
                            "Referral id to open", html_for=OPEN_ID, className="visually-hidden"
                        ),
                        dbc.Input(
                            id=OPEN_ID,
                            placeholder="Open a referral by its id, then Enter",
                            size="sm",
                            debounce=True,
                            maxLength=64,
                            className="referrals-open-id",
                        ),
                    ],
                    className="d-flex flex-wrap align-items-center gap-2",
                )
            ),
            dbc.CardBody(
                [
                    dcc.Store(id=SELECTED, data=referral),
                    html.Div(NOTHING, id=CASE, **{"aria-live": "polite"}),
                    form,
                ]
            ),
        ],
        className="referrals-case-card",
    )


def _name(key: str, code: str | None) -> str:
    return reference.names_for(key).get(code, code) if code else "–"


def _route(source: str | None, transit: str | None, port: str | None) -> str:
    via = f" via {_name('transit', transit)}" if transit else ""
    to = f" to {_name('port', port)}" if port else ""
    return f"From {_name('source', source)}{via}{to}"


def _amount(seizure: dict) -> str:
    quantity, unit = seizure.get("quantity"), seizure.get("unit")
    if quantity is None:
        return "–"
    return f"{quantity:,.0f} {unit}" if unit == "pills" else f"{quantity:,.2f} {unit}"


def _recorder(recorded_by: str | None) -> str:
    """A partner feed's name as it is; a person in this app as "name (in Chokepoint)"."""
    if not recorded_by:
        return "–"
    return f"{recorded_by[5:]} (in Chokepoint)" if recorded_by.startswith("user:") else recorded_by


def _timeline(events: list[dict]) -> html.Table:
    head = ["Day", "Step", "Agency", "Case number", "Recorded by", "Note"]
    rows = [
        html.Tr(
            [
                html.Td(day(e["occurred_on"]), className="text-nowrap"),
                html.Td(step_name(e["step"])),
                html.Td(agency_name(e["agency"])),
                html.Td(e["case_number"] or "–"),
                html.Td(_recorder(e["recorded_by"])),
                html.Td(e["note"] or ""),
            ],
            className=f"referrals-event referrals-event-{e['step']}",
        )
        for e in events
    ]
    return html.Div(
        html.Table(
            [html.Thead(html.Tr([html.Th(h, scope="col") for h in head])), html.Tbody(rows)],
            className="table table-sm small mb-0",
            id=f"{CASE}-timeline",
        ),
        className="table-responsive",
    )


def _related(rows: list[dict], total: int, what: str) -> list:
    if not rows:
        return [html.P(f"No other seizure {what}.", className="small text-muted mb-1")]
    head = ["Day", "Seizure", "Seized", "Port", "Mode", "Referral"]
    body = [
        html.Tr(
            [
                html.Td(day(r["event_date"]), className="text-nowrap"),
                html.Td(r["seizure_id"]),
                html.Td(f"{_name('commodity', r['commodity'])}: {_amount(r)}"),
                html.Td(_name("port", r["port_code"]) if r["port_code"] else "between ports"),
                html.Td(_name("mode", r["mode"])),
                html.Td(
                    f"{r['referral_id']} ({step_name(r['status'])})" if r["referral_id"] else "–"
                ),
            ]
        )
        for r in rows
    ]
    shown = f"The latest {len(rows)} of {total:,}" if total > len(rows) else fmt.count(total, "")
    return [
        html.P(f"{shown.strip()} {what}:", className="small mb-1"),
        html.Div(
            html.Table(
                [html.Thead(html.Tr([html.Th(h, scope="col") for h in head])), html.Tbody(body)],
                className="table table-sm small mb-2",
            ),
            className="table-responsive",
        ),
    ]


def _package_links(referral_id: str) -> html.P:
    query = "?" + urlencode({"referral": referral_id})
    return html.P(
        [
            "Referral package for the receiving agency (case, seizure, shipment, timeline): ",
            html.A("JSON", href=f"{PACKAGE_PATH}.json{query}", id=f"{CASE}-json", className="me-2"),
            html.A("CSV", href=f"{PACKAGE_PATH}.csv{query}", id=f"{CASE}-csv"),
        ],
        className="small mb-0 d-print-none",
    )


def case_panel(found: dict) -> list:
    """The case view of ``referral_case.case``'s answer."""
    head, seizure, shipment = found["summary"], found["seizure"], found["shipment"]
    state = step_name(head["status"]) + ("" if head["is_open"] else " (no longer open)")
    facts = [
        ("Agency", agency_name(head["agency"])),
        ("State", state),
        ("Case number", head["case_number"]),
        ("Referred", day(head["referred_on"])),
        ("Last event", day(head["last_event_on"])),
        ("Follow-up seizures", f"{head['follow_up_seizures']:,}"),
    ]
    blocks = [dbc.Col([html.H4("Referral", className=SECTION), label_value_pairs(facts)], lg=4)]
    if seizure:
        blocks.append(
            dbc.Col(
                [
                    html.H4(f"Seizure {seizure['seizure_id']}", className=SECTION),
                    label_value_pairs(
                        [
                            ("Day", day(seizure["event_date"])),
                            (
                                "Seized",
                                f"{_name('commodity', seizure['commodity'])}: {_amount(seizure)}",
                            ),
                            ("Where", _name("area", seizure["area_id"])),
                            ("Mode", _name("mode", seizure["mode"])),
                            (
                                "Route",
                                _route(
                                    seizure["source_country"],
                                    seizure["transit_country"],
                                    seizure["port_code"],
                                ),
                            ),
                            ("Concealment", _name("concealment", seizure["concealment"])),
                        ]
                    ),
                ],
                lg=4,
            )
        )
    if shipment:
        blocks.append(
            dbc.Col(
                [
                    html.H4(f"Shipment {shipment['shipment_id']}", className=SECTION),
                    label_value_pairs(
                        [
                            (
                                "Arrived",
                                shipment["arrived_at"].isoformat(sep=" ", timespec="minutes")
                                + " UTC",
                            ),
                            (
                                "Manifest line",
                                f"{shipment['hts_code']} · {shipment['description']}",
                            ),
                            (
                                "Declared",
                                f"US${shipment['declared_value_usd']:,.2f}, "
                                f"{shipment['declared_weight_kg']:,.2f} kg",
                            ),
                            ("Shipper", shipment["shipper_id"]),
                            (
                                "Consignee",
                                f"{shipment['consignee_name']} ({shipment['consignee_id']})",
                            ),
                            ("Delivery address", shipment["consignee_address_id"]),
                            ("Carrier", shipment["carrier"]),
                        ]
                    ),
                ],
                lg=4,
            )
        )
    related = found["related"]
    return [
        html.Div(
            [
                html.H3(f"Referral {head['referral_id']}", className="h6 mb-0 me-2"),
                html.Span(state, className="badge text-bg-dark me-2"),
                html.Span("Synthetic record", className="badge synthetic-badge"),
            ],
            className="d-flex flex-wrap align-items-center gap-1 mb-1",
        ),
        _package_links(head["referral_id"]),
        dbc.Row(blocks, className="g-3"),
        html.H4("Timeline", className=SECTION),
        _timeline(found["events"]),
        html.H4("Related seizures", className=SECTION),
        *(
            _related(
                related["parties"], related["parties_total"], "from the same shipper or consignee"
            )
            if shipment
            else [html.P("No manifest line: no parties to match.", className="small text-muted")]
        ),
        *_related(
            related["route"],
            related["route_total"],
            "on the same route (source and transit country, port, mode)",
        ),
    ]


def next_steps(found: dict) -> list[dict]:
    """The form's choices: what the state machine allows after the case's events."""
    reached = {e["step"] for e in found["events"]}
    allowed = lifecycle.allowed_after(found["summary"]["status"], reached)
    return [{"label": step_name(s), "value": s} for s in allowed]


def today() -> date:
    return datetime.now(UTC).date()


@callback(
    Output(SELECTED, "data"),
    Output(STATUS, "children"),
    Input(GRID, "cellClicked"),
    Input(GRID, "selectedRows"),
    Input(OPEN_ID, "value"),
    prevent_initial_call=True,
)
def _select(clicked, selected, typed):
    if f"{OPEN_ID}.value" in ctx.triggered_prop_ids:
        if isinstance(typed, str) and typed.strip():
            return typed.strip()[:64], ""
        raise PreventUpdate
    if f"{GRID}.cellClicked" in ctx.triggered_prop_ids and clicked and clicked.get("rowId"):
        return clicked["rowId"], ""
    if isinstance(selected, list) and selected and selected[0].get("referral_id"):
        return selected[0]["referral_id"], ""
    raise PreventUpdate


@callback(
    Output(CASE, "children"),
    Output(FORM, "style"),
    Output(STEP, "options"),
    Output(STEP, "value"),
    Output(DAY, "date"),
    Output(DAY, "max_date_allowed"),
    Output(CASE_NUMBER, "value"),
    Input(SELECTED, "data"),
)
def _case(referral_id):
    if not referral_id or not sees_cases():
        return NOTHING, HIDDEN, [], None, None, None, None
    try:
        found = referral_case.case(referral_id)
    except QueryError as exc:
        alert = [dbc.Alert(f"The case could not be loaded: {exc}", color="danger")]
        return alert, HIDDEN, [], None, None, None, None
    if found is None:
        alert = [dbc.Alert(f"No referral {referral_id[:64]!r}.", color="warning")]
        return alert, HIDDEN, [], None, None, None, None
    choices = next_steps(found)
    if not choices:
        return case_panel(found), HIDDEN, [], None, None, None, None
    now = today().isoformat()
    case_number = found["summary"]["case_number"]
    return case_panel(found), SHOWN, choices, "", now, now, case_number


@callback(
    Output(STATUS, "children", allow_duplicate=True),
    Output(SELECTED, "data", allow_duplicate=True),
    Output(NOTE, "value"),
    Input(SUBMIT, "n_clicks"),
    State(SELECTED, "data"),
    State(STEP, "value"),
    State(DAY, "date"),
    State(CASE_NUMBER, "value"),
    State(NOTE, "value"),
    prevent_initial_call=True,
)
def _record(clicks, referral_id, step, day_text, case_number, note):
    if not clicks or not referral_id:
        raise PreventUpdate
    identity = web.current()
    if identity is None or not sees_cases():
        raise PreventUpdate
    message, recorded = record(referral_id, step, day_text, case_number, note, identity.name)
    if not recorded:  # the form keeps what was typed, to correct and send again
        return message, no_update, no_update
    return message, referral_id, ""  # the case view reads the case again


def record(
    referral_id: str,
    step: str | None,
    day_text: str | None,
    case_number: str | None,
    note: str | None,
    user: str,
) -> tuple[str, bool]:
    """Record one step of the case as ``user``; what they are told, and whether it was taken.
    A refusal carries the state machine's (or the checks') reason as it gave it."""
    if not step:
        return "Not recorded: pick a step.", False
    try:
        occurred_on = date.fromisoformat((day_text or "")[:10])
    except ValueError:
        return "Not recorded: pick the day it happened.", False
    head = referral_case.summary(referral_id)
    if head is None:
        return f"Not recorded: no referral {referral_id[:64]!r}.", False
    verdict = record_step(
        referral_id=referral_id,
        step=step,
        occurred_on=occurred_on,
        agency=head["agency"],
        user=user,
        case_number=(case_number or "").strip() or None,
        note=(note or "").strip() or None,
    )
    if not verdict.accepted:
        return f"Not recorded: {verdict.reason}", False
    default_gateway().refresh(check_now=True)  # the case view reads the new event at once
    return f"Recorded: {step_name(step)} on {occurred_on.isoformat()}.", True
