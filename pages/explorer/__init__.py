"""Explorer: the analyst's page — trends, breakdowns, routes, traffic-adjusted rates, period
comparison and the records behind them, all cross-filtered through the URL.

The page's header and the cards' CSV links are here; each card, or group of cards drawn from one
answer, is a module of this package with its own layout and callbacks: ``trend``, ``compare``
(two periods), ``breakdowns``, ``traffic``, ``routes`` and ``records_grid``. Each card has its
own callback so the browser fetches them in parallel; every callback reads the view from the
URL, calls one named query and one figure builder (``figures``).
"""

from __future__ import annotations

import json

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, clientside_callback, html

from components.filter_bar import URL_VIEW
from pages.explorer import breakdowns, compare, records_grid, routes, traffic, trend
from pages.explorer.common import PAGE

# every card with a CSV link always in the page: one callback below keeps their links in step
# with the URL (the comparison's cards are built with theirs)
CSV_CARDS = (
    *trend.CSV_CARDS,
    *routes.CSV_CARDS,
    *traffic.CSV_CARDS,
    *breakdowns.CSV_CARDS,
)


def register() -> None:
    """Add the page to the app; ``internal_app`` calls it once the app exists (Dash refuses a
    page before), so the page's modules can be imported without an app, as tests do."""
    dash.register_page(
        __name__,
        path="/explorer",
        name="Explorer",
        title="Chokepoint · Explorer",
        order=1,
        layout=layout,
    )


def layout(**_query: str) -> html.Div:
    return html.Div(
        [
            html.Div(
                [
                    html.H1("Explorer", className="h4 mb-0"),
                    html.Span(id=f"{PAGE}-period", className="text-muted ms-3 small"),
                ],
                className="d-flex align-items-baseline mb-1",
            ),
            html.P(
                "Click a bar, a route node or a trend period to add it to the filters; remove "
                "it from the chips above. ◆ marks a row where one seizure carries over half "
                "the weight.",
                className="small text-muted mb-2",
            ),
            trend.layout(),
            compare.layout(),
            dbc.Row([*breakdowns.cards(), traffic.layout()], className="g-3 mb-3"),
            routes.layout(),
            records_grid.layout(),
        ]
    )


# Each CSV link carries the page's query string, so the file matches what is on screen. Set in
# the browser: one request per URL change only to format twenty links took one of the browser's
# six connections while the cards waited for theirs.
clientside_callback(
    f"""
    function(search) {{
        return {json.dumps([f"/export/{PAGE}-{card}.csv" for card in CSV_CARDS])}
            .map((path) => path + (search || ""));
    }}
    """,
    *[Output(f"{PAGE}-{card}-csv", "href") for card in CSV_CARDS],
    Input(URL_VIEW, "data"),
)
