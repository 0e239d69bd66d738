"""Public monthly trends: pounds, events or (for fentanyl) potential doses per month for a
place and a drug type, every published month, with suppressed months marked rather than drawn
as zeros."""

from __future__ import annotations

import dash
import polars as pl
from dash import html

from public import doses, figures, ui
from public import extract as px

dash.register_page(
    __name__, path="/trends", name="Monthly trends", title="Chokepoint · Monthly trends", order=1
)
KEYS = ("region", "component", "area", "drug", "measure")


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


def dose_summary(frame: pl.DataFrame) -> str:
    """The latest month's fentanyl as a dose range, and why the axis is logarithmic."""
    shown = frame.filter(~pl.col("suppressed"))
    if shown.is_empty():
        return "Every month is suppressed."
    last = shown.row(-1, named=True)
    return (
        f"{last['month']:%B %Y}: {ui.number(last['lbs'])} lbs of fentanyl, between "
        f"{ui.number(last['doses_low'])} and {ui.number(last['doses_high'])} potentially lethal "
        "doses. The two ends differ about 840-fold (pills at the lowest measured content against "
        "powder at 10% purity), so the scale is logarithmic; see Potential doses."
    )


def layout(**query: str) -> html.Div:
    resolved = ui.resolve(query)
    if not isinstance(resolved, tuple):
        return resolved
    q, info = resolved
    frame = px.monthly(q, info)
    place = "nationwide" if q.where == "Nationwide" else q.where
    what = f"{px.drug_label(q.drug_type)}, {place}"
    columns = {"month": "Month", "fiscal_year": "Fiscal year", "events": "Events", "lbs": "Pounds"}
    if q.value == "doses":
        frame = doses.with_doses(frame)
        columns |= ui.DOSE_COLUMNS
        chart = figures.dose_range_figure(frame, "month")
        title = f"Potential doses of fentanyl seized per month: {place}"
        text = dose_summary(frame)
    else:
        label = "Pounds" if q.value == "lbs" else "Events"
        chart = figures.trend_figure(frame, q.value, label)
        title = f"{px.MEASURES[q.value]} per month: {what}"
        text = summary(frame, q.value, "pounds" if q.value == "lbs" else "events")
    return html.Div(
        [
            ui.page_header(
                "Monthly trends",
                "Every month CBP has published, oldest first. The latest fiscal year is "
                "provisional.",
            ),
            ui.filter_bar(q, KEYS, list(info.fiscal_years), info),
            ui.figure_card(
                "trend",
                title,
                chart,
                text,
                ui.table(frame.reverse(), columns, "Events and pounds by month"),
                download=("monthly", q),
            ),
            ui.provenance(info),
        ]
    )
