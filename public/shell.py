"""The public app: a separate, read-only Dash instance over the public extract only.

It is built from the ``public`` package (pages in ``public/pages/``), which imports nothing
internal: the internal pages, the filter bar, live updates, cross-filtering and the exports are
never imported in a public process, so their callbacks do not exist there. Its data is the
disclosure-controlled extract in ``$CHOKEPOINT_DATA/public/``, read through a DuckDB database
confined to that folder. The pages render from the URL on the server (``layout(**query)``), so
the only callback of its own rewrites the URL when a filter changes.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Dash, Input, Output, State, ctx, dcc, html
from dash.exceptions import PreventUpdate

from components.startup import finish_setup
from components.theme import register_template
from public import extract as px
from public.extract import KEYS
from public.http import page_paths, register_public_http
from public.ui import ANY, FILTER

ROOT = Path(__file__).resolve().parents[1]
URL = "public-url"

INDEX = """<!DOCTYPE html>
<html lang="en">
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
    </head>
    <body class="public-app">
        <a class="skip-link" href="#main">Skip to the figures</a>
        {%app_entry%}
        <div class="dash-scripts">
            {%config%}
            {%scripts%}
            {%renderer%}
        </div>
    </body>
</html>"""


def navbar() -> dbc.Navbar:
    links = [
        dbc.NavItem(dbc.NavLink(page["name"], href=page["relative_path"], active="exact"))
        for page in dash.page_registry.values()
    ]
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand("Chokepoint · public view", href="/", className="fw-bold"),
                dbc.NavbarToggler(id="public-nav-toggle"),
                dbc.Collapse(dbc.Nav(links, navbar=True), id="public-nav", navbar=True),
            ],
            fluid=True,
        ),
        color="dark",
        dark=True,
        expand="lg",
        className="mb-3",
    )


def shell() -> html.Div:
    return html.Div(
        [
            dcc.Location(id=URL, refresh="callback-nav"),
            html.Header(navbar()),
            html.Main(dbc.Container(dash.page_container, fluid="lg"), id="main", tabIndex="-1"),
            html.Footer(
                dbc.Container(
                    html.P(
                        "Public, read-only view of aggregated seizure statistics. Methods, "
                        "sources and what the numbers do and do not mean: see Methods.",
                        className="small mb-0",
                    ),
                    fluid="lg",
                ),
                className="public-footer py-3 mt-4",
            ),
        ]
    )


VERSION_KEYS = ("python_version", "dash_version", "plotly_version", "ddk_version",
                "dash_version_url")  # fmt: skip
FINGERPRINT = re.compile(r"\.v[\w-]+?m([0-9a-fA-F]+)\.")
FAVICON_VERSION = re.compile(r"(_favicon\.ico)\?v=[^\"&]*")


class PublicDash(Dash):
    """Dash saying nothing about the server: no Python or library versions in the page's
    config, in the scripts' cache fingerprints or in the favicon link; no page meta tags built
    from the request (Dash's pages write the Host header into ``twitter:url``)."""

    def _config(self) -> dict:
        config = super()._config()
        for key in VERSION_KEYS:
            config.pop(key, None)
        return config

    def index(self, *args, **kwargs) -> str:
        page = super().index(*args, **kwargs)
        page = FINGERPRINT.sub(r".v0m\1.", page)  # still a fingerprint Dash serves and caches
        return FAVICON_VERSION.sub(r"\1", page)


def consistent_filters(
    chosen: dict[str, str], changed: str | None, info: px.Extract | None
) -> dict[str, str]:
    """The filters after one changed, made to agree: a new region or component drops an office
    outside it, a picked office brings its own region and component, and a drug other than
    fentanyl drops the potential-doses measure."""
    out = dict(chosen)
    area = next((a for a in info.areas if a.slug == out.get("area")), None) if info else None
    if area is not None:
        region, component = px.slug(area.region), area.component.lower()
        if changed == "area":
            out["region"], out["component"] = region, component
        elif out.get("region", region) != region or out.get("component", component) != component:
            out.pop("area")
    if out.get("measure") == "lbs" or (
        out.get("measure") == "doses" and out.get("drug") != "fentanyl"
    ):
        out.pop("measure")  # pounds are every page's default, so a link without it says the same
    return out


def create_public_app(name: str) -> Dash:
    """The public app; ``name`` is the importing module's name, which Dash uses to find the
    project root (and so ``public/pages/``)."""
    register_template()
    app = PublicDash(
        name,
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
    return finish_setup(app)
