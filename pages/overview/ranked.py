"""The Overview's ranked cards: the field offices and sectors, and the ports of entry, that carry
the weight; a click on a bar filters on it."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import polars as pl
from dash import Input, Output, callback

from components import format as fmt
from components import url_state
from components.cards import chart_card, data_table
from components.figures import empty_figure, ranked_bar_figure
from components.filter_bar import CARD_VIEW
from components.live import uirevision, versions
from components.view_cache import cached_view
from components.xfilter import graph_id
from lake import reference
from pages.overview.common import NO_DATA, PAGE, context, shown_filters
from queries import breakdowns, seizure_stats

OTHERS_LABEL = "All others"


def cards() -> list[dbc.Col]:
    return [
        dbc.Col(
            chart_card(
                f"{PAGE}-areas",
                "Top field offices and sectors",
                380,
                graph_id=graph_id(PAGE, "area"),
            ),
            lg=4,
        ),
        dbc.Col(
            chart_card(
                f"{PAGE}-ports",
                "Top ports of entry",
                380,
                graph_id=graph_id(PAGE, "port"),
            ),
            lg=4,
        ),
    ]


def _ranked_outputs(search: str | None, by: str, noun: str, names: dict[str, str]):
    filters, measure, error = url_state.parse(search)
    if error:
        return empty_figure(error), f"Top {noun}", error, None
    filters = shown_filters(filters)
    title = f"Top {noun} — {context(filters, measure)}"
    ranked = breakdowns.breakdown(filters, by, measure, n=10)
    if ranked.is_empty() or ranked["events"].sum() == 0:
        return empty_figure(NO_DATA), title, NO_DATA, None
    labels = [
        OTHERS_LABEL + f" ({m})" if k == seizure_stats.OTHERS else names.get(k, k)
        for k, m in zip(ranked["key"], ranked["members"], strict=True)
    ]
    label = url_state.MEASURES[measure]
    figure = ranked_bar_figure(ranked, labels, label)
    total = float(ranked["value"].sum())
    lead = ranked.row(0, named=True)
    share = lead["value"] / total if total else 0
    summary = (
        f"{labels[0]} leads with {fmt.whole(lead['value'])} {label.lower()} "
        f"({share:.0%} of {fmt.whole(total)})."
    )
    table = data_table(
        pl.DataFrame({noun.capitalize(): labels}).hstack(ranked.select("events", "lbs", "pills"))
    )
    return uirevision(figure, search), title, summary, table


@callback(
    Output(graph_id(PAGE, "area"), "figure"),
    Output(f"{PAGE}-areas-title", "children"),
    Output(f"{PAGE}-areas-summary", "children"),
    Output(f"{PAGE}-areas-table", "children"),
    Input(CARD_VIEW, "data"),
    *versions("seizures"),
)
@cached_view("seizures")
def update_areas(search: str | None, *_versions: str):
    return _ranked_outputs(search, "area", "field offices and sectors", reference.area_names())


@callback(
    Output(graph_id(PAGE, "port"), "figure"),
    Output(f"{PAGE}-ports-title", "children"),
    Output(f"{PAGE}-ports-summary", "children"),
    Output(f"{PAGE}-ports-table", "children"),
    Input(CARD_VIEW, "data"),
    *versions("seizures"),
)
@cached_view("seizures")
def update_ports(search: str | None, *_versions: str):
    return _ranked_outputs(search, "port", "ports of entry", reference.port_names())
