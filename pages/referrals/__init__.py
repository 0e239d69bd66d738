"""Referrals: what became of the seizures referred to investigating agencies, and the cases
that need a push.

Every role that opens the page sees the aggregates: the funnel from seizure to conviction with
its conversions, per receiving agency (``funnel``), and how long cases take to reach a step,
as Kaplan–Meier curves that count open cases honestly (``time_to_outcome``, ``survival``). Only
a role that may read referral fields (the policy's ``FIELDS``: investigators) gets the case
sections, and the server refuses their callbacks to anyone else: the stalled cases
(``stalled``), one case in full with the form that records its next step (``case``), and the
referral package to download (``package``). Everything follows the URL's filters, applied to
the seizure behind each referral. None of the modules holds SQL.
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html
from flask import Flask

from pages.referrals import case, funnel, package, stalled, time_to_outcome
from pages.referrals.common import PAGE, PATH, sees_cases


def register() -> None:
    """Add the page to the app; ``internal_app`` calls it once the app exists (Dash refuses a
    page before), so the page's modules can be imported without an app, as tests do."""
    dash.register_page(
        __name__,
        path=PATH,
        name="Referrals",
        title="Chokepoint · Referrals",
        order=3,
        layout=layout,
    )


def register_routes(server: Flask) -> None:
    """The referral package's download routes (``package``)."""
    package.register_routes(server)


def layout(referral: str | None = None, **_query: str) -> html.Div:
    """``?referral=<id>`` opens that case (the link shown after a referral is created)."""
    opened = referral[:64] if isinstance(referral, str) and referral.strip() else None
    cases = (
        [
            dbc.Row(dbc.Col(stalled.layout()), className="g-3 mb-3"),
            dbc.Row(dbc.Col(case.layout(opened)), className="g-3 mb-3"),
        ]
        if sees_cases()
        else [
            html.P(
                "Stalled cases and case files are shown to investigators.",
                id=f"{PAGE}-cases-withheld",
                className="small text-muted",
            )
        ]
    )
    return html.Div(
        [
            html.Div(
                [
                    html.H1("Referrals", className="h4 mb-0"),
                    html.Span(id=funnel.AS_OF, className="text-muted ms-3 small"),
                ],
                className="d-flex flex-wrap align-items-baseline mb-1",
            ),
            html.P(
                "Seizures referred to investigating agencies and how far the cases got. The "
                "filters apply to the seizure behind each referral. All referrals are synthetic "
                "demo records.",
                className="small text-muted mb-2",
            ),
            funnel.layout(),
            dbc.Row(dbc.Col(time_to_outcome.layout()), className="g-3 mb-3"),
            *cases,
        ]
    )
