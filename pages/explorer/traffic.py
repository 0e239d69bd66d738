"""The Explorer's traffic card: seizures per 100,000 crossings at land ports, the rate that
tells a busy crossing from a suspicious one; a click on a bar filters on the port."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import polars as pl
from dash import Input, Output, callback

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
from pages.explorer.common import PAGE
from pages.explorer.figures import traffic_figure
from queries import traffic

MIN_TRAFFIC_EVENTS = 10
CSV_CARDS = ("traffic",)


def layout() -> dbc.Col:
    return dbc.Col(
        chart_card(
            f"{PAGE}-traffic",
            "Seizures per traffic at land ports",
            360,
            graph_id=graph_id(PAGE, "port", "traffic"),
            csv=True,
            loading=False,
        ),
        lg=4,
        md=6,
    )


@callback(
    Output(graph_id(PAGE, "port", "traffic"), "figure"),
    Output(f"{PAGE}-traffic-title", "children"),
    Output(f"{PAGE}-traffic-summary", "children"),
    Output(f"{PAGE}-traffic-table", "children"),
    Input(CARD_VIEW, "data"),
    *versions("seizures", "border_crossings"),
    running=busy(f"{PAGE}-traffic"),
)
@cached_view("seizures", "border_crossings")
def update_traffic(search: str | None, *_versions: str):
    view, error = url_state.parse_view(search)
    heading = f"Seizures per 100,000 crossings, land ports — {describe(view.filters, 'Events')}"
    if error:
        return empty_figure(error), heading, error, None
    # A port with a handful of seizures over little traffic would top any rate ranking.
    totals = traffic.port_totals(view.filters).filter(
        pl.col("events_with_traffic") >= MIN_TRAFFIC_EVENTS
    )
    if totals.is_empty():
        message = "No land-port seizures with traffic data match these filters."
        return empty_figure(message), heading, message, None
    names = reference.port_names()
    figure = traffic_figure(totals, names)
    lead = totals.row(0, named=True)
    summary = (
        f"{names.get(lead['port_code'], lead['port_code'])}: "
        f"{lead['events_per_100k']:,.2f} events per 100,000 crossings (ports with at least "
        f"{MIN_TRAFFIC_EVENTS} seizures in months with traffic data)."
    )
    note = traffic.missing_traffic_note(traffic.rates(view.filters, "month"))
    if note:
        summary += " " + note
    return uirevision(figure, search), heading, summary, data_table(totals)


register_export(f"{PAGE}-traffic", lambda v: traffic.port_totals(v.filters))
