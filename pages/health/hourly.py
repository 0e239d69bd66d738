"""The Data health page's hourly charts over the last two days: rows received (loaded and
quarantined) and the lag from event to ingest. Both span the whole window, however few hours
have data, and are keyed on the hour as well as the ingest log (the window moves on its own)."""

from __future__ import annotations

from datetime import datetime, timedelta

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import Output, callback

from components import format as fmt
from components.cards import chart_card, data_table
from components.figures import empty_figure
from components.live import uirevision, versions
from components.theme import MUTED, PALETTE, TEMPLATE, register_template
from components.view_cache import cached_view
from pages.health.common import PAGE
from queries import health

HOURS = 48
FEED_HINT = "`make live` starts a simulated feed."
NO_BATCHES = f"No batch has arrived through the inbox yet. {FEED_HINT}"
NO_RECENT_BATCHES = f"No batch has arrived through the inbox in the last {HOURS} hours. {FEED_HINT}"
NO_RECENT_SHORT = f"No batch in the last {HOURS} hours."  # fits the half-width chart


def batches_card() -> dbc.Col:
    return dbc.Col(chart_card(f"{PAGE}-batches", f"Rows received per hour, last {HOURS} h"), lg=6)


def lag_card() -> dbc.Col:
    return dbc.Col(chart_card(f"{PAGE}-lag", "Lag from event to ingest"), lg=6)


def _window_range() -> list[datetime]:
    """The x range of the hourly charts: the whole window, half an hour beyond its first and
    last hours, however few hours have data."""
    first, last = health.hour_window(HOURS)
    half = timedelta(minutes=30)
    return [first - half, last + half]


@callback(
    Output(f"{PAGE}-batches-graph", "figure"),
    Output(f"{PAGE}-batches-summary", "children"),
    Output(f"{PAGE}-batches-table", "children"),
    *versions("ingest_log"),
)
@cached_view("ingest_log", clock=health.current_hour)
def update_batches(*_versions: str):
    frame = health.batches_per_hour(HOURS)
    if frame.is_empty() or not frame["batches"].sum():  # 48 empty hours: a sentence, not axes
        return empty_figure(NO_RECENT_SHORT), NO_RECENT_BATCHES, None
    register_template()
    fig = go.Figure(layout={"template": TEMPLATE})
    fig.add_bar(
        x=frame["hour"].to_list(),
        y=frame["rows_accepted"].to_numpy(),
        name="Loaded",
        marker_color=PALETTE[0],
    )
    fig.add_bar(
        x=frame["hour"].to_list(),
        y=frame["rows_quarantined"].to_numpy(),
        name="Quarantined",
        marker_color=PALETTE[5],
    )
    fig.update_layout(
        barmode="stack", yaxis_title="Rows", legend={"orientation": "h", "y": 1.1, "x": 0}
    )
    fig.update_xaxes(range=_window_range())
    total = int(frame["batches"].sum())
    read = int(frame["rows_read"].sum())
    refused = int(frame["rows_quarantined"].sum())
    summary = (
        f"{fmt.count(total, 'batch')}, {fmt.count(read, 'row')} read in the last {HOURS} h; "
        f"{refused:,} quarantined ({refused / read:.1%})."
        if read
        else f"{fmt.count(total, 'batch')}."
    )
    return uirevision(fig, "health"), summary, data_table(frame.reverse())


@callback(
    Output(f"{PAGE}-lag-graph", "figure"),
    Output(f"{PAGE}-lag-summary", "children"),
    Output(f"{PAGE}-lag-table", "children"),
    *versions("ingest_log"),
)
@cached_view("ingest_log", clock=health.current_hour)
def update_lag(*_versions: str):
    frame = health.ingest_lag(HOURS)
    if frame.is_empty():
        return empty_figure(NO_BATCHES), NO_BATCHES, None
    register_template()
    fig = go.Figure(layout={"template": TEMPLATE})
    hours = frame["hour"].to_list()
    for column, name, colour in (
        ("p50_lag_s", "Median", PALETTE[0]),
        ("p95_lag_s", "95th percentile", PALETTE[1]),
        ("max_lag_s", "Worst", MUTED),
    ):
        fig.add_scatter(
            x=hours,
            y=frame[column].to_numpy(),
            name=name,
            mode="lines+markers",
            line={"color": colour},
        )
    fig.update_layout(yaxis_title="Seconds", legend={"orientation": "h", "y": 1.1, "x": 0})
    fig.update_xaxes(range=_window_range())  # one hour alone was stretched to a millisecond
    last = frame.row(-1, named=True)
    summary = (
        f"Hour from {last['hour']:%d %b %H:00} UTC: median {last['p50_lag_s']:,.1f} s, "
        f"95th percentile {last['p95_lag_s']:,.1f} s from event to the lake."
    )
    return uirevision(fig, "health"), summary, data_table(frame.reverse())
