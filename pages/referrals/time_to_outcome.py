"""Time to outcome: how soon after the referral cases reach a step (an arrest unless another is
picked), per receiving agency or commodity category, as Kaplan–Meier curves with their 95%
bands and medians (``pages.referrals.survival``). Aggregates only: every role sees it.

The card states how the open and the closed cases were counted, and how many of each curve's
cases were censored, because a curve that hid them would look surer than it is.
"""

from __future__ import annotations

from datetime import date

import dash_bootstrap_components as dbc
import polars as pl
from dash import Input, Output, callback, dcc, html

from components import format as fmt
from components import url_state
from components.cards import data_table
from components.context import describe
from components.figures import empty_figure
from components.filter_bar import CARD_VIEW
from components.live import uirevision, versions
from components.theme import GRAPH_CONFIG
from components.view_cache import cached_view
from pages.referrals.common import (
    GROUP_LABELS,
    NO_REFERRALS,
    PAGE,
    STEP_PHRASES,
    group_name,
    step_name,
)
from pages.referrals.figures import incidence_figure
from pages.referrals.survival import AT_RISK_DAYS, HORIZON_DAYS, Curve, curves
from queries import referrals

CARD = f"{PAGE}-km"
STEP = f"{CARD}-step"
BY = f"{CARD}-by"
NONE_MATCH = "No referrals come from the seizures these filters keep."


def layout() -> dbc.Card:
    step = dbc.Select(
        id=STEP,
        options=[{"label": step_name(s), "value": s} for s in referrals.DURATION_STEPS],
        value=referrals.DEFAULT_STEP,
        size="sm",
    )
    by = dbc.RadioItems(
        id=BY,
        options=[{"label": label, "value": key} for key, label in GROUP_LABELS.items()],
        value="agency",
        inline=True,
        className="small",
    )
    controls = dbc.Row(
        [
            dbc.Col(
                [dbc.Label("Step reached", html_for=STEP, className="small mb-0"), step],
                xs=12,
                sm=5,
                md=3,
            ),
            dbc.Col(
                [dbc.Label("Compare", html_for=BY, className="small mb-0 d-block"), by],
                xs=12,
                sm=7,
                md=6,
            ),
        ],
        className="g-2 mb-2",
    )
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2("Time to outcome", id=f"{CARD}-title", className="h6 mb-2"),
                controls,
                dcc.Loading(
                    dcc.Graph(
                        id=f"{CARD}-graph",
                        config=GRAPH_CONFIG,
                        style={"height": "420px"},
                        className="referrals-km-graph",
                    ),
                    type="dot",
                    delay_show=300,
                ),
                html.P(id=f"{CARD}-summary", className="chart-summary small mb-2"),
                html.Div(id=f"{CARD}-medians", className="table-responsive"),
                html.P(id=f"{CARD}-note", className="small text-muted mb-1"),
                html.Details(
                    [
                        html.Summary("Cases still followed (at risk), by day", className="small"),
                        html.Div(id=f"{CARD}-table", className="table-alt"),
                    ],
                    className="d-print-none",
                ),
            ]
        ),
        className="chart-card h-100",
    )


def _days(value: float | None) -> str:
    return "not reached" if value is None else f"{value:,.0f}"


def _interval(lo: float | None, hi: float | None) -> str:
    if lo is None and hi is None:
        return ""
    return f" ({_days(lo)} – {_days(hi) if hi is not None else 'not reached'})"


def medians_table(named: list[tuple[str, Curve]], group_label: str) -> html.Table:
    """Per curve: its cases (reached, censored while open, ended without the step), the median
    with its 95% interval and the share reached within a year with its interval."""
    # the two censoring columns are left out on a phone (the legend states the count), where
    # their long headings wrapped into a header taller than the rows
    wide = "d-none d-md-table-cell"
    head = [
        (group_label, ""),
        ("Referrals", ""),
        ("Reached", ""),
        ("Open, censored", wide),
        ("Closed or declined without it", wide),
        ("Median days (95% CI)", ""),
        ("Within a year (95% CI)", ""),
    ]
    body = []
    for name, c in named:
        within = f"{c.within_year:.1%} ({c.within_year_lower:.1%} – {c.within_year_upper:.1%})"
        counts = ((c.referrals, ""), (c.reached, ""), (c.still_open, wide), (c.ended, wide))
        cells = [
            html.Th(name, scope="row"),
            *[html.Td(f"{v:,}", className=f"text-end {extra}".strip()) for v, extra in counts],
            html.Td(_days(c.median) + _interval(c.median_lower, c.median_upper)),
            html.Td(within),
        ]
        body.append(html.Tr(cells))
    heading = html.Tr([html.Th(h, scope="col", className=extra) for h, extra in head])
    return html.Table(
        [html.Thead(heading), html.Tbody(body)],
        className="table table-sm small mb-2 referrals-medians",
    )


def at_risk_table(named: list[tuple[str, Curve]], group_label: str) -> pl.DataFrame:
    """How many cases each curve still follows at a few days since the referral."""
    return pl.DataFrame(
        [
            {group_label: name, **{f"Day {d:,}": c.at_risk[d] for d in AT_RISK_DAYS}}
            for name, c in named
        ]
    )


def _whose(by: str, name: str) -> str:
    return f"the referrals to {name}" if by == "agency" else f"referrals of {name.lower()} seizures"


def summary(named: list[tuple[str, Curve]], phrase: str, by: str) -> str:
    """Which groups got there soonest and latest within a year, how many cases are still open
    without the step (censored: they may yet get there) and how many ended without it."""
    still_open = sum(c.still_open for _, c in named)
    ended = sum(c.ended for _, c in named)
    total = sum(c.referrals for _, c in named)
    ranked = sorted(named, key=lambda nc: -nc[1].within_year)
    (first, best), (last, worst) = ranked[0], ranked[-1]
    words = f"Within a year, {best.within_year:.0%} of {_whose(by, first)} got to {phrase}"
    if len(ranked) > 1:
        words += f", against {worst.within_year:.0%} of {_whose(by, last)}"
    return (
        f"{words}. Of the {fmt.count(total, 'referral')}, {still_open:,} are still open without "
        f"it and are censored at the record's as-of date (they may yet get there); {ended:,} "
        "were declined or closed without it."
    )


def note(as_of: date, phrase: str) -> str:
    """How the curves count open and closed cases: stated on the page, not left to guess."""
    return (
        f"Kaplan–Meier estimates (lifelines) of days from the referral to {phrase}, "
        f"with 95% bands; the chart shows the first {HORIZON_DAYS // 365} years. The record runs "
        f"to {as_of:%d %b %Y}: a case still open without the step counts up to that day and is "
        "censored there. A case declined or closed without it can never reach it, so it counts "
        "as not having reached it for that same time instead of being censored at its closing "
        "day: each curve is the share of all referrals that got there (cumulative incidence), "
        "not a time among the cases that did. The median is the day by which half of the "
        "referrals got there; it is not reached when fewer than half ever do."
    )


@callback(
    Output(f"{CARD}-graph", "figure"),
    Output(f"{CARD}-title", "children"),
    Output(f"{CARD}-summary", "children"),
    Output(f"{CARD}-medians", "children"),
    Output(f"{CARD}-note", "children"),
    Output(f"{CARD}-table", "children"),
    Input(CARD_VIEW, "data"),
    Input(STEP, "value"),
    Input(BY, "value"),
    *versions("referral_events", "seizures"),
)
@cached_view("referral_events", "seizures")
def update_time_to_outcome(search: str | None, step: str | None, by: str | None, *_versions):
    step = step if step in referrals.DURATION_STEPS else referrals.DEFAULT_STEP
    by = by if by in referrals.GROUPS else "agency"
    filters, _measure, error = url_state.parse(search)
    phrase = STEP_PHRASES[step]
    title = f"Time to {phrase} — {describe(filters, 'Referrals')}"
    if error:
        return empty_figure(error), title, error, None, "", None
    as_of = referrals.as_of() if referrals.available() else None
    if as_of is None:
        return empty_figure(NO_REFERRALS), title, NO_REFERRALS, None, "", None
    fits = curves(referrals.durations(filters, step, by, as_of))
    if not fits:
        return empty_figure(NONE_MATCH), title, NONE_MATCH, None, "", None
    named = [(group_name(by, c.group), c) for c in fits]
    group_label = GROUP_LABELS[by]
    return (
        uirevision(incidence_figure(named, phrase), f"{search}|{step}|{by}"),
        title,
        summary(named, phrase, by),
        medians_table(named, group_label),
        note(as_of, phrase),
        data_table(at_risk_table(named, group_label), max_rows=len(named)),
    )
