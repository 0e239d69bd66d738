"""What the Targeting page's modules share: the page's id prefix and path, and the frame of a
card whose body its callback fills (emerging threats, the model card)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

PAGE = "targeting"
PATH = "/targeting"


def card(card_id: str, title: str, note: str) -> dbc.Card:
    return dbc.Card(
        [
            dbc.CardHeader(html.H2(title, className="h6 mb-0")),
            dbc.CardBody(
                [
                    html.P(note, className="small text-muted mb-2"),
                    dcc.Loading(html.Div(id=card_id), type="dot", delay_show=300),
                ]
            ),
        ],
        className="h-100",
    )
