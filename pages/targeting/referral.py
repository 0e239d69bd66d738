"""Targeting's referral card: once the open shipment's seizure is known, the seizure's referrals
and the form that refers it to an agency (``components/referral_form.py``).

A seizure is known when the panel may say the shipment was seized: its examination is recorded
(``detail.recorded_examination``, which holds a fresh result back as the panel does) or the
targeter's feedback says seized, and the records name its seizure. Feedback saved here brings
the card up to date at once.

The card is in the page only for the roles its policy row admits (those who may create a
referral and open Targeting): a callback whose output is not in the page is never called, so
other roles neither see it nor send its requests. Its callback reads one input, the shipment a
clientside callback copies from the selection or the saved feedback, so the audit log names that
shipment whichever of the two moved.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Input, Output, callback, clientside_callback, dcc, html

from accounts import policy, web
from components import referral_form
from pages.targeting.detail import NOTHING, SAVED, SELECTED, recorded_examination
from queries import seizure_referrals
from queries import targeting as queue_queries
from queries.executor import QueryError
from targeting import store

CARD = "targeting-referral"
FOR = "targeting-referral-for"  # the shipment the card is drawn for
FORM = "targeting-referral"  # the form's ids: targeting-referral-agency, ...
NOT_SEIZED = (
    "A referral starts from a seizure. Once this shipment's examination is recorded as seized, "
    "or your feedback says seized, it can be referred from here."
)
NO_SEIZURE = (
    "The feedback says seized, but the records hold no seizure of this shipment yet: a referral "
    "names the seizure, so it can be made once the seizure is recorded."
)


def layout() -> dbc.Card | None:
    """The card, or None for a role its policy row does not admit."""
    identity = web.current()
    if identity is None or not policy.may_call(identity.role, f"{CARD}.children"):
        return None
    return dbc.Card(
        [
            dbc.CardHeader(html.H2("Referral", className="h6 mb-0")),
            dbc.CardBody(
                [
                    dcc.Store(id=FOR),
                    html.Div(NOTHING, id=CARD, **{"aria-live": "polite"}),
                ]
            ),
        ],
        className="targeting-referral-card",
    )


def seized(shipment: dict, feedback: dict | None) -> bool:
    """Whether the panel may say the shipment was seized: recorded so, or the feedback says so."""
    recorded = recorded_examination(shipment, queue_queries.as_of())
    return recorded == "seized" or (feedback or {}).get("verdict") == "seized"


def card_body(shipment_id: str | None, create: bool) -> list:
    """The open shipment's seizure with its referrals and, when ``create``, the form."""
    if not shipment_id:
        return NOTHING
    try:
        shipment = queue_queries.shipment_detail(shipment_id)
        if shipment is None:
            return [dbc.Alert(f"No shipment {shipment_id[:64]!r}.", color="warning")]
        if not seized(shipment, store.feedback_for(shipment_id)):
            return [html.P(NOT_SEIZED, className="small text-muted mb-0")]
        seizure_id = shipment.get("seizure_id")
        seizure = seizure_referrals.seizure_to_refer(seizure_id) if seizure_id else None
        if seizure is None:
            return [html.P(NO_SEIZURE, className="small text-muted mb-0")]
        referrals = seizure_referrals.referrals_of(seizure_id)
    except QueryError as exc:
        return [dbc.Alert(f"The referrals could not be loaded: {exc}", color="danger")]
    return [
        html.P(
            [
                html.Strong(f"Seizure {seizure_id}"),
                f" of shipment {shipment_id}, {seizure['event_date'].isoformat()}",
            ],
            className="small mb-2 text-break",
        ),
        referral_form.section(FORM, seizure, referrals, create),
    ]


clientside_callback(
    "function(selected, _saved) { return selected || null; }",
    Output(FOR, "data"),
    Input(SELECTED, "data"),
    Input(SAVED, "data"),
    prevent_initial_call=True,
)


@callback(Output(CARD, "children"), Input(FOR, "data"), prevent_initial_call=True)
def _card(shipment_id):
    return card_body(shipment_id, referral_form.may_create(FORM))


referral_form.register(FORM)
