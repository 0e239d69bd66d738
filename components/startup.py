"""Finish Dash's one-time set-up before the server takes its first request.

Dash registers the callbacks on the first request, and marks that done *before* doing it; two
requests arriving together at a fresh gunicorn worker can therefore be answered while the set-up
is half done (``/_dash-dependencies`` listing 2 callbacks instead of 50, a page whose charts never
load). One request made in-process while the app is built closes that window.
"""

from __future__ import annotations

from dash import Dash


def finish_setup(app: Dash) -> Dash:
    response = app.server.test_client().get("/_dash-dependencies")
    if response.status_code != 200:
        raise RuntimeError(f"the app could not set itself up: HTTP {response.status_code}")
    return app
