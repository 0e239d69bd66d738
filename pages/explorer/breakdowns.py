"""The Explorer's breakdown cards: one ranked bar chart per dimension (field offices, ports,
modes, commodities, categories, components, source and transit countries); a click on a bar
filters on it."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import polars as pl
from dash import Input, Output, callback

from components import format as fmt
from components import url_state
from components.cards import busy, chart_card, data_table
from components.context import describe
from components.exports import register_export
from components.figures import empty_figure, ranked_bar_figure
from components.filter_bar import CARD_VIEW
from components.live import uirevision, versions
from components.view_cache import cached_view
from components.xfilter import graph_id
from lake import reference
from pages.explorer.common import NO_DATA, PAGE, named
from queries import breakdowns, seizure_stats

BREAKDOWNS = (
    ("area", "Field offices and sectors"),
    ("port", "Ports of entry"),
    ("mode", "Modes of transport"),
    ("commodity", "Commodities"),
    ("category", "Commodity categories"),
    ("component", "Components"),
    ("source", "Source countries"),
    ("transit", "Transit countries"),
)
CSV_CARDS = tuple(dim for dim, _ in BREAKDOWNS)


def cards() -> list[dbc.Col]:
    return [
        dbc.Col(
            chart_card(
                f"{PAGE}-{dim}",
                title,
                360,
                graph_id=graph_id(PAGE, dim),
                csv=True,
                loading=False,
            ),
            lg=4,
            md=6,
        )
        for dim, title in BREAKDOWNS
    ]


def _labels(frame: pl.DataFrame, dim: str) -> list[str]:
    names = reference.names_for(dim)
    return [
        f"All others ({m})" if k == seizure_stats.OTHERS else names.get(k, k)
        for k, m in zip(frame["key"], frame["members"], strict=True)
    ]


@callback(
    *[
        output
        for dim, _ in BREAKDOWNS
        for output in (
            Output(graph_id(PAGE, dim), "figure"),
            Output(f"{PAGE}-{dim}-title", "children"),
            Output(f"{PAGE}-{dim}-summary", "children"),
            Output(f"{PAGE}-{dim}-table", "children"),
        )
    ],
    Input(CARD_VIEW, "data"),
    *versions("seizures"),
    running=busy(*[f"{PAGE}-{dim}" for dim, _ in BREAKDOWNS]),
)
@cached_view("seizures")
def update_breakdowns(search: str | None, *_versions: str) -> tuple:
    """All eight cards in one answer. They read the same view and table and change together;
    as eight callbacks, each answer was its own pass of the browser's renderer over the whole
    page (and took one of its six connections), which made a click's wait mostly the browser's,
    not the server's."""
    return tuple(part for dim, title in BREAKDOWNS for part in breakdown_card(search, dim, title))


def breakdown_card(search: str | None, dim: str, title: str) -> tuple:
    """(figure, heading, summary, table) of the ``dim`` card for the URL ``search``."""
    view, error = url_state.parse_view(search)
    heading = f"{title} — {describe(view.filters, view.measure_label())}"
    if error:
        return empty_figure(error), heading, error, None
    frame = breakdowns.breakdown(view.filters, dim, view.measure, n=10)
    if frame.is_empty():
        message = empty_breakdown(view.filters, dim)
        return empty_figure(message), heading, message, None
    labels = _labels(frame, dim)
    figure = ranked_bar_figure(frame, labels, view.measure_label())
    lead = frame.row(0, named=True)
    summary = (
        f"{labels[0]} leads with {fmt.whole(lead['value'])} "
        f"{view.measure_label().lower()} ({fmt.share(lead['share'])}); median seizure "
        f"{fmt.whole(lead['median_lbs'])} lbs."
    )
    dominated = [lab for lab, d in zip(labels, frame["dominated"], strict=True) if d]
    if dominated:
        summary += f" One seizure carries over half the weight of: {', '.join(dominated)}."
    table = data_table(
        pl.DataFrame({title: labels}).hstack(
            frame.select("events", "lbs", "pills", "median_lbs", "share")
        )
    )
    return uirevision(figure, search), heading, summary, table


# Why a breakdown can be empty although seizures match: none of them has the dimension.
MISSING_DIMENSION = {
    "transit": "all direct: none of the {n} matching seizures came through a transit country",
    "port": "all between ports: none of the {n} matching seizures was at a port of entry",
    "source": "no source country is known for the {n} matching seizures",
}


def empty_breakdown(filters, dim: str) -> str:
    """The sentence for an empty breakdown: no seizures at all, or none with the dimension."""
    n = seizure_stats.matching_events(filters)
    if n and dim in MISSING_DIMENSION:
        text = MISSING_DIMENSION[dim].format(n=fmt.whole(n))
        return text[0].upper() + text[1:] + "."
    return NO_DATA


def _breakdown_export(dim: str):
    return lambda view: named(breakdowns.breakdown(view.filters, dim, view.measure, n=10), dim)


for _dim, _ in BREAKDOWNS:
    register_export(f"{PAGE}-{_dim}", _breakdown_export(_dim))
