"""One colour-blind-safe palette and one plotly template for every chart in the app.

The palette is Okabe & Ito's (2008), distinguishable under the common colour-vision deficiencies.
Figures are built with ``template=TEMPLATE`` so a change here restyles the whole app.
"""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

PALETTE = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
)
MUTED = "#9AA5B1"  # "all others", modelled months
INK = "#1F2933"
CATEGORY_COLOURS = {
    "drug": PALETTE[0],
    "precursor": PALETTE[1],
    "equipment": PALETTE[2],
    "other": MUTED,
}
TEMPLATE = "chokepoint"
# No modebar: it sat on the top bar of every ranked chart (desktop and phone); each card has
# its CSV link and a table alternative, and the browser prints and saves the page.
GRAPH_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "displayModeBar": False,
}


def register_template() -> None:
    """Register the app template with plotly (idempotent)."""
    if TEMPLATE in pio.templates:
        return
    pio.templates[TEMPLATE] = go.layout.Template(
        layout=go.Layout(
            font={
                "family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif",
                "size": 13,
                "color": INK,
            },
            colorway=list(PALETTE),
            paper_bgcolor="rgba(0,0,0,0)",
            plot_bgcolor="rgba(0,0,0,0)",
            margin={"l": 8, "r": 8, "t": 36, "b": 8},
            hoverlabel={"font": {"family": "system-ui, sans-serif"}},
            xaxis={"gridcolor": "#E4E7EB", "zeroline": False, "automargin": True},
            yaxis={"gridcolor": "#E4E7EB", "zeroline": False, "automargin": True},
            legend={"orientation": "h", "y": -0.15},
            title={"font": {"size": 15}, "x": 0, "xanchor": "left"},
        )
    )
