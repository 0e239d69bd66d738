"""The public app as a separate process, attacked over HTTP.

The public server runs in a subprocess (``python app.py --public``) on a free loopback port,
against an extract published from the demo lake: Dash moves module-level callbacks into the
first app that serves a request, so the public app must never share a process with the internal
app this test process hosts. The fixtures here are shared by the other ``test_public_*`` modules.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from bench.public_load import route_payload
from tests.public_helpers import PUBLIC_PAGES, ROUTER, fetch, route
from tests.sessions import signed_in

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def internal_callbacks(internal_app) -> list[dict]:
    """Every callback of the internal app, as its own /_dash-dependencies lists them."""
    client = signed_in(internal_app)
    return json.loads(client.get("/_dash-dependencies").get_data(as_text=True))


def _internal_paths() -> list[str]:
    """Every internal page path, read from the pages' source (``register_page(..., path=)``)."""
    paths = []
    for source in (REPO / "pages").rglob("*.py"):
        found = re.search(r"register_page\([^)]*path=\"([^\"]+)\"", source.read_text(), re.S)
        if found and found.group(1) not in PUBLIC_PAGES:
            paths.append(found.group(1))
    return paths


# What a public process may load of the project besides the ``public`` package, and why. The
# import-linter contract in pyproject.toml allows the same queries modules and forbids the rest.
ALLOWED = {
    "app": "the entry point: `python app.py --public` asks it for the public factory",
    "settings": "the data folder, cache sizes, the extract's check interval",
    "lake": "the package of lake.reference",
    "lake.reference": "region names and CBP's drug types, to check a link's values",
    "queries": "the package of the query engine",
    "queries.executor": "the DuckDB engine public/gateway.py composes",
    "queries.errors": "the errors a query ends in, raised by the engine",
    "queries.public_reads": "the extract reader's named queries (the project's SQL is in queries/)",
    "queries.result_cache": "the result cache, keyed on SQL, params and the extract's version",
    "queries.result_frame": "DuckDB results to polars frames",
    "queries.watchdog": "the query time limit",
    "queries.shutdown": "native work refused once the process exits",
}
PROBE = """
import gc, json, sys

import app

dash_app = app.create_app(public=True)
numpy_at_start = "numpy" in sys.modules
client = dash_app.server.test_client()
statuses = [client.get(path).status_code for path in ("/", "/download/monthly.csv")]
for payload in json.load(sys.stdin):
    statuses.append(client.post("/_dash-update-component", data=payload,
                                content_type="application/json").status_code)
print(json.dumps({"modules": sorted(sys.modules), "callbacks": sorted(dash_app.callback_map),
                  "statuses": statuses, "frozen": gc.get_freeze_count(),
                  "numpy_at_start": numpy_at_start}))
"""


def project_names() -> set[str]:
    """The top-level names of the project's own code: each folder of Python files or of
    packages (``pages/`` holds only packages) and each module at the repository's root (so a
    package added later is covered too)."""
    names = {p.stem for p in REPO.glob("*.py")}
    names |= {
        p.name
        for p in REPO.iterdir()
        if p.is_dir()
        and not p.name.startswith(".")
        and (any(p.glob("*.py")) or any(p.glob("*/__init__.py")))
    }
    return names


@pytest.fixture(scope="module")
def public_process(public_data) -> dict:
    """A fresh process that built the public app with its real factory, as ``python app.py
    --public`` does, and then served its index, a download and every page through Dash's router
    (a module a page or a download imports lazily is loaded by then)."""
    payloads = [route_payload(path, "").decode() for path in PUBLIC_PAGES]
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=REPO,
        env={**os.environ, "CHOKEPOINT_DATA": str(public_data)},
        input=json.dumps(payloads),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_pub_http001_a_public_process_loads_only_its_allow_list(public_process):
    assert set(public_process["statuses"]) == {200}  # the pages and the download really ran
    project = project_names()
    assert {"app", "internal_app", "settings", "lake", "queries", "pages", "public"} <= project
    loaded = [m for m in public_process["modules"] if m.split(".")[0] in project]
    assert "public.pages.overview" in loaded and "public.gateway" in loaded
    outside = [m for m in loaded if m.split(".")[0] != "public" and m not in ALLOWED]
    assert not outside, f"a public process loaded modules outside its allow-list: {outside}"


def test_pub_http001b_a_public_process_has_only_its_own_callbacks(public_process):
    assert set(public_process["callbacks"]) == {
        "public-url.href",
        "public-nav.is_open",
        ROUTER,
        "_pages_dummy.children",
    }


def test_pub_http001c_the_public_start_up_is_frozen(public_process):
    """The public factory finishes its own start-up (``public/app.py``): what it loaded is out of
    the garbage collector's full walks."""
    assert public_process["frozen"] > 0


def test_pub_http001e_numpy_is_loaded_before_the_first_request(public_process):
    """Loaded lazily by two request threads at once, one of them saw a half-initialized numpy
    (a 500 under load): the start-up loads it before any request."""
    assert public_process["numpy_at_start"] is True


def test_pub_http001d_every_queries_module_is_allowed_or_forbidden_to_public():
    """A new queries module must be placed: on the allow-list above, or among the modules the
    public contract in pyproject.toml forbids (else the contract would let public import it)."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    contract = next(
        c
        for c in config["tool"]["importlinter"]["contracts"]
        if c.get("type") == "forbidden" and c["source_modules"] == ["public"]
    )
    forbidden = set(contract["forbidden_modules"])
    allowed = {m for m in ALLOWED if m.startswith("queries.")}
    assert not forbidden & allowed
    modules = {
        ".".join(p.relative_to(REPO).with_suffix("").parts)
        for p in (REPO / "queries").rglob("*.py")
        if p.name != "__init__.py"
    }
    assert "queries.gateway" in modules
    placed = forbidden | allowed
    unplaced = [
        m for m in sorted(modules) if not any(m == p or m.startswith(f"{p}.") for p in placed)
    ]
    assert unplaced == []


def test_pub_http002_internal_pages_are_404(public_site):
    paths = _internal_paths()
    assert "/explorer" in paths
    for path in paths:
        status, _, body = fetch(public_site, path)
        assert status == 404, path
        assert "Chokepoint" not in body
        status, _, body = route(public_site, path)
        assert status == 404 and '"response"' not in body, path
    assert fetch(public_site, "/no-such-page")[0] == 404
    assert fetch(public_site, "/export/records.csv?fy=2025")[0] == 404


def test_pub_http003_every_internal_callback_is_refused_without_data(
    public_site, internal_callbacks
):
    public_outputs = {"public-url.href", "public-nav.is_open", ROUTER, "_pages_dummy.children"}
    refused = 0
    for dependency in internal_callbacks:
        if dependency["output"] in public_outputs:
            continue  # Dash's own page router exists in both apps (tested in http002)
        inputs = [
            {"id": _id(i["id"]), "property": i["property"], "value": "?fy=2025"}
            for i in dependency["inputs"]
        ]
        payload = {
            "output": dependency["output"],
            "outputs": [],
            "inputs": inputs,
            "state": [],
            "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"] if inputs else [],
        }
        status, _, body = fetch(public_site, "/_dash-update-component", payload)
        assert status == 404, dependency["output"]
        assert '"response"' not in body and "figure" not in body
        refused += 1
    assert refused >= 20  # the internal app really has that many callbacks


def _id(text: str):
    return json.loads(text) if text.startswith("{") else text


def test_pub_http004_security_headers_on_every_response(public_site):
    index = fetch(public_site, "/")[2]
    scripts = re.findall(r'src="(/[^"]+)"', index)
    styles = re.findall(r'href="(/[^"]+\.css[^"]*)"', index)
    assert scripts and styles
    responses = [
        fetch(public_site, path)
        for path in [
            "/",
            "/map?fy=2025",
            "/_dash-layout",
            "/_dash-dependencies",
            "/assets/topojson/north-america_110m.json",
            "/download/monthly.csv",
            "/explorer",
            "/?fy=1850",
            scripts[0],
            styles[0],
        ]
    ]
    responses.append(route(public_site, "/trends", "?drug=fentanyl"))
    for status, headers, _ in responses:
        assert status in (200, 400, 404)
        csp = headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-eval" not in csp
        assert not re.search(r"https?:|\*", csp), csp  # no external origin, no wildcard
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"
        server = headers.get("Server", "")
        assert not re.search(r"\d|werkzeug|python", server, re.I), server


def test_pub_http005_unknown_query_values_are_rejected(public_site):
    bad = (
        "?fy=1850",
        "?fy=2025;DROP",
        "?region=mars",
        "?drug=tea",
        "?port=2604",
        "?fy=2025&fy=2024",
        "?area=atlantis-sector",
        "?component=amo",
        "?drug=%27%20OR%201=1",
    )
    for query in bad:
        assert fetch(public_site, "/map" + query)[0] == 400, query
        assert fetch(public_site, "/download/areas.csv" + query)[0] == 400, query
        status, _, body = route(public_site, "/map", query)
        assert status == 200 and "This link is not valid" in body, query
        assert "Field office or sector" not in body
    assert fetch(public_site, "/map?fy=2025&region=northern-border&drug=fentanyl")[0] == 200
    assert fetch(public_site, "/download/nothing.csv")[0] == 404


def test_pub_http006_everything_is_served_locally(public_site):
    status, _, index = fetch(public_site, "/")
    assert status == 200 and '<html lang="en">' in index
    assert not re.search(r"""(?:src|href)\s*=\s*["']\s*(?:https?:)?//""", index)
    status, headers, topo = fetch(public_site, "/assets/topojson/north-america_110m.json")
    assert status == 200 and json.loads(topo)["type"] == "Topology"
    status, _, body = route(public_site, "/map")
    configs = list(values_of(json.loads(body), "config"))
    assert configs and all(c["topojsonURL"] == "/assets/topojson/" for c in configs)


def values_of(tree, key: str):
    """Every value stored under ``key`` anywhere in a JSON tree."""
    if isinstance(tree, dict):
        for k, v in tree.items():
            if k == key:
                yield v
            yield from values_of(v, key)
    elif isinstance(tree, list):
        for item in tree:
            yield from values_of(item, key)


def test_pub_http007_oversized_and_malformed_callback_bodies_are_refused(public_site):
    assert fetch(public_site, "/_dash-update-component", b"x" * 200_000, "POST")[0] == 413
    assert fetch(public_site, "/_dash-update-component", b"not json", "POST")[0] == 400
    assert fetch(public_site, "/_dash-update-component", {"output": 5})[0] == 400
