"""The public app: a separate, read-only Dash instance over the public extract only.

Built from this package alone: the internal pages, the filter bar, live updates, cross-filtering
and the exports are never imported in a public process, so their callbacks do not exist there.
Its data is the disclosure-controlled extract in ``$CHOKEPOINT_DATA/public/``, read through a
DuckDB database confined to that folder. The pages render from the URL on the server
(``layout(**query)``), so the only callbacks of its own rewrite the URL when a filter changes and
fold the menu on a phone.

    python app.py --public [--host H] [--port P]
    gunicorn 'public.app:server()'

Nothing here touches data at import time: DuckDB opens lazily in each worker, after any fork.
"""

from __future__ import annotations

import gc
import importlib
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import plotly.graph_objects as go
from dash import ALL, Dash, Input, Output, State, ctx
from dash.exceptions import PreventUpdate

from public import extract as px
from public.extract import KEYS
from public.http import page_paths, register_public_http
from public.shell import INDEX, URL, PublicDash, consistent_filters, shell
from public.theme import register_template
from public.ui import ANY, FILTER

ROOT = Path(__file__).resolve().parents[1]
# Dash names the page modules after the app's package (``public.pages.overview``) and finds
# the pages and assets from ROOT, whichever entry point (app.py, gunicorn, a test) built it.
NAME = __package__


def create_app() -> Dash:
    """The public app, ready to serve: pages registered, callbacks set up, start-up frozen."""
    register_template()
    app = PublicDash(
        NAME,
        use_pages=True,
        include_pages_meta=False,
        pages_folder=str(ROOT / "public" / "pages"),
        assets_folder=str(ROOT / "assets"),
        serve_locally=True,
        title="Chokepoint · public view",
        update_title=None,
        suppress_callback_exceptions=True,
        index_string=INDEX,
        meta_tags=[
            {"name": "viewport", "content": "width=device-width, initial-scale=1"},
            {"name": "description", "content": "Drug seizures at U.S. borders, from CBP data."},
        ],
    )
    app.layout = shell

    @app.callback(
        Output(URL, "href"),
        Input({"type": FILTER, "key": ALL}, "value"),
        State({"type": FILTER, "key": ALL}, "id"),
        State(URL, "pathname"),
        State(URL, "search"),
        prevent_initial_call=True,
    )
    def apply_filters(
        values: list[str | None], ids: list[dict], pathname: str | None, search: str | None
    ) -> str:
        """A changed filter becomes a new URL; the page renders from it on the server.

        The URL the page already shows is not pushed again: a page rendered from the URL
        (after a filter change, or Back) fires this with the same filters, and a second history
        entry for them made Back land on the view it was leaving."""
        chosen = {
            i["key"]: v
            for i, v in zip(ids, values, strict=True)
            if v and v != ANY and i["key"] in KEYS
        }
        changed = ctx.triggered_id["key"] if isinstance(ctx.triggered_id, dict) else None
        chosen = consistent_filters(chosen, changed, px.extract())
        query = urlencode([(k, chosen[k]) for k in KEYS if k in chosen])  # one order per view
        path = pathname if pathname in page_paths() else "/"
        if path == pathname and sorted(parse_qsl(query)) == sorted(parse_qsl((search or "")[1:])):
            raise PreventUpdate
        return path + (f"?{query}" if query else "")

    @app.callback(
        Output("public-nav", "is_open"),
        Input("public-nav-toggle", "n_clicks"),
        State("public-nav", "is_open"),
        prevent_initial_call=True,
    )
    def toggle_menu(_clicks: int | None, is_open: bool | None) -> bool:
        """The navigation folds into a menu button on a phone."""
        return not is_open

    register_public_http(app)
    return _finish_setup(app)


def server():
    """The public app's WSGI server, for ``gunicorn 'public.app:server()'``."""
    return create_app().server


def _finish_setup(app: Dash) -> Dash:
    """Finish the one-time set-up before the first request, then freeze what the process keeps.

    Dash registers callbacks on the first request and marks that done before doing it, so two
    requests arriving together at a fresh gunicorn worker could be answered half set up; one
    request made here closes that window. Plotly builds a trace type's validators on first use:
    one figure of each type the public pages draw loads them now. Then every surviving object
    leaves the garbage collector's full walks (``gc.freeze``), which otherwise landed on
    whichever request allocated at the wrong moment (the internal app's ``components/startup.py``
    measured it; the public app may not import it).

    numpy is imported here too: polars and plotly load it lazily, and the public process loads
    nothing else that imports it, so two request threads could each reach its first import at
    once, and one saw a half-initialized module (plotly: "partially initialized module 'numpy'
    has no attribute 'ndarray'", a 500 under load).
    """
    importlib.import_module("numpy")
    response = app.server.test_client().get("/_dash-dependencies")
    if response.status_code != 200:
        raise RuntimeError(f"the public app could not set itself up: HTTP {response.status_code}")
    go.Figure(
        [
            go.Bar(x=["a"], y=[1], customdata=[[1]], marker={"color": "#000"}),
            go.Scatter(x=["a"], y=[1], mode="lines+markers", line={"dash": "dot"}),
            go.Scattergeo(lon=[-100], lat=[40], mode="markers", marker={"size": 4}),
        ],
        layout=go.Layout(
            title="warm",
            xaxis={"title": "x"},
            yaxis={"title": "y"},
            barmode="stack",
            geo={"projection": {"type": "albers"}, "showland": True},
        ),
    ).to_plotly_json()
    gc.collect()
    gc.freeze()
    return app
