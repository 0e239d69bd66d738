"""The Overview's commodity mix card: events per commodity, coloured by category (events, since
the commodities' units differ), on a log scale."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import polars as pl
from dash import Input, Output, callback

from components import url_state
from components.cards import chart_card, data_table
from components.figures import commodity_mix_figure, empty_figure
from components.filter_bar import CARD_VIEW
from components.live import uirevision, versions
from components.view_cache import cached_view
from lake import reference
from pages.overview.common import NO_DATA, PAGE, context, shown_filters
from queries import seizure_stats


def layout() -> dbc.Col:
    return dbc.Col(chart_card(f"{PAGE}-mix", "Commodity mix (events, log scale)", 380), lg=4)


@callback(
    Output(f"{PAGE}-mix-graph", "figure"),
    Output(f"{PAGE}-mix-title", "children"),
    Output(f"{PAGE}-mix-summary", "children"),
    Output(f"{PAGE}-mix-table", "children"),
    Input(CARD_VIEW, "data"),
    *versions("seizures"),
)
@cached_view("seizures")
def update_mix(search: str | None, *_versions: str):
    filters, measure, error = url_state.parse(search)
    if error:
        return empty_figure(error), "Commodity mix", error, None
    filters = shown_filters(filters)
    title = f"Commodity mix — {context(filters, 'events')} (log scale)"
    mix = seizure_stats.commodity_mix(filters)
    if mix.is_empty():
        return empty_figure(NO_DATA), title, NO_DATA, None
    names = reference.commodity_names()
    by_category = (
        mix.group_by("category").agg(pl.col("events").sum()).sort("events", descending=True)
    )
    total = int(mix["events"].sum())
    summary = (
        "Events by category: "
        + ", ".join(f"{c} {n / total:.0%}" for c, n in by_category.iter_rows())
        + "."
    )
    table = data_table(
        mix.with_columns(pl.col("commodity").replace_strict(names, default=pl.col("commodity"))),
        max_rows=mix.height,  # every commodity the chart shows (a few dozen at most)
    )
    return uirevision(commodity_mix_figure(mix, names), search), title, summary, table
