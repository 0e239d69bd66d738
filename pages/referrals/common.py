"""What the Referrals page's modules share: its id prefix and path, who may see cases, the names
people read for agencies, steps and the groups the curves compare, and a card frame."""

from __future__ import annotations

from datetime import date

import dash_bootstrap_components as dbc
from dash import html

from accounts import policy, web
from lake import reference
from lake import referral_lifecycle as lifecycle

PAGE = "referrals"
PATH = "/referrals"
SELECTED = f"{PAGE}-selected"  # the referral id whose case is open
NO_REFERRALS = "No referrals in the lake yet."
CATEGORY_NAMES = {c: c.capitalize() for c in reference.CATEGORIES}
GROUP_LABELS = {"agency": "Receiving agency", "category": "Commodity category"}
# A step as the object of a sentence: "time to an arrest", "12% got to a conviction".
STEP_PHRASES = {
    "accepted": "acceptance",
    "investigation_opened": "an investigation",
    "warrant": "a warrant",
    "arrest": "an arrest",
    "prosecution": "a prosecution",
    "conviction": "a conviction",
}


def sees_cases() -> bool:
    """Whether the signed-in person may read case fields (the policy's ``referral`` fields):
    the stalled list and the case view are laid out only for them."""
    identity = web.current()
    return identity is not None and policy.may_read(identity.role, "referral")


def agency_name(code: str | None) -> str:
    return reference.AGENCY_NAMES.get(code, code) if code else "–"


def step_name(step: str | None) -> str:
    return lifecycle.LABELS.get(step, step) if step else "–"


def group_name(by: str, value: str) -> str:
    """A curve's group as people name it: an agency or a commodity category."""
    return agency_name(value) if by == "agency" else CATEGORY_NAMES.get(value, value)


def day(value: date | None) -> str:
    return value.isoformat() if value else "–"


def card(title: str, body: list, card_id: str | None = None) -> dbc.Card:
    """A card with a title and a body (the page's non-chart sections)."""
    parts = [dbc.CardHeader(html.H2(title, className="h6 mb-0")), dbc.CardBody(body)]
    if card_id:
        return dbc.Card(parts, id=card_id, className="h-100")
    return dbc.Card(parts, className="h-100")
