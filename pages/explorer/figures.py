"""Figure builders of the analyst explorer: trend with overlays and control limits, route flows,
traffic rates and period-comparison drivers. Pure: a small frame in, a figure out."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import plotly.graph_objects as go
import polars as pl

from components.figures import PARTIAL_PATTERN, add_modelled_key, add_partial_key, shorten
from components.theme import INK, MUTED, PALETTE, TEMPLATE, register_template

OUTSIDE_COLOUR = PALETTE[5]  # vermillion
LIMIT_COLOUR = "#52606D"  # slate: dotted, behind the measure's own colours


def period_end(start: date, grain: str) -> date:
    """Last day of the period that starts on ``start``."""
    if grain == "day":
        return start
    if grain == "week":
        return start + timedelta(days=6)
    if grain == "fy":
        return date(start.year + 1, 9, 30)
    following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return following - timedelta(days=1)


def trend_figure(
    series: pl.DataFrame,
    grain: str,
    measure_label: str,
    yoy: bool,
    published_through: date | None,
) -> go.Figure:
    """The measure per period, its rolling mean and 3-sigma control band; points outside the band
    are marked; with ``yoy`` the same period a year earlier is drawn dashed. Each point carries
    its date range so a click narrows the global dates to it."""
    register_template()
    periods = series["period"].to_list()
    ranges = [f"{p.isoformat()}..{period_end(p, grain).isoformat()}" for p in periods]
    labels = series["label"].to_list()
    custom = list(zip(ranges, labels, strict=True))
    modelled = [bool(published_through and p > published_through) for p in periods]
    fig = go.Figure(layout={"template": TEMPLATE})
    if series["upper"].is_not_null().any():
        # lines, not a filled band: Plotly draws a scatter's fill over bars, and the wash above
        # the lower limit made every bar read as two stacked segments
        for bound, shown in (("upper", True), ("lower", False)):
            fig.add_scatter(
                x=periods,
                y=series[bound].to_numpy(),
                mode="lines",
                name="Control limits (±3σ)",
                line={"color": LIMIT_COLOUR, "width": 1.2, "dash": "dot"},
                legendgroup="limits",
                showlegend=shown,
                hoverinfo="skip",
            )
    partial = (
        series["partial"].fill_null(False).to_list()
        if "partial" in series.columns
        else [False] * len(periods)
    )
    # whole periods first: a bar's legend swatch is drawn like its first point, and a hatched
    # first bar (a window starting mid-period) would make the measure's own swatch hatched
    order = sorted(range(len(periods)), key=lambda i: partial[i])

    def note(i: int) -> str:
        return " (modelled)" * modelled[i] + " (partial)" * partial[i]

    fig.add_bar(
        x=[periods[i] for i in order],
        y=series["value"].to_numpy()[order],
        name=measure_label,
        marker={
            "color": [MUTED if modelled[i] else PALETTE[0] for i in order],
            "pattern": {"shape": [PARTIAL_PATTERN if partial[i] else "" for i in order]},
        },
        customdata=[(*custom[i], note(i)) for i in order],
        hovertemplate="%{customdata[1]}%{customdata[2]}: %{y:,.0f}<extra></extra>",
    )
    if any(modelled):
        add_modelled_key(fig)
    if any(partial):
        add_partial_key(fig)
    fig.add_scatter(
        x=periods,
        y=series["rolling"].to_numpy(),
        mode="lines",
        name="Rolling mean",
        line={"color": INK, "width": 2},
        customdata=custom,
        hovertemplate="%{customdata[1]} rolling mean: %{y:,.0f}<extra></extra>",
    )
    if yoy:
        fig.add_scatter(
            x=periods,
            y=series["prior_value"].to_numpy(),
            mode="lines",
            name="Year earlier",
            line={"color": PALETTE[1], "width": 2, "dash": "dash"},
            customdata=custom,
            hovertemplate="%{customdata[1]} a year earlier: %{y:,.0f}<extra></extra>",
        )
    outside = series.filter(pl.col("outside").fill_null(False))
    if not outside.is_empty():
        fig.add_scatter(
            x=outside["period"].to_list(),
            y=outside["value"].to_numpy(),
            mode="markers",
            name="Outside control limits",
            marker={"color": OUTSIDE_COLOUR, "size": 10, "symbol": "diamond"},
            customdata=[
                [f"{p.isoformat()}..{period_end(p, grain).isoformat()}", lab]
                for p, lab in zip(outside["period"], outside["label"], strict=True)
            ],
            hovertemplate="%{customdata[1]}: %{y:,.0f} (outside limits)<extra></extra>",
        )
    fig.update_layout(
        barmode="overlay",
        yaxis_title=measure_label,
        clickmode="event",
        hovermode="x unified",
        # below the dates: at phone width the entries wrap a row each, and above the plot they
        # covered its top instead of pushing it down
        legend={"orientation": "h", "x": 0, "y": -0.08, "yanchor": "top", "traceorder": "normal"},
    )
    period_axis(fig, grain, len(periods))
    return fig


def period_axis(fig: go.Figure, grain: str, n: int) -> None:
    """Ticks on the periods the bars stand for: a short monthly chart otherwise got weekly
    ticks (Sep 20, Oct 4 ... Dec 13) under three monthly bars."""
    if grain == "month" and n <= 24:
        fig.update_xaxes(dtick="M1", tickformat="%b %Y", ticklabelmode="period")


NOT_FILTERS = ("direct", "between ports", "__others__")  # route parts that name no filter value


def route_label(row: dict, names: dict[str, dict[str, str]]) -> str:
    """ "Mexico → direct → San Ysidro": names, never codes."""
    parts = [names[k].get(row[k], row[k]) for k in ("source", "transit", "port")]
    return " → ".join(parts)


def route_key(row: dict) -> str:
    """The cross-filter value of a whole route: its parts that are filter values."""
    return ";".join(
        f"{k}:{row[k]}" for k in ("source", "transit", "port") if row[k] not in NOT_FILTERS
    )


def route_bar_figure(flows: pl.DataFrame, names: dict[str, dict[str, str]], value_label: str):
    """The routes of the Sankey as ranked bars: a click adds the route's source, transit and
    port to the filters (plotly does not report clicks on Sankey nodes reliably)."""
    register_template()
    rows = [r for r in flows.iter_rows(named=True) if r["source"] != "__others__"]
    labels = [route_label(r, names) for r in rows]
    fig = go.Figure(
        go.Bar(
            x=[r["value"] for r in rows][::-1],
            y=[shorten(label, 40) for label in labels][::-1],
            orientation="h",
            marker_color=PALETTE[1],
            customdata=np.array([route_key(r) for r in rows][::-1], dtype=object),
            hovertext=labels[::-1],
            hovertemplate="%{hovertext}: %{x:,.0f} " + value_label + "<extra></extra>",
        ),
        layout={"template": TEMPLATE},
    )
    fig.update_layout(
        xaxis_title=value_label.capitalize(),
        clickmode="event",
        margin={"l": 8, "r": 16, "t": 8, "b": 8},
    )
    return fig


def sankey_figure(
    flows: pl.DataFrame,
    names: dict[str, dict[str, str]],
    value_label: str,
    with_others: bool = True,
):
    """Source -> transit -> port of entry. Node customdata is "<filter key>:<value>" so a click on
    a node cross-filters; "direct", "between ports" and "all others" nodes are not clickable.
    ``with_others=False`` leaves out the band of all other routes (with one source chosen it is
    a band from "All others" to "via All others" that says nothing)."""
    register_template()
    nodes: dict[tuple[str, str], int] = {}
    labels: list[str] = []
    keys: list[str] = []

    def node(kind: str, value: str) -> int:
        if (kind, value) not in nodes:
            nodes[(kind, value)] = len(labels)
            clickable = value not in ("direct", "between ports", "__others__")
            keys.append(f"{kind}:{value}" if clickable else "")
            shown = "All others" if value == "__others__" else names.get(kind, {}).get(value, value)
            labels.append(shown if kind != "transit" else f"via {shown}")
        return nodes[(kind, value)]

    source, target, value = [], [], []
    for row in flows.iter_rows(named=True):
        if not with_others and row["source"] == "__others__":
            continue
        s = node("source", row["source"])
        t = node("transit", row["transit"])
        p = node("port", row["port"])
        source += [s, t]
        target += [t, p]
        value += [row["value"], row["value"]]
    colours = [PALETTE[i % len(PALETTE)] if k else MUTED for i, k in enumerate(keys)]
    fig = go.Figure(
        go.Sankey(
            arrangement="snap",
            node={
                "label": labels,
                "customdata": keys,
                "color": colours,
                "pad": 12,
                "hovertemplate": "%{label}: %{value:,.0f} " + value_label + "<extra></extra>",
            },
            link={
                "source": source,
                "target": target,
                "value": value,
                "color": "rgba(154,165,177,0.35)",
            },
        ),
        layout={"template": TEMPLATE},
    )
    fig.update_layout(margin={"l": 8, "r": 8, "t": 8, "b": 8}, clickmode="event")
    return fig


def traffic_figure(totals: pl.DataFrame, names: dict[str, str], n: int = 12) -> go.Figure:
    """Land ports ranked by seizure events per 100,000 crossings (over months with traffic data)."""
    register_template()
    top = totals.head(n)
    labels = [names.get(p, p) for p in top["port_code"]]
    fig = go.Figure(
        go.Bar(
            x=top["events_per_100k"].to_numpy()[::-1],
            y=labels[::-1],
            orientation="h",
            marker_color=PALETTE[2],
            customdata=np.array(top["port_code"].to_list()[::-1], dtype=object),
            hovertemplate="%{y}: %{x:,.2f} events per 100,000 crossings<extra></extra>",
        ),
        layout={"template": TEMPLATE},
    )
    fig.update_layout(
        xaxis_title="Events per 100,000 crossings",
        clickmode="event",
        margin={"l": 8, "r": 16, "t": 8, "b": 8},
    )
    return fig


def delta_figure(frame: pl.DataFrame, labels: list[str], keys: list[str], measure: str):
    """Diverging bars of the change between period A and B, biggest movers on top."""
    register_template()
    column = "events_delta" if measure == "events" else "lbs_delta"
    deltas = frame[column].to_numpy()
    colours = [PALETTE[5] if d > 0 else PALETTE[0] for d in deltas]
    fig = go.Figure(
        go.Bar(
            x=deltas[::-1],
            y=labels[::-1],
            orientation="h",
            marker_color=colours[::-1],
            customdata=keys[::-1],
            hovertemplate="%{y}: %{x:+,.0f}<extra></extra>",
        ),
        layout={"template": TEMPLATE},
    )
    fig.update_layout(
        xaxis_title="Change B − A (" + ("events" if measure == "events" else "lbs") + ")",
        clickmode="event",
        margin={"l": 8, "r": 16, "t": 8, "b": 8},
    )
    return fig
