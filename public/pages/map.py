"""Public map of field offices and sectors: the fiscal year's pounds at each office's
headquarters, and the month-by-office table, the finest cells the public extract holds."""

from __future__ import annotations

import dash
import polars as pl
from dash import html

from public import extract as px
from public import figures, ui

dash.register_page(
    __name__, path="/map", name="Field offices", title="Chokepoint · Field offices", order=2
)
KEYS = ("fy", "region", "component", "area", "drug", "measure")


def layout(**query: str) -> html.Div:
    resolved = ui.resolve(query)
    if not isinstance(resolved, tuple):
        return resolved
    q, info = resolved
    fy = q.fy or info.latest_fy
    what = f"{px.drug_label(q.drug_type)}, FY{fy}" + (" to date" if fy == info.open_fy else "")
    where = q.where if q.where != "Nationwide" else "all regions"
    measure = "events" if q.value == "events" else "lbs"
    unit = "events" if measure == "events" else "lbs"
    areas = px.areas(q, info)
    shown = areas.filter(~pl.col("suppressed") & (pl.col(measure) > 0))
    if shown.height:
        lead = shown.row(0, named=True)
        summary = f"{lead['name']} seized the most ({ui.number(lead[measure])} {unit})."
    else:
        summary = "No field office or sector can be shown for this selection."
    hidden = int(areas["suppressed"].sum()) if areas.height else 0
    if hidden:
        summary += f" {hidden} of {areas.height} are suppressed (open grey circles)."
    months = px.area_months(q, info)
    return html.Div(
        [
            ui.page_header(
                "Field offices and sectors",
                "Each circle is a CBP field office (ports of entry) or Border Patrol sector, "
                "placed at its headquarters city; its area is proportional to the measure chosen.",
            ),
            ui.filter_bar(q, KEYS, list(info.fiscal_years), info),
            html.P(
                "Potential doses are shown as pounds here: circles cannot draw a range.",
                className="small",
            )
            if q.value == "doses"
            else None,
            ui.figure_card(
                "areas",
                f"{px.MEASURES[measure]} by field office and sector: {what}, {where}",
                figures.map_figure(areas, measure, px.MEASURES[measure]),
                summary,
                ui.table(
                    areas,
                    {
                        "name": "Field office or sector",
                        "region": "Region",
                        "events": "Events",
                        "lbs": "Pounds",
                    },
                    "Events and pounds by field office or sector",
                ),
                download=("areas", q),
                height=460,
            ),
            ui.figure_card(
                "area-months",
                f"By month: {what}, {where}",
                None,
                f"{months.height} office-months, {int(months['suppressed'].sum())} suppressed."
                if months.height
                else "No months published.",
                ui.table(
                    months,
                    {
                        "name": "Field office or sector",
                        "month": "Month",
                        "events": "Events",
                        "lbs": "Pounds",
                    },
                    "Events and pounds by field office or sector and month",
                ),
                download=("area-months", q),
            ),
            ui.provenance(info),
        ]
    )
