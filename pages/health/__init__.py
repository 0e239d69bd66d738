"""Data health: is the feed alive, what was refused and why, and how late does data arrive.

Reads the ingest log and the quarantine (``queries.health``), refreshed whenever a batch lands.
Filters do not apply here: this page is about the pipeline, not the seizures.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import dash
import dash_bootstrap_components as dbc
import plotly.graph_objects as go
import polars as pl
from dash import Input, Output, callback, html

from components import format as fmt
from components.cards import chart_card, data_table
from components.figures import empty_figure
from components.live import uirevision, versions
from components.theme import MUTED, PALETTE, TEMPLATE, register_template
from components.view_cache import cached_view
from queries import health

PAGE = "health"
HOURS = 48
FEED_HINT = "`make live` starts a simulated feed."
NO_BATCHES = f"No batch has arrived through the inbox yet. {FEED_HINT}"
NO_RECENT_BATCHES = f"No batch has arrived through the inbox in the last {HOURS} hours. {FEED_HINT}"
NO_RECENT_SHORT = f"No batch in the last {HOURS} hours."  # fits the half-width chart


def register() -> None:
    """Add the page to the app; ``internal_app`` calls it once the app exists (Dash refuses a
    page before), so the page's modules can be imported without an app, as tests do."""
    dash.register_page(
        __name__,
        path="/health",
        name="Data health",
        title="Chokepoint · Data health",
        order=9,
        layout=layout,
    )


def layout(**_query: str) -> html.Div:
    return html.Div(
        [
            html.H1("Data health", className="h4"),
            html.P(
                "The live feed: batches dropped in the inbox, validated, and either loaded or "
                "quarantined with a reason. The page filters do not apply here.",
                className="small text-muted",
            ),
            dbc.Row(id=f"{PAGE}-status", className="g-3 mb-3"),
            dbc.Row(
                [
                    dbc.Col(
                        chart_card(f"{PAGE}-batches", f"Rows received per hour, last {HOURS} h"),
                        lg=6,
                    ),
                    dbc.Col(chart_card(f"{PAGE}-reasons", "Rows quarantined by reason"), lg=6),
                ],
                className="g-3 mb-3",
            ),  # fmt: skip
            dbc.Row(
                [
                    dbc.Col(chart_card(f"{PAGE}-lag", "Lag from event to ingest"), lg=6),
                    dbc.Col(
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
                    ),
                ],
                className="g-3",
            ),
        ]
    )


def _status_card(title: str, value: str, note: str = "", colour: str = "") -> dbc.Col:
    return dbc.Col(
        dbc.Card(
            dbc.CardBody(
                [
                    html.Div(title, className="kpi-title text-muted small"),
                    html.Div(value, className=f"kpi-value {colour}"),
                    html.Div(note, className="small text-muted"),
                ]
            ),
            className="kpi-card h-100",
        ),
        xs=6,
        lg=3,
    )


def _ago(moment: datetime | None) -> str:
    if moment is None:
        return "never"
    seconds = (datetime.now(UTC).replace(tzinfo=None) - moment).total_seconds()
    if seconds < 90:
        return f"{seconds:.0f} s ago"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min ago"
    return f"{seconds / 3600:.1f} h ago"


@callback(
    Output(f"{PAGE}-status", "children"),
    *versions("ingest_log"),
    Input("live-interval", "n_intervals"),
)
def update_status(*_triggers):
    status = health.feed_status()
    last = status.get("last_batch_at")
    stale = (
        last is None
        or (datetime.now(UTC).replace(tzinfo=None) - last).total_seconds() > health_stale_seconds()
    )
    return [
        _status_card("Last batch", _ago(last), "feed stalled" if stale else "feed running",
                     "text-warning" if stale else ""),
        _status_card("Batches, last hour", fmt.whole(status.get("batches_last_hour", 0))),
        _status_card("Rows loaded, last hour", fmt.whole(status.get("rows_last_hour", 0))),
        _status_card("Rows quarantined, last hour",
                     fmt.whole(status.get("quarantined_last_hour", 0))),
    ]  # fmt: skip


def _window_range() -> list[datetime]:
    """The x range of the hourly charts: the whole window, half an hour beyond its first and
    last hours, however few hours have data."""
    first, last = health.hour_window(HOURS)
    half = timedelta(minutes=30)
    return [first - half, last + half]


def health_stale_seconds() -> float:
    import settings

    return settings.get("feed_stale_s")


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
    fig.update_layout(barmode="stack", yaxis_title="Rows",
                      legend={"orientation": "h", "y": 1.1, "x": 0})  # fmt: skip
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
        go.Bar(x=ordered["rows"].to_numpy(), y=[lab[:70] for lab in labels], orientation="h",
               marker_color=PALETTE[5], hovertemplate="%{y}: %{x:,} rows<extra></extra>"),
        layout={"template": TEMPLATE},
    )  # fmt: skip
    fig.update_layout(xaxis_title="Rows", margin={"l": 8, "r": 16, "t": 8, "b": 8})
    top = frame.sort("rows", descending=True).row(0, named=True)
    summary = (
        f"Most common reason: {top['reason']} "
        f"({fmt.count(top['rows'], 'row')} in {top['table_name']})."
    )
    return uirevision(fig, "health"), summary, data_table(frame)


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
    for column, name, colour in (("p50_lag_s", "Median", PALETTE[0]),
                                 ("p95_lag_s", "95th percentile", PALETTE[1]),
                                 ("max_lag_s", "Worst", MUTED)):  # fmt: skip
        fig.add_scatter(x=hours, y=frame[column].to_numpy(), name=name, mode="lines+markers",
                        line={"color": colour})  # fmt: skip
    fig.update_layout(yaxis_title="Seconds", legend={"orientation": "h", "y": 1.1, "x": 0})
    fig.update_xaxes(range=_window_range())  # one hour alone was stretched to a millisecond
    last = frame.row(-1, named=True)
    summary = (
        f"Hour from {last['hour']:%d %b %H:00} UTC: median {last['p50_lag_s']:,.1f} s, "
        f"95th percentile {last['p95_lag_s']:,.1f} s from event to the lake."
    )
    return uirevision(fig, "health"), summary, data_table(frame.reverse())


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
