"""Finish the app's one-time set-up before the server takes its first request.

Dash registers the callbacks on the first request, and marks that done *before* doing it; two
requests arriving together at a fresh gunicorn worker can therefore be answered while the set-up
is half done (``/_dash-dependencies`` listing 2 callbacks instead of 50, a page whose charts never
load). One request made in-process while the app is built closes that window.

Then the objects that live as long as the process (modules, Dash's registry, plotly's property
validators) are moved out of the garbage collector's sight. A full collection walks every
tracked object: with the app loaded that is about 200,000 of them, and the walk's time was
taken from whichever request happened to allocate at that moment: it was the slowest request of
the benchmark's warm replays (a status card answering some sixty times slower than usual).
"""

from __future__ import annotations

import gc

import plotly.graph_objects as go
from dash import Dash

from accounts.web import SETUP


def finish_setup(app: Dash) -> Dash:
    response = app.server.test_client().get("/_dash-dependencies", environ_base={SETUP: True})
    if response.status_code != 200:
        raise RuntimeError(f"the app could not set itself up: HTTP {response.status_code}")
    _load_figure_machinery()
    freeze_survivors()
    return app


def _load_figure_machinery() -> None:
    """Build one figure of each trace type the pages draw: plotly creates its validators on
    first use, and they should be loaded (and frozen) before the first request, not after."""
    figure = go.Figure(
        [
            go.Bar(x=["a"], y=[1], customdata=[[1]], marker={"color": "#000"}),
            go.Scatter(x=["a"], y=[1], mode="lines+markers", line={"dash": "dot"}),
            go.Sankey(
                node={"label": ["a", "b"]}, link={"source": [0], "target": [1], "value": [1]}
            ),
        ],
        layout=go.Layout(title="warm", xaxis={"title": "x"}, yaxis={"title": "y"}, barmode="stack"),
    )
    figure.to_plotly_json()


def freeze_survivors() -> int:
    """Collect what is garbage now, then exempt every surviving object from later collections
    (``gc.freeze``); returns how many objects are frozen. Call it once the process has loaded
    what it keeps: objects made later are collected as usual, and frozen ones are still freed
    by reference counting when dropped."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
