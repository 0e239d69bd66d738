"""Figures of the public pages: a small frame in, a ``go.Figure`` out. No queries, no Dash.

A suppressed value is never drawn as a zero-length bar: the trend draws a hatched, muted bar the
height of the axis labelled "suppressed"; bar charts write the word where the bar would be; the
map draws an open grey circle. The map uses plotly's own geography, served from this app's
``/assets/topojson/`` (no tiles, no CDN).
"""

from __future__ import annotations

import math

import plotly.graph_objects as go
import polars as pl

from public.theme import INK, MUTED, PALETTE, TEMPLATE, register_template

SUPPRESSED_NAME = "Suppressed (value hidden)"
COMPONENT_COLOURS = {"OFO": PALETTE[0], "USBP": PALETTE[5]}
COMPONENT_NAMES = {"OFO": "Field office (ports of entry)", "USBP": "Border Patrol sector"}


def _figure() -> go.Figure:
    register_template()
    return go.Figure(layout={"template": TEMPLATE})


def message_figure(message: str) -> go.Figure:
    fig = _figure()
    fig.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig


def trend_figure(frame: pl.DataFrame, measure: str, label: str) -> go.Figure:
    """Monthly bars; suppressed months are hatched full-height bars, not zeros."""
    fig = _figure()
    shown = frame.filter(~pl.col("suppressed"))
    hidden = frame.filter(pl.col("suppressed"))
    fig.add_bar(
        x=shown["month"].to_list(),
        y=shown[measure].to_list(),
        name=label,
        marker_color=PALETTE[0],
        hovertemplate="%{x|%b %Y}: %{y:,.0f} " + label.lower() + "<extra></extra>",
    )
    if hidden.height:
        top = max(shown[measure].max() or 0, 1)
        fig.add_bar(
            x=hidden["month"].to_list(),
            y=[top] * hidden.height,
            name=SUPPRESSED_NAME,
            marker={"color": "#E4E7EB", "pattern": {"shape": "/", "fgcolor": MUTED}},
            hovertemplate="%{x|%b %Y}: suppressed<extra></extra>",
        )
    fig.update_layout(
        barmode="overlay",
        bargap=0.1,
        yaxis_title=label,
        legend={"orientation": "h", "y": 1.1, "x": 0},
        margin={"l": 8, "r": 8, "t": 40, "b": 8},
    )
    fig.update_xaxes(type="date")
    return fig


def _suppressed_labels(fig: go.Figure, names: list[str], x: float, horizontal: bool) -> None:
    if not names:
        return
    points = (
        {"x": [x] * len(names), "y": names} if horizontal else {"x": names, "y": [x] * len(names)}
    )
    fig.add_scatter(
        **points,
        mode="text",
        text=["suppressed"] * len(names),
        textposition="middle right" if horizontal else "top center",
        textfont={"color": INK, "size": 12},
        name=SUPPRESSED_NAME,
        hovertemplate="%{" + ("y" if horizontal else "x") + "}: suppressed<extra></extra>",
    )


MEASURE_UNITS = {"lbs": "lbs", "events": "events"}


def mix_figure(frame: pl.DataFrame, measure: str = "lbs") -> go.Figure:
    """Each drug type by ``measure`` on a linear scale, each bar labelled with its value:
    marijuana outweighs LSD by 10,000 times, so small drugs are thin bars, but their numbers
    are written beside them (a log scale misleads readers who compare bar lengths); a bar long
    enough carries its number inside."""
    fig = _figure()
    unit = MEASURE_UNITS[measure]
    ordered = frame.sort(pl.col(measure).fill_null(0))
    shown = ordered.filter(~pl.col("suppressed") & (pl.col(measure) > 0))
    other = "events" if measure == "lbs" else "lbs"
    fig.add_bar(
        x=shown[measure].to_list(),
        y=shown["drug_type"].to_list(),
        orientation="h",
        name=unit,
        marker_color=PALETTE[0],
        text=[f"{v:,.0f} {unit}" for v in shown[measure].to_list()],
        # inside a bar long enough to hold it, beside a short one: beside the longest bar, the
        # label ran past the plot's right edge on a phone and was cut
        textposition="auto",
        insidetextanchor="end",
        insidetextfont={"color": "white"},
        outsidetextfont={"color": INK},
        cliponaxis=False,
        customdata=shown[other].to_list(),
        hovertemplate="%{y}: %{x:,.0f} "
        + unit
        + " (%{customdata:,.0f} "
        + MEASURE_UNITS[other]
        + ")<extra></extra>",
    )
    hidden = ordered.filter(pl.col("suppressed"))["drug_type"].to_list()
    _suppressed_labels(fig, hidden, 0, horizontal=True)
    top = shown[measure].max() or 1
    fig.update_layout(
        xaxis={
            "title": "Pounds" if measure == "lbs" else "Seizure events",
            "range": [0, top * 1.3],
        },
        yaxis={"categoryorder": "array", "categoryarray": ordered["drug_type"].to_list()},
        showlegend=False,
        margin={"l": 8, "r": 24, "t": 8, "b": 8},
    )
    return fig


def yearly_figure(frame: pl.DataFrame, measure: str, drug: str) -> go.Figure:
    """One bar per fiscal year of ``drug`` (a drug type's label or "All drugs"); the open year
    is lighter and says "to date"."""
    fig = _figure()
    part = frame.filter(pl.col("drug_type") == drug)
    shown = part.filter(~pl.col("suppressed"))
    years = [
        f"FY{y}" + (" to date" if p else "")
        for y, p in zip(part["fiscal_year"], part["provisional"], strict=True)
    ]
    labels = dict(zip(part["fiscal_year"].to_list(), years, strict=True))
    unit = MEASURE_UNITS[measure]
    fig.add_bar(
        x=[labels[y] for y in shown["fiscal_year"].to_list()],
        y=shown[measure].to_list(),
        marker_color=[MUTED if p else PALETTE[0] for p in shown["provisional"].to_list()],
        text=[f"{v:,.0f}" for v in shown[measure].to_list()],
        textposition="outside",
        cliponaxis=False,
        name=unit,
        hovertemplate="%{x}: %{y:,.0f} " + unit + "<extra></extra>",
    )
    hidden = [labels[y] for y in part.filter(pl.col("suppressed"))["fiscal_year"].to_list()]
    _suppressed_labels(fig, hidden, 0, horizontal=False)
    fig.update_layout(
        yaxis_title="Pounds" if measure == "lbs" else "Seizure events",
        xaxis={"categoryorder": "array", "categoryarray": years},
        showlegend=False,
        margin={"l": 8, "r": 8, "t": 24, "b": 8},
    )
    return fig


def map_figure(frame: pl.DataFrame, measure: str, label: str) -> go.Figure:
    """Field offices and sectors at their headquarters, sized by ``measure``."""
    fig = _figure()
    biggest = max(frame.filter(~pl.col("suppressed"))[measure].max() or 1, 1)
    for component, colour in COMPONENT_COLOURS.items():
        part = frame.filter((pl.col("component") == component) & ~pl.col("suppressed"))
        if part.is_empty():
            continue
        sizes = [6 + 34 * math.sqrt((v or 0) / biggest) for v in part[measure].to_list()]
        fig.add_scattergeo(
            lon=part["longitude"].to_list(),
            lat=part["latitude"].to_list(),
            text=part["name"].to_list(),
            customdata=part.select("events", "lbs").to_numpy(),
            name=COMPONENT_NAMES[component],
            marker={
                "size": sizes,
                "color": colour,
                "opacity": 0.75,
                "line": {"width": 1, "color": "#FFFFFF"},
            },
            hovertemplate="<b>%{text}</b><br>%{customdata[1]:,.0f} lbs<br>"
            "%{customdata[0]:,} events<extra></extra>",
        )
    hidden = frame.filter(pl.col("suppressed"))
    if hidden.height:
        fig.add_scattergeo(
            lon=hidden["longitude"].to_list(),
            lat=hidden["latitude"].to_list(),
            text=hidden["name"].to_list(),
            name=SUPPRESSED_NAME,
            marker={"size": 9, "color": "rgba(0,0,0,0)", "line": {"width": 2, "color": MUTED}},
            hovertemplate="<b>%{text}</b><br>suppressed<extra></extra>",
        )
    fig.update_geos(
        scope="north america",
        resolution=110,
        projection_type="albers",
        fitbounds="locations",
        showland=True,
        landcolor="#F0F2F5",
        showcountries=True,
        countrycolor="#9AA5B1",
        showsubunits=True,
        subunitcolor="#CBD2D9",
        showlakes=False,
        bgcolor="rgba(0,0,0,0)",
    )
    fig.update_layout(
        legend={"orientation": "h", "y": -0.02, "x": 0},
        margin={"l": 0, "r": 0, "t": 8, "b": 8},
        title=None,
    )
    fig.layout.meta = {"measure": label}
    return fig


def doses_figure(frame: pl.DataFrame) -> go.Figure:
    """The dose range per fiscal year, and the "if pure" ceiling as a marker above it."""
    years = frame.with_columns(
        (
            "FY"
            + pl.col("fiscal_year").cast(pl.Utf8)
            + pl.when(pl.col("provisional")).then(pl.lit(" (provisional)")).otherwise(pl.lit(""))
        ).alias("year")
    )
    fig = dose_range_figure(years, "year")
    shown = years.filter(~pl.col("suppressed") & (pl.col("doses_high") > 0))
    fig.add_scatter(
        x=shown["year"].to_list(),
        y=shown["doses_if_pure"].to_list(),
        mode="markers",
        name="If it were pure fentanyl (ceiling)",
        marker={"symbol": "diamond", "size": 10, "color": PALETTE[5]},
        hovertemplate="%{x}: %{y:,.0f} if pure<extra></extra>",
    )
    fig.update_layout(
        showlegend=True,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        margin={"t": 40},
    )
    return fig


def modes_figure(frame: pl.DataFrame, measure: str) -> go.Figure:
    """Each mode of transport by ``measure`` (pounds or events), largest at the top."""
    fig = _figure()
    unit = MEASURE_UNITS[measure]
    ordered = frame.sort(pl.col(measure).fill_null(0))
    shown = ordered.filter(~pl.col("suppressed"))
    fig.add_bar(
        x=shown[measure].to_list(),
        y=shown["mode"].to_list(),
        orientation="h",
        name=unit,
        marker_color=PALETTE[2],
        text=[f"{v:,.0f} {unit}" for v in shown[measure].to_list()],
        textposition="outside",
        cliponaxis=False,
        hovertemplate="%{y}: %{x:,.0f} " + unit + "<extra></extra>",
    )
    _suppressed_labels(fig, ordered.filter(pl.col("suppressed"))["mode"].to_list(), 0, True)
    top = shown[measure].max() or 1
    fig.update_layout(
        xaxis={
            "title": "Pounds" if measure == "lbs" else "Seizure events",
            "range": [0, top * 1.3],
        },
        yaxis={"categoryorder": "array", "categoryarray": ordered["mode"].to_list()},
        showlegend=False,
        margin={"l": 8, "r": 24, "t": 8, "b": 8},
    )
    return fig


def dose_range_figure(frame: pl.DataFrame, label: str, horizontal: bool = False) -> go.Figure:
    """A floating bar per row of ``frame`` from its low to its high dose estimate (log scale),
    placed by the ``label`` column (categories, or months on a date axis); suppressed rows say
    so."""
    fig = _figure()
    dates = frame.schema[label] == pl.Date
    shown = frame.filter(~pl.col("suppressed") & (pl.col("doses_high") > 0))
    names = shown[label].to_list()
    span = (shown["doses_high"] - shown["doses_low"]).to_list()
    position = (
        {"y": names, "x": span, "orientation": "h"} if horizontal else {"x": names, "y": span}
    )
    where = "%{x|%b %Y}" if dates else "%{" + ("y" if horizontal else "x") + "}"
    fig.add_bar(
        **position,
        base=shown["doses_low"].to_list(),
        name="Estimated range",
        marker_color=PALETTE[0],
        customdata=shown.select("doses_low", "doses_high").to_numpy(),
        hovertemplate=where
        + ": %{customdata[0]:,.0f} to %{customdata[1]:,.0f} doses<extra></extra>",
    )
    low = shown["doses_low"].min() if shown.height else 1
    hidden = frame.filter(pl.col("suppressed"))[label].to_list()
    _suppressed_labels(fig, hidden, max(low or 1, 1), horizontal=horizontal)
    # log: the low and high ends differ about 840-fold, and on a linear axis every low end would
    # sit on the zero line (the summary and the methods page say so)
    axis = {"type": "log", "title": "Doses (log scale)"}
    order = (
        {"type": "date"}
        if dates
        else {"categoryorder": "array", "categoryarray": frame[label].to_list()}
    )
    fig.update_layout(
        xaxis=axis if horizontal else order,
        yaxis=order if horizontal else axis,
        showlegend=False,
        bargap=0.1,
        margin={"l": 8, "r": 24, "t": 8, "b": 8},
    )
    return fig


def modes_years_figure(
    frame: pl.DataFrame, measure: str, fiscal_year: int, top: int = 6
) -> go.Figure:
    """A line per mode across fiscal years, for the ``top`` modes of ``fiscal_year`` (the table
    holds them all). A suppressed year is a gap in its line, never a zero."""
    fig = _figure()
    unit = MEASURE_UNITS[measure]
    modes = frame.filter(pl.col("mode") != "All modes")
    latest = modes.filter(pl.col("fiscal_year") == fiscal_year)
    ranked = latest.filter(pl.col(measure) > 0).sort(measure, descending=True)
    leaders = ranked["mode"].head(top)
    for i, mode in enumerate(leaders.to_list()):
        part = modes.filter(pl.col("mode") == mode).sort("fiscal_year")
        fig.add_scatter(
            x=[f"FY{y}" for y in part["fiscal_year"].to_list()],
            y=part[measure].to_list(),
            mode="lines+markers",
            name=mode,
            connectgaps=False,
            line={"color": PALETTE[i % len(PALETTE)], "width": 2},
            hovertemplate=mode + ", %{x}: %{y:,.0f} " + unit + "<extra></extra>",
        )
    fig.update_layout(
        yaxis_title="Pounds" if measure == "lbs" else "Seizure events",
        # above the plot: below it, a phone's slanted year labels ran into it
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        margin={"l": 8, "r": 8, "t": 8, "b": 8},
    )
    return fig
