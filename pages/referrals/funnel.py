"""The referral funnel: how many of the filtered seizures were referred, and how many of those
referrals were accepted, investigated, and went on to a warrant, an arrest, a prosecution and a
conviction; beside it the same steps per receiving agency, as shares of each agency's referrals.

Both are aggregates (no case appears in them), so every role that opens the page sees them.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
import polars as pl
from dash import Input, Output, callback

from components import format as fmt
from components import url_state
from components.cards import chart_card, data_table
from components.context import describe
from components.figures import empty_figure
from components.filter_bar import CARD_VIEW
from components.live import uirevision, versions
from components.view_cache import cached_view
from lake import referral_lifecycle as lifecycle
from pages.referrals.common import NO_REFERRALS, PAGE, agency_name, step_name
from pages.referrals.figures import conversion_figure, funnel_figure
from queries import referrals, seizure_stats

FUNNEL = f"{PAGE}-funnel"
AGENCIES = f"{PAGE}-agencies"
AS_OF = f"{PAGE}-asof"
SEIZURES = "Seizures"
NONE_MATCH = "No referrals come from the seizures these filters keep."


def layout() -> dbc.Row:
    return dbc.Row(
        [
            dbc.Col(chart_card(FUNNEL, "Referral funnel", height=360), lg=6),
            dbc.Col(chart_card(AGENCIES, "Steps reached, by receiving agency", height=360), lg=6),
        ],
        className="g-3 mb-3",
    )


def stages(seizures: int, counts: pl.DataFrame) -> list[tuple[str, int]]:
    """(stage name, count) from the seizures down the funnel, all agencies together."""
    totals = [(step_name(s), int(counts[s].sum())) for s in lifecycle.FUNNEL]
    return [(SEIZURES, seizures), *totals]


def stage_table(rows: list[tuple[str, int]]) -> pl.DataFrame:
    """The funnel as a table: each stage, its share of the stage before and of the referrals."""
    referred = rows[1][1] if len(rows) > 1 else 0
    out = []
    for i, (name, count) in enumerate(rows):
        before = rows[i - 1][1] if i else None
        out.append(
            {
                "Stage": name,
                "Count": count,
                "Of the stage before": fmt.share(count / before) if before else "–",
                "Of the referrals": fmt.share(count / referred) if i and referred else "–",
            }
        )
    return pl.DataFrame(out)


def summary(rows: list[tuple[str, int]]) -> str:
    """Every stage with its count and share of the stage before, in one sentence."""
    parts = [f"{rows[0][0]} {rows[0][1]:,}"]
    for (name, count), (_, before) in zip(rows[1:], rows[:-1], strict=True):
        parts.append(f"{name.lower()} {count:,} ({fmt.share(count / before) if before else '–'})")
    return " → ".join(parts) + "."


def agency_rows(counts: pl.DataFrame) -> list[tuple[str, int, list[int]]]:
    """(agency name, referrals, count at each step after the referral), most referrals first."""
    steps = lifecycle.FUNNEL[1:]
    rows = [
        (agency_name(r["agency"]), int(r["referred"]), [int(r[s]) for s in steps])
        for r in counts.iter_rows(named=True)
    ]
    return sorted(rows, key=lambda r: (-r[1], r[0]))


def agency_table(counts: pl.DataFrame) -> pl.DataFrame:
    named = counts.with_columns(
        pl.col("agency").map_elements(agency_name, return_dtype=pl.String)
    ).sort("referred", descending=True)
    return named.rename({"agency": "Agency", **{s: step_name(s) for s in lifecycle.FUNNEL}})


def agency_summary(rows: list[tuple[str, int, list[int]]]) -> str:
    """Which agency converts most of its referrals into arrests and convictions."""
    steps = list(lifecycle.FUNNEL[1:])
    arrest, conviction = steps.index("arrest"), steps.index("conviction")
    parts = [
        f"{name}: {fmt.share(c[arrest] / n)} to an arrest, {fmt.share(c[conviction] / n)} to a "
        "conviction"
        for name, n, c in rows
        if n
    ]
    return "Of each agency's referrals — " + "; ".join(parts) + "."


@callback(
    Output(f"{FUNNEL}-graph", "figure"),
    Output(f"{FUNNEL}-title", "children"),
    Output(f"{FUNNEL}-summary", "children"),
    Output(f"{FUNNEL}-table", "children"),
    Output(f"{AGENCIES}-graph", "figure"),
    Output(f"{AGENCIES}-summary", "children"),
    Output(f"{AGENCIES}-table", "children"),
    Output(AS_OF, "children"),
    Input(CARD_VIEW, "data"),
    *versions("referral_events", "seizures"),
)
@cached_view("referral_events", "seizures")
def update_funnel(search: str | None, *_versions: str):
    filters, _measure, error = url_state.parse(search)
    title = f"Referral funnel — {describe(filters, 'Seizures and their referrals')}"
    if error:
        return _empty(error, title)
    if not referrals.available():
        return _empty(NO_REFERRALS, title)
    as_of = referrals.as_of()
    as_of_text = f"Referral record as of {as_of:%d %b %Y}" if as_of else ""
    counts = referrals.funnel(filters)
    seizures = seizure_stats.matching_events(filters)
    if counts.is_empty():
        return (*_empty(NONE_MATCH, title)[:-1], as_of_text)
    rows = stages(seizures, counts)
    by_agency = agency_rows(counts)
    steps = list(lifecycle.FUNNEL[1:])
    return (
        uirevision(funnel_figure(rows), search),
        title,
        summary(rows),
        data_table(stage_table(rows), max_rows=len(rows)),
        uirevision(conversion_figure(steps, by_agency, lifecycle.LABELS), search),
        agency_summary(by_agency),
        data_table(agency_table(counts), max_rows=counts.height),
        as_of_text,
    )


def _empty(message: str, title: str) -> tuple:
    figure = empty_figure(message)
    return figure, title, message, None, figure, message, None, ""
