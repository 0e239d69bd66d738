"""The Explorer's trend card: the measure by the URL's grain (week, month, quarter, year), with
the year-on-year overlay and the DHS seizure rate; a click on a period filters on it."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import polars as pl
from dash import Input, Output, callback

from components import url_state
from components.cards import busy, chart_card, data_table
from components.context import describe
from components.exports import register_export
from components.figures import empty_figure
from components.filter_bar import URL_VIEW
from components.live import uirevision, versions
from components.view_cache import cached_view
from components.xfilter import graph_id
from pages.explorer.common import NO_DATA, PAGE
from pages.explorer.figures import trend_figure
from queries import seizure_stats, trends
from queries.cbp_published import published_through

CSV_CARDS = ("trend",)


def layout() -> dbc.Row:
    return dbc.Row(
        dbc.Col(
            chart_card(
                f"{PAGE}-trend",
                "Trend",
                360,
                graph_id=graph_id(PAGE, "period"),
                csv=True,
                loading=False,
            )
        ),
        className="g-3 mb-3",
    )


@callback(
    Output(graph_id(PAGE, "period"), "figure"),
    Output(f"{PAGE}-trend-title", "children"),
    Output(f"{PAGE}-trend-summary", "children"),
    Output(f"{PAGE}-trend-table", "children"),
    Output(f"{PAGE}-period", "children"),
    Input(URL_VIEW, "data"),
    *versions("seizures", "cbp_public"),
    running=busy(f"{PAGE}-trend"),
)
@cached_view("seizures", "cbp_public")
def update_trend(search: str | None, *_versions: str):
    """The trend card and the page header's period, which reads the same view and data (one
    request fewer per URL change)."""
    return (*_trend(search), period_label(search))


def period_label(search: str | None) -> str:
    """The dates the page covers, as the header states them."""
    view, error = url_state.parse_view(search)
    if error:
        return ""
    lo, hi = view.filters.period()
    as_of = seizure_stats.as_of()
    if not (lo or hi):
        return f"All dates through {as_of:%d %b %Y}" if as_of else ""
    return f"{_day(lo) if lo else 'start'} – {_day(hi or as_of)}"


def _day(day) -> str:
    return f"{day:%d %b %Y}"


def _trend(search: str | None) -> tuple:
    view, error = url_state.parse_view(search)
    grain = url_state.GRAINS[view.grain].lower()
    title = f"Trend by {grain} — {describe(view.filters, view.measure_label())}"
    if error:
        return empty_figure(error), title, error, None
    series = trends.series(view.filters, view.measure, view.grain)
    if series.is_empty():
        return empty_figure(NO_DATA), title, NO_DATA, None
    figure = trend_figure(series, view.grain, view.measure_label(), view.yoy, published_through())
    summary = trends.summary_sentence(series, view.measure_label())
    rated = series.filter(~pl.col("partial") & pl.col("seizure_rate").is_not_null())
    if not rated.is_empty():
        last = rated.row(-1, named=True)
        summary += (
            f" DHS seizure rate for {last['label']}: {last['seizure_rate']:.2f} "
            "(this period ÷ the average of the same period in the prior five years)."
        )
    columns = ["label", "events", "lbs", "pills", "median_lbs", "prior_value", "seizure_rate"]
    table = data_table(series.select([c for c in columns if c in series.columns]).reverse())
    return uirevision(figure, search), title, summary, table


register_export(f"{PAGE}-trend", lambda v: trends.series(v.filters, v.measure, v.grain))
