"""The Data health page's quarantine cards: rows refused, by reason, and the latest refused rows
as a person reads them (when, which file and row, why, the values sent)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
import polars as pl
from dash import Output, callback, html

from components import format as fmt
from components.cards import chart_card, data_table
from components.figures import empty_figure
from components.live import uirevision, versions
from components.theme import PALETTE, TEMPLATE, register_template
from components.view_cache import cached_view
from pages.health.common import PAGE
from queries import health


def reasons_card() -> dbc.Col:
    return dbc.Col(chart_card(f"{PAGE}-reasons", "Rows quarantined by reason"), lg=6)


def latest_card() -> dbc.Col:
    return dbc.Col(
        dbc.Card(
            dbc.CardBody(
                [
                    html.H2("Latest quarantined rows", className="h6"),
                    html.Div(id=f"{PAGE}-latest", className="table-alt"),
                ]
            ),
            className="h-100",
        ),
        lg=6,
    )


@callback(
    Output(f"{PAGE}-reasons-graph", "figure"),
    Output(f"{PAGE}-reasons-summary", "children"),
    Output(f"{PAGE}-reasons-table", "children"),
    *versions("ingest_log"),
)
@cached_view("ingest_log")
def update_reasons(*_versions: str):
    frame = health.quarantine_reasons()
    if frame.is_empty():
        message = "No row has been quarantined."
        return empty_figure(message), message, None
    register_template()
    ordered = frame.sort("rows")
    labels = [f"{t}: {r}" for t, r in zip(ordered["table_name"], ordered["reason"], strict=True)]
    fig = go.Figure(
        go.Bar(
            x=ordered["rows"].to_numpy(),
            y=[lab[:70] for lab in labels],
            orientation="h",
            marker_color=PALETTE[5],
            hovertemplate="%{y}: %{x:,} rows<extra></extra>",
        ),
        layout={"template": TEMPLATE},
    )
    fig.update_layout(xaxis_title="Rows", margin={"l": 8, "r": 16, "t": 8, "b": 8})
    top = frame.sort("rows", descending=True).row(0, named=True)
    summary = (
        f"Most common reason: {top['reason']} "
        f"({fmt.count(top['rows'], 'row')} in {top['table_name']})."
    )
    return uirevision(fig, "health"), summary, data_table(frame)


@callback(Output(f"{PAGE}-latest", "children"), *versions("ingest_log"))
def update_latest(*_versions: str):
    frame = health.latest_quarantined(50)
    if frame.is_empty():
        return html.P("No row has been quarantined.", className="small text-muted mb-0")
    # what a person reads: when, which file and row, why, and the values (wrapped); batch ids
    # and table names stay in the quarantine files
    shown = frame.select(
        pl.col("quarantined_at").dt.strftime("%d %b %H:%M").alias("When (UTC)"),
        pl.concat_str(
            [pl.col("source_file"), pl.lit(" row "), pl.col("source_row").fill_null("–")]
        ).alias("File and row"),
        pl.col("reason").alias("Reason"),
        pl.col("row").str.slice(0, 160).alias("Values as sent"),
    )
    return html.Div(data_table(shown, max_rows=50), className="quarantine-table")
