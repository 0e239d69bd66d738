"""Overview: the one-screen briefing — what changed, where, and how much.

KPI cards compare the selected period (fiscal-year-to-date by default) with the same days a year
earlier; below them the monthly trend, the field offices and ports that carry the weight, and the
commodity mix. Every card follows the global filters in the URL.
"""

from __future__ import annotations

from dataclasses import replace

import dash
import dash_bootstrap_components as dbc
import polars as pl
from dash import Input, Output, callback, html

from components import format as fmt
from components import url_state
from components.cards import chart_card, data_table, kpi_card, kpi_delta
from components.context import describe
from components.figures import (
    commodity_mix_figure,
    empty_figure,
    month_in_progress,
    monthly_trend_figure,
    ranked_bar_figure,
)
from components.filter_bar import CARD_VIEW, filters_sentence
from components.live import uirevision, versions
from components.view_cache import cached_view
from components.xfilter import graph_id
from lake import reference
from queries import breakdowns, seizure_stats
from queries.cbp_published import published_through
from queries.filters import Filters, shift_year

PAGE = "overview"

KPIS = (
    ("events", "Seizure events", "events"),
    ("lbs", "Pounds seized", "lbs"),
    ("fentanyl_lbs", "Fentanyl, pounds", "lbs"),
    ("pills", "Pills seized", "pills"),
)
OTHERS_LABEL = "All others"
NO_DATA = "No seizures match these filters. Remove a filter chip or widen the dates."


def register() -> None:
    """Add the page to the app; ``internal_app`` calls it once the app exists (Dash refuses a
    page before), so the page's modules can be imported without an app, as tests do."""
    dash.register_page(
        __name__, path="/", name="Overview", title="Chokepoint · Overview", order=0, layout=layout
    )


def layout(**_query: str) -> html.Div:
    return html.Div(
        [
            html.Div(
                [
                    html.H1("Overview", className="h4 mb-0"),
                    html.Span(id=f"{PAGE}-period", className="text-muted ms-3 small"),
                ],
                className="d-flex align-items-baseline mb-1",
            ),
            html.P(id=f"{PAGE}-filters", className="small text-muted mb-2 overview-filters"),
            dbc.Alert(id=f"{PAGE}-notice", color="warning", is_open=False),
            dbc.Row(
                [dbc.Col(kpi_card(f"{PAGE}-{key}", title), xs=6, lg=3) for key, title, _ in KPIS],
                className="g-3 mb-3",
            ),
            dbc.Row(
                [dbc.Col(chart_card(f"{PAGE}-trend", "Monthly trend", height=300), lg=12)],
                className="g-3 mb-3",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        chart_card(
                            f"{PAGE}-areas",
                            "Top field offices and sectors",
                            380,
                            graph_id=graph_id(PAGE, "area"),
                        ),
                        lg=4,
                    ),
                    dbc.Col(
                        chart_card(
                            f"{PAGE}-ports",
                            "Top ports of entry",
                            380,
                            graph_id=graph_id(PAGE, "port"),
                        ),
                        lg=4,
                    ),
                    dbc.Col(
                        chart_card(f"{PAGE}-mix", "Commodity mix (events, log scale)", 380), lg=4
                    ),
                ],
                className="g-3",
            ),
        ],
        className="overview",
    )


def _context(filters, measure: str) -> str:
    return describe(filters, url_state.MEASURES[measure])


def shown_filters(filters: Filters) -> Filters:
    """The filters every card shows: the URL's own window, or the period the header states
    (fiscal year to date) when the URL names none, so no card covers more than the header."""
    as_of = seizure_stats.as_of()
    if filters.dated() or as_of is None:
        return filters
    period = seizure_stats.current_period(filters, as_of)
    return replace(filters, start=period.start, end=period.end)


@callback(
    *[Output(f"{PAGE}-{key}-value", "children") for key, _, _ in KPIS],
    *[Output(f"{PAGE}-{key}-delta", "children") for key, _, _ in KPIS],
    Output(f"{PAGE}-period", "children"),
    Output(f"{PAGE}-filters", "children"),
    Output(f"{PAGE}-notice", "children"),
    Output(f"{PAGE}-notice", "is_open"),
    Input(CARD_VIEW, "data"),
    *versions("seizures"),
)
@cached_view("seizures")
def update_kpis(search: str | None, *_versions: str):
    filters, _measure, error = url_state.parse(search)
    as_of = seizure_stats.as_of()
    if error or as_of is None:
        message = error or "No seizure data yet: run `make run` to build the demo lake."
        return (*["–"] * 4, *[""] * 4, "", "", message, True)
    period = seizure_stats.current_period(filters, as_of)
    row = seizure_stats.kpis(filters, period).row(0, named=True)
    prior_label = f"in {period.prior_year().label()}"
    values = [fmt.short(row[key]) for key, _, _ in KPIS]
    deltas = [kpi_delta(row[key], row[f"{key}_prior"], unit, prior_label) for key, _, unit in KPIS]
    default = filters.period() == (None, None)
    label = ("Fiscal year to date, " if default else "") + period.label()
    return (*values, *deltas, label, filters_sentence(filters), None, False)


@callback(
    Output(f"{PAGE}-trend-graph", "figure"),
    Output(f"{PAGE}-trend-title", "children"),
    Output(f"{PAGE}-trend-summary", "children"),
    Output(f"{PAGE}-trend-table", "children"),
    Input(CARD_VIEW, "data"),
    *versions("seizures", "cbp_public"),
)
@cached_view("seizures", "cbp_public")  # the note on modelled months reads CBP's vintage
def update_trend(search: str | None, *_versions: str):
    filters, measure, error = url_state.parse(search)
    if error:
        return empty_figure(error), "Monthly trend", error, None
    filters = shown_filters(filters)
    title = f"Monthly trend — {_context(filters, measure)}"
    trend = seizure_stats.monthly_trend(filters)
    if trend.is_empty():
        return empty_figure(NO_DATA), title, NO_DATA, None
    through = published_through()
    label = url_state.MEASURES[measure]
    as_of = seizure_stats.as_of()
    prior = seizure_stats.monthly_trend(prior_year(filters))
    figure = monthly_trend_figure(trend, measure, label, through, as_of, prior=prior)
    summary = _trend_summary(_complete_months(trend, as_of), prior, measure, label)
    if through and trend["month"].max() > through:
        summary += f" Months after {through:%B %Y} (CBP's latest published month) are modelled."
    table = data_table(trend.select("month", "events", "lbs", "fentanyl_lbs", "pills").reverse())
    return uirevision(figure, search), title, summary, table


def _complete_months(trend: pl.DataFrame, as_of) -> pl.DataFrame:
    """Drop the month still in progress: a part-month against a whole month a year earlier
    would always read as a fall."""
    current = month_in_progress(as_of)
    if current is None or trend.height < 2:
        return trend
    return trend.filter(pl.col("month") < current)


def prior_year(filters: Filters) -> Filters:
    """The same window a year earlier (the filters' dates, shifted)."""
    lo, hi = filters.period()
    return replace(
        filters,
        fy=None,
        start=shift_year(lo, -1) if lo else None,
        end=shift_year(hi, -1) if hi else None,
    )


def _trend_summary(shown: pl.DataFrame, prior: pl.DataFrame, measure: str, label: str) -> str:
    """The period's complete months against the same months a year earlier."""
    if shown.is_empty():
        return "No complete month in this period yet."
    first, last = shown["month"].min(), shown["month"].max()
    months = f"{first:%B %Y}" if first == last else f"{first:%b %Y} – {last:%b %Y}"
    total = float(shown[measure].sum())
    earlier = [shift_year(m, -1) for m in shown["month"].to_list()]
    before = float(prior.filter(pl.col("month").is_in(earlier))[measure].sum())
    text = f"{months}: {fmt.whole(total)} {label.lower()}"
    if before:
        ratio = fmt.signed_percent(fmt.change(total, before))
        text += f", {ratio} on the same months a year earlier"
    return text + "."


def _ranked_outputs(search: str | None, by: str, noun: str, names: dict[str, str]):
    filters, measure, error = url_state.parse(search)
    if error:
        return empty_figure(error), f"Top {noun}", error, None
    filters = shown_filters(filters)
    title = f"Top {noun} — {_context(filters, measure)}"
    ranked = breakdowns.breakdown(filters, by, measure, n=10)
    if ranked.is_empty() or ranked["events"].sum() == 0:
        return empty_figure(NO_DATA), title, NO_DATA, None
    labels = [
        OTHERS_LABEL + f" ({m})" if k == seizure_stats.OTHERS else names.get(k, k)
        for k, m in zip(ranked["key"], ranked["members"], strict=True)
    ]
    label = url_state.MEASURES[measure]
    figure = ranked_bar_figure(ranked, labels, label)
    total = float(ranked["value"].sum())
    lead = ranked.row(0, named=True)
    share = lead["value"] / total if total else 0
    summary = (
        f"{labels[0]} leads with {fmt.whole(lead['value'])} {label.lower()} "
        f"({share:.0%} of {fmt.whole(total)})."
    )
    table = data_table(
        pl.DataFrame({noun.capitalize(): labels}).hstack(ranked.select("events", "lbs", "pills"))
    )
    return uirevision(figure, search), title, summary, table


@callback(
    Output(graph_id(PAGE, "area"), "figure"),
    Output(f"{PAGE}-areas-title", "children"),
    Output(f"{PAGE}-areas-summary", "children"),
    Output(f"{PAGE}-areas-table", "children"),
    Input(CARD_VIEW, "data"),
    *versions("seizures"),
)
@cached_view("seizures")
def update_areas(search: str | None, *_versions: str):
    return _ranked_outputs(search, "area", "field offices and sectors", reference.area_names())


@callback(
    Output(graph_id(PAGE, "port"), "figure"),
    Output(f"{PAGE}-ports-title", "children"),
    Output(f"{PAGE}-ports-summary", "children"),
    Output(f"{PAGE}-ports-table", "children"),
    Input(CARD_VIEW, "data"),
    *versions("seizures"),
)
@cached_view("seizures")
def update_ports(search: str | None, *_versions: str):
    return _ranked_outputs(search, "port", "ports of entry", reference.port_names())


@callback(
    Output(f"{PAGE}-mix-graph", "figure"),
    Output(f"{PAGE}-mix-title", "children"),
    Output(f"{PAGE}-mix-summary", "children"),
    Output(f"{PAGE}-mix-table", "children"),
    Input(CARD_VIEW, "data"),
    *versions("seizures"),
)
@cached_view("seizures")
def update_mix(search: str | None, *_versions: str):
    filters, measure, error = url_state.parse(search)
    if error:
        return empty_figure(error), "Commodity mix", error, None
    filters = shown_filters(filters)
    title = f"Commodity mix — {_context(filters, 'events')} (log scale)"
    mix = seizure_stats.commodity_mix(filters)
    if mix.is_empty():
        return empty_figure(NO_DATA), title, NO_DATA, None
    names = reference.commodity_names()
    by_category = (
        mix.group_by("category").agg(pl.col("events").sum()).sort("events", descending=True)
    )
    total = int(mix["events"].sum())
    summary = (
        "Events by category: "
        + ", ".join(f"{c} {n / total:.0%}" for c, n in by_category.iter_rows())
        + "."
    )
    table = data_table(
        mix.with_columns(pl.col("commodity").replace_strict(names, default=pl.col("commodity"))),
        max_rows=mix.height,  # every commodity the chart shows (a few dozen at most)
    )
    return uirevision(commodity_mix_figure(mix, names), search), title, summary, table
