"""The Explorer's comparison of two periods (compare mode, ``cmp=`` in the URL): what drove the
change, per dimension and per port and mode, and links that limit the records to period A or B.
Hidden, and not computed, while compare mode is off: the browser shows or hides the section and
the comparison reads ``COMPARE_VIEW``, which holds the view only while it compares, so a URL
change outside compare mode sends no request for it."""

from __future__ import annotations

from dataclasses import replace

import dash_bootstrap_components as dbc
import polars as pl
from dash import Input, Output, callback, clientside_callback, dcc, html
from dash.exceptions import PreventUpdate

from components import format as fmt
from components import url_state
from components.cards import chart_card, data_table
from components.exports import register_export
from components.figures import empty_figure
from components.filter_bar import COMPARE_VIEW, URL_VIEW
from components.live import versions
from components.view_cache import cached_view
from components.xfilter import graph_id
from lake import reference
from pages.explorer.common import NO_DATA, PAGE, named
from pages.explorer.figures import delta_figure
from queries import compare, seizure_stats

COMPARE_DIMS = (
    ("area", "field office"),
    ("port", "port of entry"),
    ("mode", "mode of transport"),
    ("commodity", "commodity"),
    ("category", "category"),
    ("source", "source country"),
    ("transit", "transit country"),
    ("component", "component"),
)
PORT_MODE_ROWS = 15
CSV_CARDS = (*[f"cmp-{dim}" for dim, _ in COMPARE_DIMS], "cmp-portmode")


CARDS = f"{PAGE}-cmp-cards"  # the section's charts, built by the callback once it compares


def layout() -> html.Div:
    """The section, hidden until the URL names two periods (``SHOW_COMPARE`` shows it). Its nine
    charts are not in the page until then: built whole by ``update_compare``, each already
    drawn, so a page outside compare mode neither mounts nor re-renders them."""
    sides = [
        dcc.Link(
            label,
            id=f"{PAGE}-side-{key or 'all'}",
            href="",
            className="small me-2 records-side",
        )
        for key, label in url_state.SIDES.items()
    ]
    return html.Div(
        [
            html.H2("Compare two periods", className="h5"),
            html.P(id=f"{PAGE}-cmp-totals", className="mb-2"),
            html.Div(
                [html.Span("Records below: ", className="small me-1"), *sides],
                className="mb-2",
            ),
            html.Div(id=CARDS),
            html.P(
                "The breakdowns below cover the filters' dates, not the two periods; "
                "the cards above compare the periods.",
                className="small text-muted mt-2 mb-0",
            ),
        ],
        id=f"{PAGE}-compare",
        className="mb-3",
        style={"display": "none"},
    )


def _cards(drawn: list[tuple], port_mode: tuple, search: str) -> list:
    """The nine charts of the section, drawn: one per dimension, then ports by mode."""

    def csv(card: str) -> str:
        return f"/export/{PAGE}-{card}.csv{search or ''}"

    cards = [
        dbc.Col(
            chart_card(
                f"{PAGE}-cmp-{dim}",
                f"What drove the change: {noun}",
                320,
                graph_id=graph_id(PAGE, dim, "compare"),
                csv=csv(f"cmp-{dim}"),
                loading=False,
                drawn=card,
            ),
            lg=4,
        )
        for (dim, noun), card in zip(COMPARE_DIMS, drawn, strict=True)
    ]
    port_mode_card = chart_card(
        f"{PAGE}-cmp-portmode",
        "Ports of entry by mode: period A against period B",
        300,
        csv=csv("cmp-portmode"),
        loading=False,
        drawn=port_mode,
    )
    return [dbc.Row(cards, className="g-3"), dbc.Row(dbc.Col(port_mode_card), className="g-3 mt-1")]


def compare_periods(view: url_state.View):
    """(period A, period B) of the view's compare mode, or None when it compares nothing."""
    as_of = seizure_stats.as_of() if view.compare == "fytd" else None
    return compare.periods(view.compare, view.periods, as_of)


# The section is shown while the URL compares, in the browser.
clientside_callback(
    """
    function(search) {
        const comparing = new URLSearchParams(search || "").has("cmp");
        return {display: comparing ? "block" : "none"};
    }
    """,
    Output(f"{PAGE}-compare", "style"),
    Input(URL_VIEW, "data"),
)


@callback(
    Output(f"{PAGE}-cmp-totals", "children"),
    Output(CARDS, "children"),
    *[Output(f"{PAGE}-side-{key or 'all'}", "href") for key in url_state.SIDES],
    *[Output(f"{PAGE}-side-{key or 'all'}", "className") for key in url_state.SIDES],
    Input(COMPARE_VIEW, "data"),
    *versions("seizures"),
    running=[(Output(CARDS, "className"), "busy-section", "")],
)
@cached_view("seizures")
def update_compare(search: str | None, *_versions: str):
    view, error = url_state.parse_view(search)
    if search is None or error or not view.compare:
        raise PreventUpdate
    pair = compare_periods(view)
    if pair is None:
        raise PreventUpdate
    a, b = pair
    totals = compare.totals(view.filters, a, b).row(0, named=True)
    measure = "events" if view.measure == "events" else "lbs"
    head = (
        f"Period A {a.label()} → period B {b.label()}: "
        f"{fmt.whole(totals['events_a'])} → {fmt.whole(totals['events_b'])} events "
        f"({fmt.signed_percent(totals['events_pct'])}), "
        f"{fmt.whole(totals['lbs_a'])} → {fmt.whole(totals['lbs_b'])} lbs "
        f"({fmt.signed_percent(totals['lbs_pct'])})."
    )
    drawn = []
    versus = "prior FYTD" if view.compare == "fytd" else "period A"
    for dim, noun in COMPARE_DIMS:
        full = compare.compare(view.filters, a, b, dim)
        frame = full.head(10)
        if frame.is_empty():
            drawn.append((empty_figure(NO_DATA), NO_DATA, None))
            continue
        names = reference.names_for(dim)
        keys = frame["key"].to_list()
        labels = [names.get(k, k) for k in keys]
        drawn.append(
            (
                delta_figure(frame, labels, keys, measure),
                compare.drivers_sentence(
                    full, noun, measure, names=names, versus=versus, total=totals
                ),
                data_table(pl.DataFrame({noun.capitalize(): labels}).hstack(frame.drop("key"))),
            )
        )
    pairs = port_mode_frame(compare.compare(view.filters, a, b, "port_mode"))
    if pairs.is_empty():
        pair_outputs = (empty_figure(NO_DATA), NO_DATA, None)
    else:
        top = pairs.head(PORT_MODE_ROWS)
        labels = [f"{p} · {m}" for p, m in zip(top["Port"], top["Mode"], strict=True)]
        lead = top.row(0, named=True)
        pair_outputs = (
            delta_figure(top, labels, labels, measure),
            f"{lead['Port']} by {lead['Mode'].lower()} moved most: "
            f"{fmt.whole(lead[f'{measure}_a'])} → {fmt.whole(lead[f'{measure}_b'])} "
            f"{measure} ({fmt.signed_percent(lead[f'{measure}_pct'])}).",
            data_table(
                top.select(
                    "Port",
                    "Mode",
                    "events_a",
                    "events_b",
                    "lbs_a",
                    "lbs_b",
                    "events_pct",
                    "lbs_pct",
                )
            ),
        )
    hrefs = [url_state.build_view(replace(view, side=key)) or "?" for key in url_state.SIDES]
    classes = [
        "small me-2 records-side" + (" fw-bold text-decoration-none" if key == view.side else "")
        for key in url_state.SIDES
    ]
    return (
        head,
        _cards(drawn, pair_outputs, search),
        *[f"/explorer{h}" for h in hrefs],
        *classes,
    )


def port_mode_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """The port x mode comparison with the pair split into named columns."""
    if frame.is_empty():
        return frame
    parts = frame["key"].str.split_exact("|", 1)
    port, mode = parts.struct.field("field_0"), parts.struct.field("field_1")
    return frame.with_columns(
        port.replace_strict(reference.names_for("port"), default=port).alias("Port"),
        mode.replace_strict(reference.names_for("mode"), default=mode).alias("Mode"),
    )


def _compare_export(dim: str):
    def build(view: url_state.View) -> pl.DataFrame:
        pair = compare_periods(view)
        if pair is None:
            return pl.DataFrame({"note": ["compare mode is off: add cmp= to the link"]})
        return named(compare.compare(view.filters, *pair, dim), dim)

    return build


for _dim, _ in COMPARE_DIMS:
    register_export(f"{PAGE}-cmp-{_dim}", _compare_export(_dim))


def _port_mode_export(view: url_state.View) -> pl.DataFrame:
    pair = compare_periods(view)
    if pair is None:
        return pl.DataFrame({"note": ["compare mode is off: add cmp= to the link"]})
    return port_mode_frame(compare.compare(view.filters, *pair, "port_mode"))


register_export(f"{PAGE}-cmp-portmode", _port_mode_export)
