"""The internal analyst and leadership app: every page under ``pages/``, the global filter bar,
live updates, cross-filtering and CSV exports.

Kept apart from ``app.py`` so that the public process never imports it: its callbacks register
at import time (Dash moves module-level callbacks into the first app that serves a request), and
the public app must not even contain them.
"""

from __future__ import annotations

import logging
from pathlib import Path

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Dash, Input, Output, callback, clientside_callback, dcc, html

import settings
from accounts import policy, web
from components import filter_bar, live, xfilter  # noqa: F401  (callbacks register on import)
from components.exports import register_export_routes
from components.startup import finish_setup, freeze_survivors
from components.theme import register_template
from lake.layout import data_version
from pages import (  # callbacks register on import
    audit,
    explorer,
    health,
    overview,
    referrals,
    targeting,
)
from queries import seizure_stats
from queries import targeting as targeting_queries
from queries.cbp_published import published_through
from queries.gateway import default_gateway
from queries.shutdown import exiting, lowest_priority_thread, pause, start_background
from targeting import emerging_cache

ROOT = Path(__file__).resolve().parent
PAGES = (overview, explorer, targeting, referrals, health, audit)


def navbar() -> dbc.Navbar:
    """The pages this user's role may open (the others are refused by the server too), and who
    is signed in with a way out."""
    identity = web.current()
    role = identity.role if identity else ""
    links = [
        dbc.NavItem(
            dbc.NavLink(
                page["name"],
                href=page["relative_path"],
                active="exact",
                id={"type": "nav-link", "path": page["relative_path"]},
            )
        )
        for page in dash.page_registry.values()
        if identity and policy.may_open(role, page["path"])
    ]
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand("Chokepoint", href="/", className="fw-bold"),
                dbc.Nav(links, navbar=True, className="me-auto flex-wrap"),
                html.Span(id="app-freshness", className="navbar-text small text-light me-2"),
                live.badge(),
                *(account_menu(identity) if identity else []),
            ],
            fluid=True,
        ),
        color="dark",
        dark=True,
        expand=True,  # four short links stay in a row (wrapping) on a phone, not a column
        className="mb-3 d-print-none flex-wrap",
    )


def account_menu(identity: web.Identity) -> list:
    """Who is signed in, as what, and a sign-out button (a form post with its CSRF token)."""
    return [
        html.Span(
            [html.Span(identity.name, className="fw-semibold"), f" · {identity.role}"],
            id="app-user",
            className="navbar-text small text-light ms-2 me-2",
        ),
        html.Form(
            [
                dcc.Input(type="hidden", name="csrf_token", value=web.csrf_token()),
                html.Button(
                    "Sign out",
                    type="submit",
                    id="app-sign-out",
                    className="btn btn-sm btn-outline-light",
                ),
            ],
            action="/logout",
            method="post",
            className="d-inline",
        ),
    ]


def footer() -> html.Footer:
    return html.Footer(
        id="app-footer", className="app-footer small text-muted mt-4 py-3 border-top"
    )


def footer_text() -> list:
    as_of = seizure_stats.as_of()
    through = published_through()
    if as_of is None:
        return [html.Span("No data loaded yet. `make run` builds the demo lake.")]
    parts = [
        html.Span(f"Data as of {as_of:%d %b %Y}. "),
        html.Span(
            f"Published CBP totals through {through:%B %Y}; later months are modelled. "
            if through
            else ""
        ),
        html.Strong("Synthetic records: "),
        html.Span(
            "each seizure event is synthetic. Monthly counts and pounds by field office or sector "
            "and drug type equal CBP's published figures; the port, mode, countries, pills, "
            "concealment, precursor and equipment seizures, shipments and referrals are modelled. "
        ),
        html.Span(f"Data version {data_version()}.", className="font-monospace"),
    ]
    return parts


def shell() -> html.Div:
    """The page frame around every page: URL, navigation, the global filters, footer."""
    return html.Div(
        [
            dcc.Location(id=filter_bar.URL, refresh=False),
            dcc.Store(id=filter_bar.CARD_VIEW),
            dcc.Store(id=filter_bar.URL_VIEW),
            dcc.Store(id=filter_bar.COMPARE_VIEW),
            dcc.Store(id=xfilter.CLICK),
            live.layout(),
            navbar(),
            dbc.Container(
                [filter_bar.layout(seizure_stats.as_of()), dash.page_container, footer()],
                fluid=True,
            ),
        ]
    )


# Navigation keeps the current filters, so moving between pages never loses the view. In the
# browser: a server round trip per URL change only to append the search to four links took one
# of the browser's six connections while the cards waited for theirs.
clientside_callback(
    """
    function(search, ids) {
        return ids.map((i) => i.path + (search || ""));
    }
    """,
    Output({"type": "nav-link", "path": ALL}, "href"),
    Input(filter_bar.URL, "search"),
    Input({"type": "nav-link", "path": ALL}, "id"),
)


@callback(
    Output("app-footer", "children"),
    Output("app-freshness", "children"),
    Input(filter_bar.URL, "pathname"),
    *live.versions("seizures", "cbp_public"),
)
def update_footer(_pathname: str | None, *_versions: str):
    as_of = seizure_stats.as_of()
    return footer_text(), (f"Data as of {as_of:%d %b %Y}" if as_of else "")


def _keep_warm() -> None:
    """Open the lake and load the hot tables as soon as the process starts, so the first
    analyst does not wait for it (gunicorn builds the app in each worker, after the fork); then
    look for new data as often as pages do, so a batch is synced and the results in use are
    recomputed (``Gateway.refresh``) before the pages open on them ask again."""
    interval = settings.get("dashboard_poll_s")
    primed = False
    while not exiting():
        try:
            gateway = default_gateway()
            gateway.refresh()
            if not primed and not exiting():  # the Targeting page's slowest card, made ready
                primed = True
                emerging_cache.cache.prime(gateway, targeting_queries.as_of(gateway))
                freeze_survivors()  # the lake's long-lived objects join the start-up ones
        except Exception as exc:  # any failure here resurfaces, with its message, on first use
            if exiting():
                return
            logging.getLogger(__name__).warning("lake refresh failed: %s", exc)
        pause(interval)


def _keep_arrays_built() -> None:
    """Build the seizure arrays (``queries/engine/arrays.py``) at start-up and again after
    each data change, in this thread at the lowest priority: a build takes about 2 s of CPU
    at a million events, which requests must not wait behind. Until a build finishes, the
    cards answer from SQL, as they do while batches arrive faster than builds."""
    lowest_priority_thread()
    interval = settings.get("dashboard_poll_s")
    while not exiting():
        try:
            default_gateway().seizure_arrays(build=True)
        except Exception as exc:  # the SQL answers meanwhile; the next look tries again
            if exiting():
                return
            logging.getLogger(__name__).warning("seizure arrays not built: %s", exc)
        pause(interval)


def create_internal_app(name: str) -> Dash:
    """The internal app: every page under ``pages/``, the global filter bar, local assets only.

    ``name`` is the importing module's name (``app``), which Dash uses to find the project root.
    The pages are registered by import, not found by Dash's walk of a pages folder: the walk
    skips a package's ``__init__.py`` (where a page package registers), and it executes each
    page file again under its own loader, after any import of it (twice-registered callbacks).
    """
    register_template()
    app = Dash(
        name,
        use_pages=True,
        pages_folder="",
        assets_folder=str(ROOT / "assets"),
        serve_locally=True,
        title="Chokepoint",
        update_title=None,
        suppress_callback_exceptions=True,
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
    )
    web.install(app.server, settings.data_dir(), app.csp_hashes)  # its guard runs first
    for page in PAGES:
        page.register()  # Dash accepts a page only once an app exists
    for page in dash.page_registry.values():
        page["layout"] = web.permitted_layout(page["path"], page["layout"])
    app.layout = shell
    register_export_routes(app.server)
    audit.register_routes(app.server)
    referrals.register_routes(app.server)
    app.server.before_request(live.catch_up_with_page)
    start_background(_keep_warm, "keep-warm")
    start_background(_keep_arrays_built, "seizure-arrays")
    return finish_setup(app)
