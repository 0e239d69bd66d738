"""The Explorer's route cards: the source → transit → port flow (a Sankey diagram) and the top
routes as bars; a click on a node or a bar filters on it."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import polars as pl
from dash import Input, Output, callback

from components import format as fmt
from components import url_state
from components.cards import busy, chart_card, data_table
from components.context import describe
from components.exports import register_export
from components.figures import empty_figure
from components.filter_bar import CARD_VIEW
from components.live import uirevision, versions
from components.view_cache import cached_view
from components.xfilter import graph_id
from lake import reference
from pages.explorer.common import NO_DATA, PAGE
from pages.explorer.figures import route_bar_figure, route_label, sankey_figure
from queries import breakdowns

CSV_CARDS = ("routes",)


def layout() -> dbc.Row:
    return dbc.Row(
        [
            dbc.Col(
                chart_card(
                    f"{PAGE}-routes",
                    "Route flow: source → transit → port",
                    460,
                    graph_id=graph_id(PAGE, "route"),
                    csv=True,
                    loading=False,
                ),
                lg=8,
            ),
            dbc.Col(
                chart_card(
                    f"{PAGE}-route-bars",
                    "Top routes (click one to filter on it)",
                    460,
                    graph_id=graph_id(PAGE, "route", "bars"),
                    loading=False,
                ),
                lg=4,
            ),
        ],
        className="g-3 mb-3",
    )


@callback(
    Output(graph_id(PAGE, "route"), "figure"),
    Output(f"{PAGE}-routes-title", "children"),
    Output(f"{PAGE}-routes-summary", "children"),
    Output(f"{PAGE}-routes-table", "children"),
    Output(graph_id(PAGE, "route", "bars"), "figure"),
    Output(f"{PAGE}-route-bars-summary", "children"),
    Input(CARD_VIEW, "data"),
    *versions("seizures"),
    running=busy(f"{PAGE}-routes", f"{PAGE}-route-bars"),
)
@cached_view("seizures")
def update_routes(search: str | None, *_versions: str):
    view, error = url_state.parse_view(search)
    heading = f"Route flow — {describe(view.filters, view.measure_label())}"
    if error:
        return empty_figure(error), heading, error, None, empty_figure(error), error
    flows = breakdowns.route_flows(view.filters, view.measure, n=15)
    if flows.is_empty():
        return empty_figure(NO_DATA), heading, NO_DATA, None, empty_figure(NO_DATA), NO_DATA
    names = {
        "source": {**reference.country_names(), "__others__": "All others"},
        "transit": {**reference.country_names(), "direct": "direct", "__others__": "All others"},
        "port": {
            **reference.port_names(),
            "between ports": "Between ports",
            "__others__": "All others",
        },
    }
    label = view.measure_label().lower()
    one_source = len(view.filters.source) == 1
    figure = sankey_figure(flows, names, label, with_others=not one_source)
    routes = flows.filter(pl.col("source") != "__others__")
    others = flows.filter(pl.col("source") == "__others__")
    top = routes.row(0, named=True) if routes.height else flows.row(0, named=True)
    summary = f"Largest route: {route_label(top, names)} with {fmt.whole(top['value'])} {label}."
    if others.height and others["value"][0]:
        rest = others.row(0, named=True)
        summary += (
            f" All other routes ({fmt.whole(rest['members'])}): {fmt.whole(rest['value'])} {label}"
            + (", left out of the flow." if one_source else ".")
        )
    summary += " Countries and ports of individual events are modelled."
    bars = route_bar_figure(flows, names, label)
    table = data_table(
        routes.with_columns(
            pl.Series("route", [route_label(r, names) for r in routes.iter_rows(named=True)])
        ).select("route", pl.exclude("route", "source", "transit", "port"))
    )
    bars_summary = "Click a route to add its source, transit country and port to the filters."
    return (
        uirevision(figure, search),
        heading,
        summary,
        table,
        uirevision(bars, search),
        bars_summary,
    )


register_export(f"{PAGE}-routes", lambda v: breakdowns.route_flows(v.filters, v.measure, n=15))
