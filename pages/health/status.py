"""The Data health page's status cards: when the last batch came, and the last hour's batches,
rows loaded and rows quarantined. They follow the clock as well as the ingest log: a feed that
stops writing must turn "stalled" without a new batch."""

from __future__ import annotations

from datetime import UTC, datetime

import dash_bootstrap_components as dbc
from dash import Input, Output, callback, html

import settings
from components import format as fmt
from components.live import versions
from pages.health.common import PAGE
from queries import health


def layout() -> dbc.Row:
    return dbc.Row(id=f"{PAGE}-status", className="g-3 mb-3")


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
    age = (datetime.now(UTC).replace(tzinfo=None) - last).total_seconds() if last else None
    stale = age is None or age > settings.get("feed_stale_s")
    return [
        _status_card(
            "Last batch",
            _ago(last),
            "feed stalled" if stale else "feed running",
            "text-warning" if stale else "",
        ),
        _status_card("Batches, last hour", fmt.whole(status.get("batches_last_hour", 0))),
        _status_card("Rows loaded, last hour", fmt.whole(status.get("rows_last_hour", 0))),
        _status_card(
            "Rows quarantined, last hour", fmt.whole(status.get("quarantined_last_hour", 0))
        ),
    ]
