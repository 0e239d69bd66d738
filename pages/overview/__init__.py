"""Overview: the one-screen briefing — what changed, where, and how much.

KPI cards compare the selected period (fiscal-year-to-date by default) with the same days a year
earlier; below them the monthly trend, the field offices and ports that carry the weight, and the
commodity mix. Every card follows the global filters in the URL. Each card, or pair of cards
built alike, is a module of this package with its own layout and callback: ``kpis`` (which also
fills the header), ``trend``, ``ranked`` and ``mix``.
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html

from pages.overview import kpis, mix, ranked, trend
from pages.overview.common import PAGE


def register() -> None:
    """Add the page to the app; ``internal_app`` calls it once the app exists (Dash refuses a
    page before), so the page's modules can be imported without an app, as tests do."""
    dash.register_page(
        __name__, path="/", name="Overview", title="Chokepoint · Overview", order=0, layout=layout
    )


def layout(**_query: str) -> html.Div:
    return html.Div(
        [
            html.Div(
                [
                    html.H1("Overview", className="h4 mb-0"),
                    html.Span(id=f"{PAGE}-period", className="text-muted ms-3 small"),
                ],
                className="d-flex align-items-baseline mb-1",
            ),
            html.P(id=f"{PAGE}-filters", className="small text-muted mb-2 overview-filters"),
            dbc.Alert(id=f"{PAGE}-notice", color="warning", is_open=False),
            kpis.layout(),
            trend.layout(),
            dbc.Row([*ranked.cards(), mix.layout()], className="g-3"),
        ],
        className="overview",
    )
