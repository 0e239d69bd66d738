"""The public app's chrome: the page template, the navigation bar and footer around the pages,
a Dash that says nothing about the server, and the rule that keeps a view's filters consistent.
The app itself is assembled in ``public/app.py``.
"""

from __future__ import annotations

import re

import dash
import dash_bootstrap_components as dbc
from dash import Dash, dcc, html

from public import extract as px

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


VERSION_KEYS = (
    "python_version",
    "dash_version",
    "plotly_version",
    "ddk_version",
    "dash_version_url",
)
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
