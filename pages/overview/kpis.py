"""The Overview's KPI cards: events, pounds, fentanyl pounds and pills in the period, each against
the same days a year earlier. The same callback fills the page's header (the period, the filters
in words) and its notice, since all of them follow from the one period."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Input, Output, callback

from components import format as fmt
from components import url_state
from components.cards import kpi_card, kpi_delta
from components.filter_bar import CARD_VIEW, filters_sentence
from components.live import versions
from components.view_cache import cached_view
from pages.overview.common import PAGE
from queries import seizure_stats

KPIS = (
    ("events", "Seizure events", "events"),
    ("lbs", "Pounds seized", "lbs"),
    ("fentanyl_lbs", "Fentanyl, pounds", "lbs"),
    ("pills", "Pills seized", "pills"),
)


def layout() -> dbc.Row:
    return dbc.Row(
        [dbc.Col(kpi_card(f"{PAGE}-{key}", title), xs=6, lg=3) for key, title, _ in KPIS],
        className="g-3 mb-3",
    )


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
