"""The public app's HTTP edge: strict headers on every response, query strings checked before
anything runs, only the public app's own callbacks dispatched, and CSV downloads of exactly the
frames the views show.

Imports nothing internal: only ``public.extract`` and ``public.doses``.
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from urllib.parse import parse_qs, urlencode

import dash
import polars as pl
from dash.fingerprint import check_fingerprint
from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException
from werkzeug.serving import WSGIRequestHandler

import settings
from public import extract as px
from public.doses import with_doses
from queries.executor import QueryError

View = Callable[[px.PublicQuery, px.Extract], pl.DataFrame]

DOWNLOADS: dict[str, View] = {
    "headline": px.headline,
    "drug-mix": px.drug_mix,
    "monthly": px.monthly,
    "areas": px.areas,
    "area-months": px.area_months,
    "doses": lambda q, info: with_doses(px.fentanyl_by_year(q, info)),
    "modes": px.modes,
    "modes-years": px.modes_by_year,
    "modes-other": px.modes_other,
    "yearly-by-drug": px.yearly_by_drug,
}
DASH_PREFIXES = ("/_dash-", "/assets/", "/_favicon.ico")
SUITES = "/_dash-component-suites/"
NAME = re.compile(r"[a-z][a-z-]{0,31}")
MAX_BODY = 64 * 1024  # the public callbacks take a few hundred bytes
ROUTER_OUTPUT = ".._pages_content.children..._pages_store.data.."


class PageCache:
    """Rendered pages, by extract version, path and query string, least recently used first.

    A public page is a pure function of its URL and the extract, and the extract changes only
    when it is republished (its version is part of the key), so a rendered page can be served
    again as it is. The cache holds at most the megabytes its ``setting`` names, per process.
    """

    def __init__(self, setting: str = "public_page_cache_mb") -> None:
        self.max_bytes = settings.get(setting) * 1024 * 1024
        self._items: OrderedDict[tuple, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: tuple) -> bytes | None:
        with self._lock:
            body = self._items.get(key)
            if body is not None:
                self._items.move_to_end(key)
            return body

    def put(self, key: tuple, body: bytes) -> None:
        if len(body) > self.max_bytes // 8:
            return
        with self._lock:
            if key in self._items:
                return
            self._items[key] = body
            self._size += len(body)
            while self._size > self.max_bytes:
                _, old = self._items.popitem(last=False)
                self._size -= len(old)


DOWNLOAD_CACHE = PageCache("public_download_cache_mb")


class QuietRequestHandler(WSGIRequestHandler):
    """The development server without its version banner (``Werkzeug/x Python/y``)."""

    def version_string(self) -> str:
        return "chokepoint"


def _text(message: str, status: int) -> Response:
    return Response(message + "\n", status=status, mimetype="text/plain")


def query_args() -> dict[str, str | list[str]]:
    """The request's query string as a mapping; a repeated key gives a list (refused later)."""
    return {k: (v[0] if len(v) == 1 else v) for k, v in request.args.lists()}


def parse_request_query() -> tuple[px.PublicQuery | None, px.Extract | None, str | None]:
    info = px.extract()
    try:
        if info is None:
            return px.parse_query(query_args(), []), None, None
        return px.parse(query_args(), info), info, None
    except px.BadQuery as exc:
        return None, info, str(exc)


def download_href(name: str, q: px.PublicQuery) -> str:
    query = urlencode(q.to_query())
    return f"/download/{name}.csv" + (f"?{query}" if query else "")


def download(name: str) -> Response:
    view = DOWNLOADS.get(name) if NAME.fullmatch(name) else None
    if view is None:
        return _text("No such download.", 404)
    q, info, error = parse_request_query()
    if error:
        return _text(f"Bad link: {error}.", 400)
    if info is None:
        return _text("No public extract has been published yet.", 503)
    key = ("download", info.version, name, tuple(sorted(q.to_query().items())))
    body = DOWNLOAD_CACHE.get(key)
    if body is None:
        try:
            frame = view(q, info)
        except QueryError:
            return _text("The download failed.", 500)
        body = (px.csv_frame(frame, info).write_csv() if frame.height else "no data\n").encode()
        DOWNLOAD_CACHE.put(key, body)
    parts = ["chokepoint-public", name, *q.to_query().values(), f"asof-{info.as_of}"]
    filename = "-".join(px.slug(p) for p in parts) + ".csv"
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def page_paths() -> set[str]:
    return {page["path"] for page in dash.page_registry.values()}


def content_security_policy(app: dash.Dash) -> str:
    """Only this origin. Dash's one inline script is allowed by its hash; plotly draws its own
    ``<style>`` elements, so styles need 'unsafe-inline'; no 'unsafe-eval' is needed."""
    scripts = " ".join(["'self'", *app.csp_hashes()])
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src {scripts}",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            "form-action 'self'",
        )
    )


def _declared_id(spec: dict) -> str | dict:
    """A declared input's id as the browser sends it: a plain id as text, a pattern-matching
    id (Dash gives it as JSON text) as its wildcard dict."""
    text = spec["id"]
    return json.loads(text) if text.startswith("{") else text


def _matches(item: object, spec: dict) -> bool:
    """Whether one input or state item of a callback body is the declared one."""
    expected = _declared_id(spec)
    if isinstance(expected, str):
        return (
            isinstance(item, dict)
            and item.get("id") == expected
            and item.get("property") == spec["property"]
        )
    # ALL / MATCH / ALLSMALLER: a list of items whose ids share the pattern's fixed keys
    fixed = {k: v for k, v in expected.items() if not isinstance(v, list)}
    entries = item if isinstance(item, list) else [item]
    return all(
        isinstance(e, dict)
        and isinstance(e.get("id"), dict)
        and set(e["id"]) == set(expected)
        and all(e["id"].get(k) == v for k, v in fixed.items())
        and e.get("property") == spec["property"]
        for e in entries
    )


def body_error(body: object, spec: dict) -> str | None:
    """Why a callback body does not match its callback's declaration (inputs and state, each
    in declared order and number), or None. Dash reads inputs by position, so anything else
    (an input twice, one missing, an extra one) is refused before any callback or cache sees
    it: a cache keyed on what a guard read by name would not be what Dash computed."""
    if not isinstance(body, dict):
        return "the body is not a JSON object"
    for part in ("inputs", "state"):
        declared = spec.get(part) or []
        items = body.get(part, [] if part == "state" else None)
        if not isinstance(items, list) or len(items) != len(declared):
            return f"{part}: expected {len(declared)} item(s)"
        for item, declared_item in zip(items, declared, strict=True):
            if not _matches(item, declared_item):
                return f"{part}: not the callback's declared {part}"
    return None


def _route(body: dict) -> tuple[str, str] | None:
    """(pathname, search) of a request to Dash's page router, read by position exactly as Dash
    reads them (the body was checked against the declaration); None when it names no public
    page, so an internal page's path gets the same 404 over a callback as over a plain GET."""
    path, search = (item.get("value") for item in body["inputs"])
    search = search or ""
    if not isinstance(path, str) or not isinstance(search, str):
        return None
    if path.rstrip("/") not in {p.rstrip("/") for p in page_paths()}:
        return None
    return path, search


def _valid_search(search: str, info: px.Extract) -> bool:
    args = parse_qs(search[1:], keep_blank_values=True) if search.startswith("?") else {}
    flat = {k: v[0] if len(v) == 1 else v for k, v in args.items()}
    try:
        px.parse(flat, info)
    except px.BadQuery:
        return False
    return not search or search.startswith("?")


def _suite_error(app: dash.Dash, rest: str) -> Response | None:
    """A component-suite path must name a registered package and one of its registered files
    (fingerprint aside): a path that climbs out is a 400, an unknown file a 404, never an
    exception in Dash (a 500)."""
    package, _, file = rest.partition("/")
    if ".." in file.split("/") or "//" in file or "\\" in file:
        return _text("Bad request: not a file path.", 400)
    registered = app.registered_paths.get(package)
    if not registered or not file:
        return _text("Not found.", 404)
    plain, _fingerprinted = check_fingerprint(file)
    return None if plain in registered else _text("Not found.", 404)


def register_public_http(app: dash.Dash) -> None:
    """Guard the public server: register after ``Dash(...)`` so Dash's own first-request set-up
    (its callback map, the page router) has run when these checks look at it."""
    server: Flask = app.server
    server.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    cache = PageCache()
    server.add_url_rule("/download/<name>.csv", "public_download", download, methods=["GET"])

    @server.before_request
    def guard() -> Response | None:
        path = request.path
        if path == "/_dash-update-component":
            body = request.get_json(silent=True)
            output = body.get("output") if isinstance(body, dict) else None
            if not isinstance(output, str):
                return _text("Bad request: not a callback request.", 400)
            if output not in app.callback_map:
                return _text("No such callback.", 404)
            error = body_error(body, app.callback_map[output])
            if error:
                return _text(f"Bad request: {error}.", 400)
            if output != ROUTER_OUTPUT:
                return None
            route = _route(body)
            if route is None:
                return _text("Not found.", 404)
            info = px.extract()
            if info is None or not _valid_search(route[1], info):
                return None  # the page explains the problem; such answers are not kept
            g.page_key = (info.version, *route)
            cached = cache.get(g.page_key)
            return Response(cached, mimetype="application/json") if cached else None
        if path.startswith(SUITES):
            return _suite_error(app, path[len(SUITES) :])
        if path.startswith(DASH_PREFIXES) or path.startswith("/download/"):
            return None
        if request.method not in ("GET", "HEAD"):
            return _text("Method not allowed.", 405)
        if path.rstrip("/") not in {p.rstrip("/") for p in page_paths()}:
            return _text("Not found.", 404)
        _q, _info, error = parse_request_query()
        if error:
            return _text(f"Bad link: {error}.", 400)
        return None

    @server.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        """Errors in plain words, with no page of the framework's naming it or its version."""
        return _text(f"{exc.name}.", exc.code or 500)

    @server.errorhandler(Exception)
    def server_error(exc: Exception) -> Response:
        """The trace goes to the server's log, for whoever runs it; the answer names nothing."""
        server.logger.error("unhandled error on %s", request.path, exc_info=exc)
        return _text("Server error.", 500)

    @server.after_request
    def headers(response: Response) -> Response:
        key = g.pop("page_key", None)
        if key is not None and response.status_code == 200 and not response.direct_passthrough:
            cache.put(key, response.get_data())
        response.headers["Content-Security-Policy"] = content_security_policy(app)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if request.path.startswith("/download/"):
            response.headers["Cache-Control"] = "no-store"
        return response
