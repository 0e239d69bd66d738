"""Talking to the public app over HTTP, as a browser or an attacker would: shared by the
``test_public_*`` modules (the server itself is the ``public_site`` fixture in ``conftest.py``).
"""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request

from bench.public_load import route_payload

ROUTER = ".._pages_content.children..._pages_store.data.."
PUBLIC_PAGES = ("/", "/trends", "/map", "/doses", "/modes", "/methods")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(base: str, path: str, body: dict | bytes | None = None, method: str | None = None):
    """(status, headers, body text) of one request; HTTP errors are answers, not exceptions."""
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    request = urllib.request.Request(
        base + path, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers, response.read().decode(errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read().decode(errors="replace")


def route(base: str, path: str, search: str = ""):
    """What Dash's page router asks the server when the browser opens ``path + search``."""
    return fetch(base, "/_dash-update-component", route_payload(path, search))
