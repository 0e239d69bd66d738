"""Public monthly trends: pounds and events per month for a region and a drug type, every
published month, with suppressed months marked rather than drawn as zeros."""

from __future__ import annotations

import dash
import polars as pl
from dash import html

from components import public_figures as figures
from components import public_ui as ui
from queries import public_extract as px

dash.register_page(
    __name__, path="/trends", name="Monthly trends", title="Chokepoint · Monthly trends", order=1
)
KEYS = ("region", "drug")


def summary(frame: pl.DataFrame, measure: str, unit: str) -> str:
    """The latest month against the same month a year earlier, when both are published."""
    if frame.is_empty():
        return "No months published."
    latest = frame.row(-1, named=True)
    text = f"{latest['month']:%B %Y}: {ui.number(latest[measure], latest['suppressed'])} {unit}"
    earlier = frame.filter(
        pl.col("month") == latest["month"].replace(year=latest["month"].year - 1)
    )
    if earlier.height and not latest["suppressed"] and not earlier["suppressed"][0]:
        before = earlier[measure][0]
        if before:
            text += f", {(latest[measure] - before) / before:+.0%} on a year earlier"
    hidden = int(frame["suppressed"].sum())
    text += "."
    if hidden:
        text += f" {hidden} of {frame.height} months are suppressed (hatched bars)."
    return text


def layout(**query: str) -> html.Div:
    resolved = ui.resolve(query)
    if not isinstance(resolved, tuple):
        return resolved
    q, info = resolved
    frame = px.monthly(q, info)
    what = f"{px.drug_label(q.drug_type)}, {q.region or 'nationwide'}"
    table = ui.table(
        frame.reverse(),
        {"month": "Month", "fiscal_year": "Fiscal year", "events": "Events", "lbs": "Pounds"},
        "Events and pounds by month",
    )
    return html.Div(
        [
            ui.page_header(
                "Monthly trends",
                "Every month CBP has published, oldest first. The latest fiscal year is "
                "provisional.",
            ),
            ui.filter_bar(q, KEYS, list(info.fiscal_years)),
            ui.figure_card(
                "trend-lbs",
                f"Pounds seized per month: {what}",
                figures.trend_figure(frame, "lbs", "Pounds"),
                summary(frame, "lbs", "pounds"),
                table,
                download=("monthly", q),
            ),
            ui.figure_card(
                "trend-events",
                f"Seizure events per month: {what}",
                figures.trend_figure(frame, "events", "Events"),
                summary(frame, "events", "events"),
                html.P("The table under the pounds chart lists both measures.", className="small"),
                download=("monthly", q),
            ),
            ui.provenance(info),
        ]
    )
