"""Public view of the modelled national totals by commodity category and mode of transport.

CBP does not publish mode of transport; these totals come from this project's modelled demo
events and say so on the page. Only cells that pass the count and dominance rules are shown.
"""

from __future__ import annotations

from dataclasses import replace

import dash
import polars as pl
from dash import html

from components import public_figures as figures
from components import public_ui as ui
from queries import public_extract as px

dash.register_page(
    __name__, path="/modes", name="Modes (modelled)", title="Chokepoint · Modes", order=4
)
KEYS = ("fy",)


def layout(**query: str) -> html.Div:
    resolved = ui.resolve(query)
    if not isinstance(resolved, tuple):
        return resolved
    q, info = resolved
    years = list(info.modelled_years)
    if q.fy is not None and q.fy not in years:
        return ui.error_view(f"no modelled figures for FY{q.fy}")
    frame = px.modes(q, info)
    if frame.is_empty():
        return html.Div([ui.page_header("Modes", ""), ui.no_extract()])
    fy = frame["fiscal_year"][0]
    q = replace(q, fy=int(fy))  # the year the page shows is the year its picker shows
    if frame["provisional"][0]:
        fy = f"{fy} to date"
    by_mode = frame.filter(
        (pl.col("category") == "All categories") & (pl.col("mode") != "All modes")
    )
    hidden = int(frame["suppressed"].sum())
    summary = (
        f"Modelled seizure events by mode of transport, FY{fy}, all categories. "
        f"{hidden} of {frame.height} cells are suppressed."
    )
    return html.Div(
        [
            ui.page_header(
                "Seizures by mode of transport (modelled)",
                "CBP does not publish how seized drugs travelled. These national totals come from "
                "this project's modelled demo data, not from CBP, and show the kind of figure a "
                "real extract would give.",
            ),
            html.P(
                html.Strong("Modelled demo data: not official statistics."),
                className="modelled-banner p-2 mb-3",
                role="note",
            ),
            ui.filter_bar(q, KEYS, years),
            ui.figure_card(
                "modes",
                f"Seizure events by mode, FY{fy} (modelled)",
                figures.modes_figure(by_mode),
                summary,
                ui.table(
                    frame,
                    {"category": "Category", "mode": "Mode", "events": "Events", "lbs": "Pounds"},
                    "Modelled events and pounds by category and mode",
                ),  # fmt: skip
                download=("modes", q),
            ),
            ui.provenance(info, modelled=True),
        ]
    )
