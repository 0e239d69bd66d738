"""Data health: is the feed alive, what was refused and why, and how late does data arrive.

Reads the ingest log and the quarantine (``queries.health``), refreshed whenever a batch lands.
Filters do not apply here: this page is about the pipeline, not the seizures. Each group of cards
is a module of this package with its own layout and callbacks: ``status``, ``hourly`` (rows
received and lag, per hour) and ``quarantine`` (reasons and the latest rows).
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html

from pages.health import hourly, quarantine, status


def register() -> None:
    """Add the page to the app; ``internal_app`` calls it once the app exists (Dash refuses a
    page before), so the page's modules can be imported without an app, as tests do."""
    dash.register_page(
        __name__,
        path="/health",
        name="Data health",
        title="Chokepoint · Data health",
        order=9,
        layout=layout,
    )


def layout(**_query: str) -> html.Div:
    return html.Div(
        [
            html.H1("Data health", className="h4"),
            html.P(
                "The live feed: batches dropped in the inbox, validated, and either loaded or "
                "quarantined with a reason. The page filters do not apply here.",
                className="small text-muted",
            ),
            status.layout(),
            dbc.Row([hourly.batches_card(), quarantine.reasons_card()], className="g-3 mb-3"),
            dbc.Row([hourly.lag_card(), quarantine.latest_card()], className="g-3"),
        ]
    )
