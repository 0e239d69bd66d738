"""Targeting: which arriving shipments to examine first, why, and which threats are emerging.

The page's header is here; each card is a module of this package with its own layout and
callbacks: the ranked queue (``queue``), the shipment detail and feedback (``detail``), the
seizure's referrals (``referral``, for those who may create one), emerging threats
(``emerging_threats``), watchlists (``watchlists``) and the model card (``model_card``).
The queue and the detail follow the URL's filters (port, mode, countries, dates; without dates,
the last week of arrivals) and refresh themselves when a batch arrives and is scored. None holds
SQL.
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, callback, html

from components import url_state
from components.filter_bar import URL_VIEW
from components.live import versions
from pages.targeting import detail, emerging_threats, model_card, queue, referral, watchlists
from pages.targeting.common import PAGE, PATH
from queries import targeting as queue_queries
from queries.filters import SHIPMENT_TARGET, SPEC_BY_KEY

NOT_APPLIED_NOTE = "Not applied here (shipments carry no such field): "


def register() -> None:
    """Add the page to the app; ``internal_app`` calls it once the app exists (Dash refuses a
    page before), so the page's modules can be imported without an app, as tests do."""
    dash.register_page(
        __name__,
        path=PATH,
        name="Targeting",
        title="Chokepoint · Targeting",
        order=2,
        layout=layout,
    )


def layout(**_query: str) -> html.Div:
    referral_card = referral.layout()
    return html.Div(
        [
            html.Div(
                [
                    html.H1("Targeting", className="h4 mb-0"),
                    html.Span(id=f"{PAGE}-period", className="text-muted ms-3 small"),
                ],
                className="d-flex align-items-baseline mb-1",
            ),
            html.P(
                "Arriving shipments ranked by how likely an exam finds something, with the red "
                "flags behind each score. All shipments are synthetic demo records.",
                className="small text-muted mb-1",
            ),
            html.P(id=f"{PAGE}-not-applied", className="small text-warning mb-2"),
            dbc.Row(dbc.Col(queue.layout()), className="g-3 mb-3"),
            dbc.Row(dbc.Col(detail.layout()), className="g-3 mb-3"),
            dbc.Row(dbc.Col(referral_card), className="g-3 mb-3") if referral_card else None,
            dbc.Row(
                [
                    dbc.Col(emerging_threats.layout(), lg=6),
                    dbc.Col(watchlists.layout(), lg=6),
                ],
                className="g-3 mb-3",
            ),
            dbc.Row(dbc.Col(model_card.layout()), className="g-3 mb-3"),
        ]
    )


@callback(
    Output(f"{PAGE}-period", "children"),
    Output(f"{PAGE}-not-applied", "children"),
    Input(URL_VIEW, "data"),
    *versions("shipments"),
)
def update_period(search: str | None, *_versions: str):
    view, error = url_state.parse_view(search)
    if error:
        return "", error
    span = queue_queries.window(view.filters)
    period = f"Arrivals {queue_queries.window_label(span)} (UTC)" if span else ""
    skipped = [
        SPEC_BY_KEY[k].label
        for k in view.filters.to_query()
        if k not in ("start", "end", "fy") and k not in SHIPMENT_TARGET.columns
    ]
    return period, (NOT_APPLIED_NOTE + ", ".join(skipped) + ".") if skipped else ""
