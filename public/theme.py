"""The public charts' palette and plotly template.

The same values as the internal app's ``components/theme.py`` (Okabe & Ito's colour-blind-safe
palette), kept here because the public instance imports nothing internal. Its template has a
name of its own: a process that loads both (the test run) keeps one template per app instead of
whichever registered first.
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
MUTED = "#9AA5B1"  # suppressed and provisional values
INK = "#1F2933"
TEMPLATE = "chokepoint-public"


def register_template() -> None:
    """Register the public template with plotly (idempotent)."""
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
