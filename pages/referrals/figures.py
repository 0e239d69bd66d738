"""The Referrals page's figure builders: small frames and fits in, a ``go.Figure`` out. No
queries, no Dash."""

from __future__ import annotations

import plotly.graph_objects as go

from components.theme import PALETTE, TEMPLATE, register_template
from pages.referrals.survival import Curve

# Above the plot: below it, a phone's wrapped tick labels and axis title ran into it.
LEGEND_ABOVE = {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"}


def funnel_figure(stages: list[tuple[str, int]]) -> go.Figure:
    """Seizures down to convictions: each stage's count beside its bar, and its share of the
    stage before under its name (short text: the bars of a phone's chart are narrow)."""
    register_template()
    fig = go.Figure(layout={"template": TEMPLATE})
    labels = [stages[0][0]] + [
        f"{label}<br><span style='color:#52606D'>{count / before:.0%} of the stage before</span>"
        if before
        else label
        for (label, count), (_, before) in zip(stages[1:], stages[:-1], strict=True)
    ]
    fig.add_funnel(
        y=labels,
        x=[count for _, count in stages],
        text=[f"{count:,}" for _, count in stages],
        textinfo="text",
        textposition="outside",
        cliponaxis=False,
        hovertemplate="%{y}: %{x:,}<extra></extra>",
        marker={"color": PALETTE[0]},
        connector={"fillcolor": "#DDE3EA"},
    )
    fig.update_layout(margin={"l": 8, "r": 56, "t": 8, "b": 8}, showlegend=False)
    fig.update_yaxes(automargin=True)
    return fig


def conversion_figure(
    steps: list[str], rows: list[tuple[str, int, list[int]]], step_labels: dict[str, str]
) -> go.Figure:
    """Per agency (name, referrals, count at each step): the share of its referrals that
    reached each step, one line per agency."""
    register_template()
    fig = go.Figure(layout={"template": TEMPLATE})
    labels = [step_labels[s] for s in steps]
    for i, (name, referred, counts) in enumerate(rows):
        shares = [c / referred if referred else None for c in counts]
        fig.add_scatter(
            x=labels,
            y=shares,
            name=f"{name} ({referred:,})",
            mode="lines+markers",
            line={"color": PALETTE[i % len(PALETTE)], "width": 2},
            customdata=[[c, referred] for c in counts],
            hovertemplate=f"{name}<br>%{{x}}: %{{customdata[0]:,}} of %{{customdata[1]:,}} "
            "referrals (%{y:.1%})<extra></extra>",
        )
    fig.update_yaxes(tickformat=".0%", rangemode="tozero", title="Share of referrals")
    fig.update_layout(margin={"l": 8, "r": 8, "t": 8, "b": 8}, legend=LEGEND_ABOVE)
    return fig


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def incidence_figure(curves: list[tuple[str, Curve]], phrase: str) -> go.Figure:
    """Per group (its name and fit): the share of referrals that reached the step by each day
    since the referral, a step line in a shaded 95% band; the legend says how many cases each
    curve censored at the as-of date."""
    register_template()
    fig = go.Figure(layout={"template": TEMPLATE})
    for i, (name, c) in enumerate(curves):
        colour = PALETTE[i % len(PALETTE)]
        group = f"g{i}"
        fig.add_scatter(
            x=c.days + c.days[::-1],
            y=c.upper + c.lower[::-1],
            fill="toself",
            fillcolor=_rgba(colour, 0.15),
            line={"width": 0, "shape": "hv"},
            hoverinfo="skip",
            showlegend=False,
            legendgroup=group,
        )
        fig.add_scatter(
            x=c.days,
            y=c.incidence,
            name=(
                f"{name}<br>{c.reached:,} of {c.referrals:,} reached; "
                f"{c.still_open:,} still open (censored)"
            ),
            mode="lines",
            line={"color": colour, "width": 2, "shape": "hv"},
            legendgroup=group,
            customdata=list(zip(c.lower, c.upper, strict=True)),
            hovertemplate=f"{name}<br>day %{{x}}: %{{y:.1%}} got to {phrase} "
            "(95%: %{customdata[0]:.1%}–%{customdata[1]:.1%})<extra></extra>",
        )
    fig.update_xaxes(title="Days since the referral", rangemode="tozero")
    fig.update_yaxes(title="Share of referrals", tickformat=".0%", rangemode="tozero")
    fig.update_layout(margin={"l": 8, "r": 8, "t": 8, "b": 8}, legend=LEGEND_ABOVE)
    return fig
