"""A seizure's referrals as people read them: to which agency, where each case stands, and its
steps day by day from the referral. Shared by the Explorer's record detail and Targeting's
referral card, which both show it to the roles allowed the referral fields
(``accounts/policy.py`` ``FIELDS``) and redraw it when a referral is created there.
"""

from __future__ import annotations

from dash import html

from lake import reference
from lake import referral_lifecycle as lifecycle


def agency_name(code: str | None) -> str:
    return reference.AGENCY_NAMES.get(code, code) if code else "–"


def outcome_name(code: str | None) -> str:
    """A referral outcome (a step code of ``queries.referral_state.OUTCOMES``) by name; empty
    when there is none."""
    return lifecycle.LABELS.get(code, code) if code else ""


def _steps(referral: dict) -> html.Ol:
    start = referral["referred_on"]
    items = [
        html.Li(
            [
                html.Strong(step["step"]),
                f" · {step['on'].isoformat()}",
                html.Span(f" (day {(step['on'] - start).days})", className="text-muted")
                if step["on"] != start
                else None,
            ],
            className="mb-1",
        )
        for step in referral["steps"]
    ]
    return html.Ol(items, className="small border-start ps-3 ms-1 mb-2 list-unstyled")


def timeline(referrals: list[dict]) -> html.Div:
    """Each referral (``queries.seizure_referrals.referrals_of``): its id, agency and status,
    then its steps."""
    if not referrals:
        return html.Div(
            html.P("Not referred to another agency.", className="small text-muted mb-0")
        )
    blocks = []
    for referral in referrals:
        blocks.append(
            html.Div(
                [
                    html.P(
                        [
                            f"{referral['referral_id']} to {agency_name(referral['agency'])} "
                            "· status ",
                            html.Span(
                                lifecycle.LABELS.get(referral["status"], referral["status"]),
                                className="badge text-bg-secondary",
                            ),
                        ],
                        className="small mb-1 text-break",
                    ),
                    _steps(referral),
                ],
                className="referral-entry",
            )
        )
    return html.Div(blocks)
