"""Public methods note: sources, disclosure control, the dose range, and what the numbers do
and do not mean. The text is docs/PUBLIC_METHODS.md itself, so the page and the document cannot
drift apart."""

from __future__ import annotations

from pathlib import Path

import dash
from dash import dcc, html

from public import ui

dash.register_page(
    __name__, path="/methods", name="Methods", title="Chokepoint · Methods and notes", order=5
)
DOC = Path(__file__).resolve().parents[2] / "docs" / "PUBLIC_METHODS.md"


def layout(**query: str) -> html.Div:
    resolved = ui.resolve(query)
    if not isinstance(resolved, tuple):
        return resolved
    _q, info = resolved
    return html.Div(
        [
            html.Article(
                [
                    dcc.Markdown(DOC.read_text(encoding="utf-8"), link_target="_self"),
                    html.P(f"In this extract, N = {info.min_events}.", className="fw-bold"),
                ],
                className="methods",
            ),
            ui.provenance(info),
        ]
    )
