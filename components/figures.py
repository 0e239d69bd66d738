"""Pure figure builders: a small frame in, a ``go.Figure`` out. No queries, no Dash."""

from __future__ import annotations

import textwrap
from datetime import date, timedelta

import plotly.graph_objects as go
import polars as pl

from components.theme import CATEGORY_COLOURS, INK, MUTED, PALETTE, TEMPLATE, register_template
from queries.filters import shift_year
from queries.seizure_stats import OTHERS as OTHERS_KEY

EMPTY_LINE = 34  # characters per line of an empty-state message: fits a third of a desktop row


def empty_figure(message: str) -> go.Figure:
    """An explicit empty state: a sentence where the axes would be, never a blank plot, broken
    into short lines so a narrow card (a phone, a third of a row) never clips it."""
    register_template()
    fig = go.Figure(layout={"template": TEMPLATE})
    fig.add_annotation(
        text="<br>".join(textwrap.wrap(message, EMPTY_LINE)) or message,
        showarrow=False,
        x=0.5,
        y=0.5,
        xref="paper",
        yref="paper",
        font={"size": 14, "color": "#52606D"},
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig


PARTIAL_PATTERN = "/"  # hatching of a period the data does not cover to its end


def add_partial_key(fig: go.Figure) -> None:
    """A legend entry for the hatching: a short last bar reads as a collapse unless the chart
    says the period is not over."""
    fig.add_bar(
        x=[None],
        y=[None],
        name="Partial period (hatched)",
        hoverinfo="skip",
        marker={
            "color": "rgba(0,0,0,0)",
            "line": {"color": INK, "width": 1},
            "pattern": {"shape": PARTIAL_PATTERN, "fgcolor": INK},
        },
    )


def add_modelled_key(fig: go.Figure) -> None:
    """A legend entry for the muted bars of periods after CBP's last published month, which a
    chart drawing every period as one trace colours point by point."""
    fig.add_bar(
        x=[None],
        y=[None],
        name="Modelled (after CBP's published data)",
        hoverinfo="skip",
        marker={"color": MUTED},
    )


def month_in_progress(as_of: date | None) -> date | None:
    """The first day of ``as_of``'s month while the data stops before its last day, else None."""
    if as_of is None:
        return None
    following = (as_of.replace(day=1) + timedelta(days=32)).replace(day=1)
    return as_of.replace(day=1) if as_of < following - timedelta(days=1) else None


def monthly_trend_figure(
    trend: pl.DataFrame,
    measure: str,
    measure_label: str,
    published_through: date | None,
    as_of: date | None = None,
    prior: pl.DataFrame | None = None,
) -> go.Figure:
    """Bars per month; months after CBP's last published month are drawn muted and labelled
    "modelled", so nobody mistakes the continuation for published figures; the month still in
    progress on ``as_of`` is hatched. ``prior`` (the same months a year earlier) is drawn as a
    dotted line over the months it compares with."""
    register_template()
    months = trend["month"]
    values = trend[measure].to_numpy()
    modelled = (
        (months > published_through).to_numpy() if published_through else [False] * len(months)
    )
    current = month_in_progress(as_of)
    fig = go.Figure(layout={"template": TEMPLATE})
    for is_modelled, name, colour in (
        (False, "Published months", PALETTE[0]),
        (True, "Modelled months", MUTED),
    ):
        mask = [bool(m) == is_modelled for m in modelled]
        if not any(mask):
            continue
        shown = months.filter(pl.Series(mask)).to_list()
        notes = [f" (to {as_of:%d %b})" if m == current else "" for m in shown]
        fig.add_bar(
            x=shown,
            y=values[mask],
            name=name,
            marker={
                "color": colour,
                "pattern": {"shape": [PARTIAL_PATTERN if n else "" for n in notes]},
            },
            customdata=notes,
            hovertemplate="%{x|%b %Y}%{customdata}: %{y:,.0f} "
            + measure_label.lower()
            + "<extra>"
            + name
            + "</extra>",
        )
    if prior is not None and prior.height:
        shown = set(months.to_list())
        later = [shift_year(m, 1) for m in prior["month"].to_list()]
        keep = [m in shown for m in later]
        fig.add_scatter(
            x=[m for m, k in zip(later, keep, strict=True) if k],
            y=prior[measure].to_numpy()[keep],
            name="Same month a year earlier",
            mode="lines+markers",
            line={"color": INK, "dash": "dot", "width": 2},
            marker={"size": 6, "color": INK},
            customdata=[m for m, k in zip(prior["month"].to_list(), keep, strict=True) if k],
            hovertemplate="%{customdata|%b %Y}: %{y:,.0f} "
            + measure_label.lower()
            + "<extra>A year earlier</extra>",
        )
    if current is not None and current in months.to_list():
        add_partial_key(fig)
    fig.update_layout(
        barmode="overlay",
        bargap=0.15,
        showlegend=True,
        yaxis_title=measure_label,
        # below the dates: on a phone the three entries wrap and, above the plot, covered it
        legend={"orientation": "h", "x": 0, "y": -0.12, "yanchor": "top"},
    )
    fig.update_xaxes(type="date")
    if months.len() <= 24:  # one tick a month: a short period otherwise got weekly ticks
        fig.update_xaxes(dtick="M1", tickformat="%b %Y")
    return fig


def shorten(label: str, width: int = 26) -> str:
    """Axis labels stay readable; the full name is in the hover text and the data table."""
    return label if len(label) <= width else label[: width - 1].rstrip() + "…"


def ranked_bar_figure(frame: pl.DataFrame, labels: list[str], measure_label: str) -> go.Figure:
    """Horizontal bars, largest on top; the "all others" remainder is not a bar (it outweighed
    the top ten and flattened them) but a line under the axis.

    ``frame`` has key, events, lbs and value (and optionally median_lbs and dominated). Each bar
    carries its filter value first in ``customdata`` so a click can cross-filter; a bar where one
    event carries over half the weight is marked with a diamond.
    """
    register_template()
    is_rest = pl.Series([k == OTHERS_KEY for k in frame["key"].to_list()])
    rest = frame.filter(is_rest)
    labels = [label for label, r in zip(labels, is_rest.to_list(), strict=True) if not r]
    frame = frame.filter(~is_rest)  # the remainder is told in words: as a bar it set the axis
    keys = frame["key"].to_list()
    colours = [PALETTE[0]] * len(keys)
    median = frame["median_lbs"].to_list() if "median_lbs" in frame.columns else [None] * len(keys)
    dominated = (
        frame["dominated"].fill_null(False).to_list()
        if "dominated" in frame.columns
        else [False] * len(keys)
    )
    custom = [
        [k, e, lbs, label, m if m is not None else float("nan")]
        for k, e, lbs, label, m in zip(
            keys, frame["events"].to_list(), frame["lbs"].to_list(), labels, median, strict=True
        )
    ]
    fig = go.Figure(
        go.Bar(
            x=frame["value"].to_numpy()[::-1],
            y=[shorten(label) for label in labels][::-1],
            orientation="h",
            marker_color=colours[::-1],
            text=["◆" if d else "" for d in dominated][::-1],
            textposition="outside",
            cliponaxis=False,
            customdata=custom[::-1],
            hovertemplate="<b>%{customdata[3]}</b><br>%{x:,.0f} "
            + measure_label.lower()
            + "<br>%{customdata[1]:,} events · %{customdata[2]:,.0f} lbs"
            + "<br>median seizure %{customdata[4]:,.1f} lbs<extra></extra>",
        ),
        layout={"template": TEMPLATE},
    )
    title = measure_label
    if rest.height and rest["value"][0]:
        members = rest["members"][0] if "members" in rest.columns else None
        count = f" ({members:,})" if members else ""
        # a line of its own: on a phone one line ran past the plot's edge and was cut
        title += f"<br><sub>all others{count}: {compact(rest['value'][0])}</sub>"
    fig.update_layout(xaxis_title=title, clickmode="event")
    fig.update_layout(margin=label_margins(fig))
    return fig


# Roughly the widest a character of the template's 13 px font draws, and the height of a line of
# it: enough to reserve room for the axis labels before plotly measures them.
CHAR_PX = 7.5
LINE_PX = 18


def label_margins(fig: go.Figure) -> dict:
    """Margins that already hold the category labels on the left and the axis title (with its
    second line) below. Plotly's automargin still widens them if a label needs more, but when
    the room is there from the start it draws the chart once: finding the margins too small, it
    draws everything again, and on a page of a dozen charts that second pass was a large part
    of a click's wait in the browser."""
    labels = [str(y) for trace in fig.data for y in (trace.y if trace.y is not None else ())]
    title = fig.layout.xaxis.title.text or ""
    left = int(max((len(label) for label in labels), default=0) * CHAR_PX) + 16
    bottom = LINE_PX * (2 + title.count("<br>")) + 14
    return {"l": max(left, 8), "r": 28, "t": 8, "b": bottom}


def compact(value: float) -> str:
    """1,782,464 -> "1.8M": short enough for an axis title under a third of a row."""
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.1f}{suffix}"
    return f"{value:,.0f}"


MIX_LABEL_WIDTH = 24


def commodity_mix_figure(mix: pl.DataFrame, names: dict[str, str]) -> go.Figure:
    """Events per commodity, coloured by category (units differ, so events are the common scale)."""
    register_template()
    fig = go.Figure(layout={"template": TEMPLATE})
    ordered = mix.sort("events")
    full = {c: names.get(c, c) for c in ordered["commodity"]}
    # short axis labels leave the bars room in a third of a page (a printed briefing); the
    # labels are the bars' categories, so two names cut to the same text keep their full names
    short = {c: shorten(name, MIX_LABEL_WIDTH) for c, name in full.items()}
    if len(set(short.values())) < len(short):
        short = full
    for category, colour in CATEGORY_COLOURS.items():
        part = ordered.filter(pl.col("category") == category)
        if part.is_empty():
            continue
        fig.add_bar(
            x=part["events"].to_numpy(),
            y=[short[c] for c in part["commodity"]],
            orientation="h",
            name=category.capitalize(),
            marker_color=colour,
            customdata=[
                (full[c], lbs, pills, pieces)
                for c, lbs, pills, pieces in part.select(
                    "commodity", "lbs", "pills", "pieces"
                ).iter_rows()
            ],
            hovertemplate="%{customdata[0]}: %{x:,} events<br>%{customdata[1]:,.0f} lbs · "
            "%{customdata[2]:,} pills · %{customdata[3]:,} pieces<extra></extra>",
        )
    fig.update_layout(
        xaxis_title=None,
        xaxis={"type": "log", "dtick": 1},
        yaxis={"categoryorder": "total ascending", "tickfont": {"size": 11}},
        barmode="stack",
        # inside the plot, bottom right, where the rarest commodities leave the bars short: above
        # the plot it took the height plotly needs to name every bar, and every other name went
        legend={
            "x": 1,
            "xanchor": "right",
            "y": 0,
            "yanchor": "bottom",
            "bgcolor": "rgba(255,255,255,0.85)",
        },
        margin={"l": 8, "r": 16, "t": 8, "b": 8},
    )
    return fig
