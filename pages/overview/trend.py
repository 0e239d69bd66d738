"""The Overview's monthly trend card: the period's months against the same months a year earlier,
with CBP's published months told apart from modelled ones."""

from __future__ import annotations

from dataclasses import replace

import dash_bootstrap_components as dbc
import polars as pl
from dash import Input, Output, callback

from components import format as fmt
from components import url_state
from components.cards import chart_card, data_table
from components.figures import empty_figure, month_in_progress, monthly_trend_figure
from components.filter_bar import CARD_VIEW
from components.live import uirevision, versions
from components.view_cache import cached_view
from pages.overview.common import NO_DATA, PAGE, context, shown_filters
from queries import seizure_stats
from queries.cbp_published import published_through
from queries.filters import Filters, shift_year


def layout() -> dbc.Row:
    return dbc.Row(
        [dbc.Col(chart_card(f"{PAGE}-trend", "Monthly trend", height=300), lg=12)],
        className="g-3 mb-3",
    )


@callback(
    Output(f"{PAGE}-trend-graph", "figure"),
    Output(f"{PAGE}-trend-title", "children"),
    Output(f"{PAGE}-trend-summary", "children"),
    Output(f"{PAGE}-trend-table", "children"),
    Input(CARD_VIEW, "data"),
    *versions("seizures", "cbp_public"),
)
@cached_view("seizures", "cbp_public")  # the note on modelled months reads CBP's vintage
def update_trend(search: str | None, *_versions: str):
    filters, measure, error = url_state.parse(search)
    if error:
        return empty_figure(error), "Monthly trend", error, None
    filters = shown_filters(filters)
    title = f"Monthly trend — {context(filters, measure)}"
    trend = seizure_stats.monthly_trend(filters)
    if trend.is_empty():
        return empty_figure(NO_DATA), title, NO_DATA, None
    through = published_through()
    label = url_state.MEASURES[measure]
    as_of = seizure_stats.as_of()
    prior = seizure_stats.monthly_trend(prior_year(filters))
    figure = monthly_trend_figure(trend, measure, label, through, as_of, prior=prior)
    summary = _trend_summary(_complete_months(trend, as_of), prior, measure, label)
    if through and trend["month"].max() > through:
        summary += f" Months after {through:%B %Y} (CBP's latest published month) are modelled."
    table = data_table(trend.select("month", "events", "lbs", "fentanyl_lbs", "pills").reverse())
    return uirevision(figure, search), title, summary, table


def _complete_months(trend: pl.DataFrame, as_of) -> pl.DataFrame:
    """Drop the month still in progress: a part-month against a whole month a year earlier
    would always read as a fall."""
    current = month_in_progress(as_of)
    if current is None or trend.height < 2:
        return trend
    return trend.filter(pl.col("month") < current)


def prior_year(filters: Filters) -> Filters:
    """The same window a year earlier (the filters' dates, shifted)."""
    lo, hi = filters.period()
    return replace(
        filters,
        fy=None,
        start=shift_year(lo, -1) if lo else None,
        end=shift_year(hi, -1) if hi else None,
    )


def _trend_summary(shown: pl.DataFrame, prior: pl.DataFrame, measure: str, label: str) -> str:
    """The period's complete months against the same months a year earlier."""
    if shown.is_empty():
        return "No complete month in this period yet."
    first, last = shown["month"].min(), shown["month"].max()
    months = f"{first:%B %Y}" if first == last else f"{first:%b %Y} – {last:%b %Y}"
    total = float(shown[measure].sum())
    earlier = [shift_year(m, -1) for m in shown["month"].to_list()]
    before = float(prior.filter(pl.col("month").is_in(earlier))[measure].sum())
    text = f"{months}: {fmt.whole(total)} {label.lower()}"
    if before:
        ratio = fmt.signed_percent(fmt.change(total, before))
        text += f", {ratio} on the same months a year earlier"
    return text + "."
