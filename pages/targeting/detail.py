"""One shipment of the queue in full: why it scored, its parties' history, similar seizures (and,
for the roles allowed the referral fields, what their referrals led to), and the analyst's
feedback buttons ("examined — seized / clean") that teach the next training run.

The feedback controls are part of the static layout (hidden until a row is selected), so their
callback never depends on components that come and go with the detail.
"""

from __future__ import annotations

from datetime import datetime

import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from accounts import policy, web
from components import format as fmt
from components.cards import label_value_pairs
from components.referral_timeline import outcome_name
from lake import reference
from pages.targeting.queue import GRID
from queries import referral_outcomes
from queries import targeting as queue_queries
from queries.executor import QueryError
from targeting import store
from targeting.history import OUTCOME_LAG_DAYS
from targeting.rules import RULE_BY_NAME

SELECTED = "targeting-selected"
DETAIL = "targeting-detail"
FEEDBACK = "targeting-feedback"
SEIZED = "targeting-feedback-seized"
CLEAN = "targeting-feedback-clean"
NOTE = "targeting-feedback-note"
STATUS = "targeting-feedback-status"
SAVED = "targeting-feedback-saved"  # the shipment whose feedback was just saved
PARTY_NAMES = {"shipper": "Shipper", "consignee": "Consignee", "address": "Delivery address"}
NOTHING = [html.P("No shipment selected.", className="small text-muted mb-0")]
ALL_FIELDS = frozenset(policy.FIELDS)
OUTCOME = "referral_outcome"
SIMILAR_COLUMNS = [
    ("arrived_at", "Arrived"),
    ("hts_code", "HTS"),
    ("origin_country", "Origin"),
    ("port_code", "Port"),
    ("commodity", "Seized"),
]


def layout() -> dbc.Card:
    feedback = html.Div(
        [
            html.H3("Exam result", className="h6 mt-3 mb-1"),
            dbc.Input(
                id=NOTE,
                placeholder="Note (optional)",
                maxLength=store.MAX_NOTE,
                size="sm",
                className="mb-2",
            ),
            dbc.Button("Examined — seized", id=SEIZED, color="danger", size="sm", className="me-2"),
            dbc.Button("Examined — clean", id=CLEAN, color="success", size="sm"),
            html.P(id=STATUS, className="small mt-2 mb-0", **{"aria-live": "polite"}),
            dcc.Store(id=SAVED),
        ],
        id=FEEDBACK,
        style={"display": "none"},
    )
    return dbc.Card(
        [
            dbc.CardHeader(html.H2("Shipment", className="h6 mb-0")),
            dbc.CardBody(
                [
                    dcc.Store(id=SELECTED),
                    html.Div(NOTHING, id=DETAIL, **{"aria-live": "polite"}),
                    feedback,
                ]
            ),
        ],
        className="targeting-detail-card",
    )


def _country(code: str | None) -> str:
    return reference.country_names().get(code, code) if code else "direct"


def chips(flags: list[str]) -> list:
    return [
        html.Span(
            RULE_BY_NAME[n].label,
            className="badge rounded-pill text-bg-warning me-1",
            title=RULE_BY_NAME[n].description,
        )
        for n in flags
        if n in RULE_BY_NAME
    ]


def _table(rows: list[dict], columns: list[tuple[str, str]]) -> html.Div | html.P:
    """A small table that scrolls within its column on a phone rather than widening the page."""
    if not rows:
        return html.P("None.", className="small text-muted mb-0")
    head = html.Thead(html.Tr([html.Th(label, scope="col") for _, label in columns]))
    body = html.Tbody([html.Tr([html.Td(_cell(k, r.get(k))) for k, _ in columns]) for r in rows])
    table = html.Table([head, body], className="table table-sm small mb-2")
    return html.Div(table, className="table-responsive")


# columns of the detail's small tables that hold codes: shown by name
CELL_NAMES = {
    "outcome": "outcome",
    "commodity": "commodity",
    "port_code": "port",
    "origin_country": "source",
}


def _cell(key: str, value: object) -> str:
    if key == OUTCOME:
        return outcome_name(value if isinstance(value, str) else None)
    if key in CELL_NAMES and isinstance(value, str):
        return reference.names_for(CELL_NAMES[key]).get(value, value)
    return queue_queries.iso(value)


def _history(parties: dict[str, dict]) -> list:
    """One column per party: its record before this arrival and its latest shipments."""
    blocks = []
    for party, info in parties.items():
        seen = queue_queries.iso(info["first_seen"])[:10] if info["first_seen"] else "never"
        blocks.append(
            html.Div(
                [
                    html.P(
                        [
                            html.Strong(f"{PARTY_NAMES[party]} {info['id']}: "),
                            f"{fmt.whole(info['shipments'])} earlier shipments, "
                            f"{fmt.whole(info['examined'])} examined, "
                            f"{fmt.whole(info['seized'])} seized; first seen {seen}.",
                        ],
                        className="small mb-1",
                    ),
                    _table(
                        info["latest"],
                        [
                            ("arrived_at", "Arrived"),
                            ("hts_code", "HTS"),
                            ("description", "Description"),
                            ("outcome", "Outcome"),
                            ("commodity", "Seized"),
                        ],
                    ),
                ],
                className="targeting-party",
            )
        )
    return [dbc.Col(block, lg=4) for block in blocks]


def detail_panel(shipment_id: str | None, readable: frozenset[str] = ALL_FIELDS) -> list:
    """The detail of one shipment of the queue; ``readable`` says which groups of record fields
    the reader's role may see (the policy table's ``FIELDS``): similar seizures show what their
    referrals led to only with the referral fields."""
    if not shipment_id:
        return NOTHING
    similar_columns = list(SIMILAR_COLUMNS)
    try:
        shipment = queue_queries.shipment_detail(shipment_id)
        if shipment is None:
            return [dbc.Alert(f"No shipment {shipment_id[:64]!r}.", color="warning")]
        parties = queue_queries.party_history(shipment)
        similar = queue_queries.similar_seizures(shipment)
        if "referral" in readable:
            outcomes = referral_outcomes.outcomes_of([r["seizure_id"] for r in similar])
            for row in similar:
                row[OUTCOME] = outcomes.get(row["seizure_id"])
            similar_columns.append((OUTCOME, "Referral outcome"))
    except QueryError as exc:
        return [dbc.Alert(f"The shipment could not be loaded: {exc}", color="danger")]
    score = shipment.get("score")
    weight = shipment["declared_weight_kg"] or 0
    per_kg = shipment["declared_value_usd"] / weight if weight else None
    reasons = [r for r in (shipment.get("reasons") or "").split(" · ") if r]
    verdict = store.feedback_for(shipment_id)
    facts = [
        ("Arrived", queue_queries.iso(shipment["arrived_at"]) + " UTC"),
        ("Port", reference.port_names().get(shipment["port_code"], shipment["port_code"])),
        ("Mode", reference.mode_names().get(shipment["mode"], shipment["mode"])),
        (
            "Route",
            f"{_country(shipment['origin_country'])} → "
            f"{_country(shipment['transit_country'])} → "
            f"{reference.port_names().get(shipment['port_code'], shipment['port_code'])}",
        ),
        ("Goods", f"{shipment['hts_code']} · {shipment['description']}"),
        (
            "Value, weight",
            f"US${shipment['declared_value_usd']:,.2f}, {weight:,.2f} kg"
            + (f" (US${per_kg:,.2f}/kg)" if per_kg else ""),
        ),
        ("Consignee", f"{shipment['consignee_name']} ({shipment['consignee_id']})"),
        ("Entry type", shipment["entry_type"]),
        (
            "Master carton / preprinted label",
            f"{'yes' if shipment['master_carton'] else 'no'} / "
            f"{'yes' if shipment['preprinted_domestic_label'] else 'no'}",
        ),
        ("DEA transaction id", shipment["dea_transaction_id"]),
    ]
    recorded = recorded_examination(shipment, queue_queries.as_of())
    header = [
        html.H3(f"Shipment {shipment['shipment_id']}", className="h6 mb-0 me-2"),
        html.Span(
            "not scored yet" if score is None else f"score {score_text(score)}",
            className="badge text-bg-dark me-2",
        ),
        html.Span("Synthetic record", className="badge synthetic-badge"),
    ]
    why = [html.Li(r) for r in reasons] or [html.Li("Nothing pushed this score up.")]
    section = "h6 mt-2 mb-1"
    return [
        html.Div(
            header,
            className="d-flex flex-wrap align-items-center row-gap-1 mb-2 targeting-detail-head",
        ),
        html.Div(chips(shipment.get("flags") or []), className="mb-2 targeting-detail-chips"),
        dbc.Row(
            [
                dbc.Col([html.H4("Declared", className=section), label_value_pairs(facts)], lg=5),
                dbc.Col(
                    [
                        html.H4("Why this score", className=section),
                        html.Ul(why, className="small mb-2"),
                        html.P(
                            f"Model {shipment.get('model_version') or '–'}.",
                            className="small text-muted mb-2",
                        ),
                        html.H4("Similar past seizures", className=section),
                        _table(similar, similar_columns),
                    ],
                    lg=7,
                ),
            ],
            className="g-3",
        ),
        html.H4("Parties' history (before this arrival)", className=section),
        dbc.Row(_history(parties), className="g-3 targeting-parties"),
        html.H4("Recorded since arrival", className=section),
        html.P(
            f"Examination recorded: {OUTCOME_WORDS[recorded]}."
            if recorded
            else "No examination recorded yet: the panel shows what was known when the "
            "shipment arrived.",
            className="small mb-1 targeting-recorded",
        ),
        html.P(
            f"Analyst feedback: {verdict['verdict']} ({verdict['created_at']} UTC)."
            if verdict
            else "No analyst feedback yet.",
            className="small text-muted mb-0 targeting-verdict",
        ),
    ]


def score_text(score: float) -> str:
    """The score as the queue shows it: a percent, and from 99 % on the odds as well."""
    if score < 0.99:
        return f"{score:.1%}"
    return f"{score:.2%} · {round(score / max(1 - score, 1e-9)):,}:1"


OUTCOME_WORDS = {"seized": "seized", "cleared": "examined, nothing found"}
VERDICT_OUTCOME = {"seized": "seized", "clean": "cleared"}


def recorded_examination(shipment: dict, now: datetime | None) -> str | None:
    """The examination result a targeter may see: ``seized`` or ``cleared`` once it has been
    recorded, None before. An exam result is not known at arrival: as in the model's history
    (``OUTCOME_LAG_DAYS``), it counts as recorded once that many full days have passed since
    the arrival day, so the panel never shows a shipment that arrived today as seized."""
    if not shipment.get("examined") or shipment.get("outcome") not in OUTCOME_WORDS:
        return None
    if now is None:
        return None
    arrived = shipment["arrived_at"].date()
    if (now.date() - arrived).days < OUTCOME_LAG_DAYS:
        return None
    return shipment["outcome"]


def contradiction(shipment: dict | None, verdict: str, now: datetime | None) -> str | None:
    """The recorded examination a verdict contradicts (``seized`` or ``cleared``), or None."""
    recorded = recorded_examination(shipment, now) if shipment else None
    return recorded if recorded and recorded != VERDICT_OUTCOME[verdict] else None


@callback(
    Output(SELECTED, "data"),
    Input(GRID, "cellClicked"),
    Input(GRID, "selectedRows"),
    prevent_initial_call=True,
)
def _select(clicked, selected):
    if f"{GRID}.cellClicked" in ctx.triggered_prop_ids and clicked and clicked.get("rowId"):
        return clicked["rowId"]
    if isinstance(selected, list) and selected:
        return selected[0].get("shipment_id")
    raise PreventUpdate


@callback(
    Output(DETAIL, "children"),
    Output(FEEDBACK, "style"),
    Output(STATUS, "children"),
    Input(SELECTED, "data"),
)
def _detail(shipment_id):
    shown = {"display": "block"} if shipment_id else {"display": "none"}
    identity = web.current()
    readable = policy.readable_fields(identity.role) if identity else frozenset()
    return detail_panel(shipment_id, readable), shown, ""


@callback(
    Output(STATUS, "children", allow_duplicate=True),
    Output(NOTE, "value"),
    Output(SAVED, "data"),
    Input(SEIZED, "n_clicks"),
    Input(CLEAN, "n_clicks"),
    State(SELECTED, "data"),
    State(NOTE, "value"),
    prevent_initial_call=True,
)
def _feedback(_seized, _clean, shipment_id, note):
    if ctx.triggered_id not in (SEIZED, CLEAN) or not shipment_id:
        raise PreventUpdate
    verdict = "seized" if ctx.triggered_id == SEIZED else "clean"
    try:
        shipment = queue_queries.shipment_detail(shipment_id)
    except QueryError as exc:
        return f"Not saved: the shipment could not be read ({exc}).", no_update, no_update
    save, message = feedback_decision(shipment, verdict, note, queue_queries.as_of())
    if not save:
        return message, no_update, no_update
    try:
        store.add_feedback(shipment_id, verdict, note or "")
    except store.StoreError as exc:
        return str(exc), no_update, no_update
    return message, "", shipment_id


def feedback_decision(
    shipment: dict | None, verdict: str, note: str | None, now: datetime | None
) -> tuple[bool, str]:
    """Whether a verdict is saved, and what the targeter is told: a verdict that contradicts a
    recorded examination is refused until the note says why, then saved as a correction."""
    shipment_id = (shipment or {}).get("shipment_id", "")
    against = contradiction(shipment, verdict, now)
    if against and not (note or "").strip():
        return False, (
            f"Not saved: the recorded examination says {OUTCOME_WORDS[against]}, and "
            f"'{verdict}' contradicts it. To correct the record, say why in the note (a lab "
            "result, a second examination) and press the button again."
        )
    if against:
        return True, (
            f"Saved as a correction: {shipment_id} examined — {verdict}, against the recorded "
            f"'{OUTCOME_WORDS[against]}'. The next training run uses this label."
        )
    return True, (
        f"Saved: {shipment_id} examined — {verdict}. The next training run uses this label."
    )
