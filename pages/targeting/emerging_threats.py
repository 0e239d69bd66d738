"""The Targeting page's emerging-threats card: signals rising beyond their control limits, with
sparklines.

It only formats what ``targeting.emerging`` computed, with the evidence; every sparkline sits
next to its numbers in words, so the card reads the same without the pictures. The unfiltered
answer is kept and refreshed in the background (``targeting.emerging_cache``); a filtered one is
computed here, when first asked, and kept per data version.
"""

from __future__ import annotations

import functools
import time
from dataclasses import replace
from datetime import UTC, datetime

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
import polars as pl
from dash import Input, Output, callback, dcc, html
from dash.exceptions import PreventUpdate

import settings
from components import url_state
from components.filter_bar import URL, URL_VIEW
from components.live import versions
from components.view_cache import as_sent
from lake import lexicon, reference
from pages.targeting.common import PAGE, PATH, card
from queries import targeting as queue_queries
from queries.executor import QueryError
from queries.filters import Filters
from queries.gateway import default_gateway
from targeting import emerging, emerging_cache

CARD = f"{PAGE}-emerging"

SIGNAL_TITLES = {
    ("seizures", "commodity"): "Seizures by commodity",
    ("seizures", "commodity_route"): "Seizures by commodity and route",
    ("flagged shipments", "hts"): "Flagged shipments by HTS line",
    ("flagged shipments", "route"): "Flagged shipments by route",
    ("shipments", "route"): "New or fast-growing routes (all shipments)",
}
PER_SIGNAL = 3
SPARK_CONFIG = {"staticPlot": True, "displayModeBar": False}


def layout() -> dbc.Card:
    return card(
        CARD,
        "Emerging threats",
        f"Last {emerging.RECENT_DAYS} days against the {emerging.BASELINE_DAYS} before, scaled "
        "for overall growth; Poisson control limits. Sparklines: monthly counts.",
    )


@callback(
    Output(CARD, "children"),
    Input(URL, "pathname"),
    Input(URL_VIEW, "data"),
    *versions("seizures", "shipments", "scores"),
)
def update_emerging(pathname: str | None, search: str | None, *_versions: str):
    """The signals under the page's filters: the whole-lake answer is kept and refreshed in
    the background (``emerging_cache``); a filtered one is computed for its filters, when
    first asked, and kept per data version (``_filtered_answer``)."""
    if pathname != PATH:
        raise PreventUpdate  # leaving the page: nobody would see the recomputed card
    filters, _measure, error = url_state.parse(search)
    if error:
        return [dbc.Alert(error, color="warning")]
    gateway = default_gateway()
    last = queue_queries.as_of(gateway)
    if last is None:
        return emerging_content(pl.DataFrame())
    undated = replace(filters, start=None, end=None, fy=None)
    try:
        if undated.is_empty():
            answer = emerging_cache.cache.get(gateway, last)
        else:
            answer = _filtered_answer(undated.to_query_string(), last, *_versions)
    except QueryError as exc:
        return [dbc.Alert(f"Emerging threats could not be computed: {exc}", color="danger")]
    return _emerging_card(answer, undated.to_query_string())


@functools.lru_cache(maxsize=32)
def _filtered_answer(query: str, last, *_versions: str) -> emerging_cache.Answer:
    """Signals under one set of filters, per data version (the versions are part of the key)."""
    filters = Filters.from_query_string(query)
    frame = emerging.signals(default_gateway(), last, filters=filters)
    now = datetime.now(UTC).replace(tzinfo=None)
    day = last.date() if isinstance(last, datetime) else last
    return emerging_cache.Answer(frame, day, now, time.monotonic())


@functools.lru_cache(maxsize=8)
def _emerging_card(answer: emerging_cache.Answer, query: str = "") -> list:
    """The card for one answer, built once (forty sparklines are not free) and kept as the
    JSON the browser receives: as components, Dash's cleaner walked all forty figures again
    on every request."""
    scope = (
        "Under the page's filters (signals a filter cannot apply to are left out); "
        if query
        else "All traffic; "
    )
    stamp = html.P(
        f"{scope}data through {answer.as_of:%d %b %Y}; computed {answer.computed_at:%H:%M} UTC, "
        f"refreshed in the background every {settings.get('emerging_refresh_s') / 60:g} minutes.",
        className="small text-muted mb-1",
    )
    return as_sent([stamp, *emerging_content(answer.frame)])


def sparkline(series: list[int], emerging_now: bool) -> go.Figure:
    colour = "#b02a37" if emerging_now else "#6c757d"
    figure = go.Figure(
        go.Scatter(y=series, mode="lines", line={"width": 1.6, "color": colour}, hoverinfo="skip")
    )
    figure.update_layout(
        height=34,
        width=150,
        margin={"l": 0, "r": 0, "t": 2, "b": 2},
        xaxis={"visible": False},
        yaxis={"visible": False, "rangemode": "tozero"},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        showlegend=False,
    )
    return figure


def key_label(kind: str, key: str) -> str:
    if kind == "commodity":
        return reference.commodity_names().get(key, key)
    if kind == "hts":
        lines = lexicon.hts_lines()
        match = lines.filter(pl.col("hts_code") == key)["description"]
        return f"{key} · {match[0][:60]}" if match.len() else key
    if kind == "commodity_route":
        commodity, _, route = key.partition(" > ")
        return f"{reference.commodity_names().get(commodity, commodity)}: {route_label(route)}"
    if kind == "route":
        return route_label(key)
    return key


ROUTE_WORDS = {"direct": "direct", "?": "unknown source", "between ports": "between ports"}


def route_label(route: str) -> str:
    """``origin > transit > port > mode`` codes (``targeting.emerging``'s route keys) as the
    names the rest of the page shows: "Colombia → Panama → between ports → Vessel"."""
    parts = route.split(" > ")
    if len(parts) != 4:
        return route
    countries, ports, modes = (
        reference.country_names(),
        reference.port_names(),
        reference.mode_names(),
    )
    origin, transit, port, mode = parts
    named = [
        ROUTE_WORDS.get(origin) or countries.get(origin, origin),
        ROUTE_WORDS.get(transit) or countries.get(transit, transit),
        ROUTE_WORDS.get(port) or ports.get(port, port),
        modes.get(mode, mode),
    ]
    return " → ".join(named)


def emerging_content(frame: pl.DataFrame) -> list:
    """Per signal, its emerging keys (or, when none, the closest candidates) with evidence."""
    if frame.is_empty():
        return [
            html.P(
                "No signal can be computed yet: the lake needs seizures, shipments and scores.",
                className="small text-muted mb-0",
            )
        ]
    blocks = []
    for (signal, kind), title in SIGNAL_TITLES.items():
        part = frame.filter((pl.col("signal") == signal) & (pl.col("kind") == kind))
        if part.is_empty():
            continue
        rising = part.filter(pl.col("emerging"))
        shown = rising if not rising.is_empty() else part.head(PER_SIGNAL)
        items = []
        for row in shown.head(PER_SIGNAL).iter_rows(named=True):
            badge = "new" if row["new"] else "emerging" if row["emerging"] else "watching"
            colour = "danger" if row["emerging"] else "secondary"
            items.append(
                html.Li(
                    [
                        html.Div(
                            [
                                dbc.Badge(badge, color=colour, className="me-2"),
                                html.Span(key_label(kind, row["key"]), className="fw-semibold"),
                            ]
                        ),
                        html.Div(
                            [
                                dcc.Graph(
                                    figure=sparkline(row["series"], row["emerging"]),
                                    config=SPARK_CONFIG,
                                    style={"height": "34px", "width": "150px"},
                                    className="me-2 targeting-spark",
                                ),
                                html.Span(emerging.describe(row), className="small"),
                            ],
                            className="d-flex align-items-center",
                        ),
                    ],
                    className="mb-2 targeting-emerging-item",
                )
            )
        if rising.is_empty():
            first = part.row(0, named=True)
            limit = first.get("limit")
            bound = f" (p below {limit:.0e} after testing {first.get('tested', 0):,} keys)"
            note = " — none beyond the control limit" + (bound if limit else "") + "; closest:"
        else:
            note = ""
        blocks.append(html.H3(title + note, className="h6 mt-2 mb-1"))
        blocks.append(html.Ul(items, className="list-unstyled mb-1"))
    return blocks
