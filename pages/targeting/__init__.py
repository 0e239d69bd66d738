"""Targeting: which arriving shipments to examine first, why, and which threats are emerging.

The ranked queue and the shipment detail follow the URL's filters (port, mode, countries, dates;
without dates, the last week of arrivals) and refresh themselves when a batch arrives and is
scored. The emerging-threats, watchlist and model cards each have their own callback, like every
other page; none holds SQL.
"""

from __future__ import annotations

import functools
import time
from dataclasses import replace
from datetime import UTC, datetime

import dash
import dash_bootstrap_components as dbc
import polars as pl
from dash import Input, Output, callback, html
from dash.exceptions import PreventUpdate

import settings
from components import url_state
from components.filter_bar import URL, URL_VIEW
from components.live import versions
from components.view_cache import as_sent, cached_view
from pages.targeting import detail, queue, watchlists
from pages.targeting.emerging_threats import card, emerging_content, model_content
from queries import targeting as queue_queries
from queries.filters import SHIPMENT_TARGET, SPEC_BY_KEY, Filters
from queries.gateway import QueryError, default_gateway
from targeting import emerging, emerging_cache, scoring

PAGE = "targeting"
PATH = "/targeting"
NOT_APPLIED_NOTE = "Not applied here (shipments carry no such field): "


def register() -> None:
    """Add the page to the app; ``internal_app`` calls it once the app exists (Dash refuses a
    page before), so the page's modules can be imported without an app, as tests do."""
    dash.register_page(
        __name__,
        path=PATH,
        name="Targeting",
        title="Chokepoint · Targeting",
        order=2,
        layout=layout,
    )


def layout(**_query: str) -> html.Div:
    return html.Div(
        [
            html.Div(
                [
                    html.H1("Targeting", className="h4 mb-0"),
                    html.Span(id=f"{PAGE}-period", className="text-muted ms-3 small"),
                ],
                className="d-flex align-items-baseline mb-1",
            ),
            html.P(
                "Arriving shipments ranked by how likely an exam finds something, with the red "
                "flags behind each score. All shipments are synthetic demo records.",
                className="small text-muted mb-1",
            ),
            html.P(id=f"{PAGE}-not-applied", className="small text-warning mb-2"),
            dbc.Row(dbc.Col(queue.layout()), className="g-3 mb-3"),
            dbc.Row(dbc.Col(detail.layout()), className="g-3 mb-3"),
            dbc.Row(
                [
                    dbc.Col(
                        card(
                            f"{PAGE}-emerging",
                            "Emerging threats",
                            f"Last {emerging.RECENT_DAYS} days against the "
                            f"{emerging.BASELINE_DAYS} before, scaled for overall growth; "
                            "Poisson control limits. Sparklines: monthly counts.",
                        ),
                        lg=6,
                    ),
                    dbc.Col(watchlists.layout(), lg=6),
                ],
                className="g-3 mb-3",
            ),
            dbc.Row(
                dbc.Col(
                    card(
                        f"{PAGE}-model",
                        "Model card",
                        "How the score was trained and how it tested on the latest months.",
                    )
                ),
                className="g-3 mb-3",
            ),
        ]
    )


@callback(
    Output(f"{PAGE}-period", "children"),
    Output(f"{PAGE}-not-applied", "children"),
    Input(URL_VIEW, "data"),
    *versions("shipments"),
)
def update_period(search: str | None, *_versions: str):
    view, error = url_state.parse_view(search)
    if error:
        return "", error
    span = queue_queries.window(view.filters)
    period = f"Arrivals {queue_queries.window_label(span)} (UTC)" if span else ""
    skipped = [
        SPEC_BY_KEY[k].label
        for k in view.filters.to_query()
        if k not in ("start", "end", "fy") and k not in SHIPMENT_TARGET.columns
    ]
    return period, (NOT_APPLIED_NOTE + ", ".join(skipped) + ".") if skipped else ""


@callback(
    Output(f"{PAGE}-emerging", "children"),
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


def _model_stamp() -> int | None:
    return scoring.model_stamp(default_gateway().data_dir)


@callback(
    Output(f"{PAGE}-model", "children"),
    Input(URL, "pathname"),
    *versions("scores"),
)
# keyed on the model too: a training without a new scoring changes the card, not the scores
@cached_view("scores", clock=_model_stamp)
def update_model(pathname: str | None, *_versions: str):
    if pathname != PATH:
        raise PreventUpdate
    return model_content(scoring.current_model(default_gateway().data_dir))
