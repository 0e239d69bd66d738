"""The public server's edge against crafted requests: a callback body is taken only as Dash
reads it, bad links and bodies get a 400 in plain words, and no answer names a Python or library
version or echoes a request header.

Run against the public app in its own process (``public_site``), over HTTP.
"""

from __future__ import annotations

import json
import re
import urllib.request

import pytest

from tests.public_helpers import ROUTER, fetch, route

HOME_MARK = "Fiscal year"


def router_body(inputs: list[dict]) -> dict:
    return {
        "output": ROUTER,
        "outputs": [
            {"id": "_pages_content", "property": "children"},
            {"id": "_pages_store", "property": "data"},
        ],
        "inputs": inputs,
        "changedPropIds": ["_pages_location.pathname"],
    }


def location(prop: str, value: str) -> dict:
    return {"id": "_pages_location", "property": prop, "value": value}


def test_edg001_a_router_body_dash_would_read_otherwise_is_refused_and_caches_nothing(
    public_site,
):
    before = route(public_site, "/")
    assert before[0] == 200 and "Page not found" not in before[2]
    for inputs in (
        [location("pathname", "/no-such-page"), location("pathname", "/")],
        [location("pathname", "/doses"), location("search", ""), location("pathname", "/")],
        [location("search", ""), location("pathname", "/")],
        [location("pathname", "/")],
    ):
        status, _, text = fetch(public_site, "/_dash-update-component", router_body(inputs))
        assert status == 400 and text.startswith("Bad request"), (inputs, status, text)
    after = route(public_site, "/")
    assert after[0] == 200 and after[2] == before[2], "every later visitor still gets the page"
    doses = route(public_site, "/doses")
    assert doses[0] == 200 and doses[2] != before[2]


@pytest.mark.parametrize("fy", ["²⁰²⁵", "٢٠٢٥", "2025 ", "+2025", "2_025"])
def test_edg002_a_year_in_anything_but_ascii_digits_is_a_bad_link(public_site, fy):
    quoted = urllib.request.quote(fy)
    status, _, text = fetch(public_site, f"/?fy={quoted}")
    assert status == 400 and text.startswith("Bad link"), (fy, status, text)
    status, _, _ = fetch(public_site, f"/download/headline.csv?fy={quoted}")
    assert status == 400


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        json.dumps({"output": 5}).encode(),
        json.dumps({"output": ROUTER}).encode(),
        json.dumps({"output": ROUTER, "inputs": "x"}).encode(),
        json.dumps({"output": ROUTER, "inputs": [None, None]}).encode(),
        json.dumps({"output": "public-nav.is_open", "inputs": [{}], "state": [{}]}).encode(),
    ],
)
def test_edg003_malformed_callback_bodies_are_400_in_plain_words(public_site, body):
    status, headers, text = fetch(public_site, "/_dash-update-component", body, "POST")
    assert status == 400, (body, status, text)
    assert headers["Content-Type"].startswith("text/plain") and "Traceback" not in text


@pytest.mark.parametrize(
    "path",
    [
        "/_dash-component-suites/nope/x.js",
        "/_dash-component-suites/dash/deps/nope.js",
        "/_dash-component-suites/dash",
    ],
)
def test_edg004_unknown_component_suite_paths_are_404_not_500(public_site, path):
    status, headers, text = fetch(public_site, path)
    assert status == 404 and headers["Content-Type"].startswith("text/plain"), (path, status)


@pytest.mark.parametrize(
    "path",
    [
        "/_dash-component-suites/dash/deps/%2E%2E/%2E%2E/__init__.py",
        "/_dash-component-suites/plotly/package_data/..%2F..%2F__init__.py",
    ],
)
def test_edg004b_component_suite_paths_that_climb_out_are_400(public_site, path):
    status, headers, _ = fetch(public_site, path)
    assert status in (400, 404) and headers["Content-Type"].startswith("text/plain"), path


def test_edg005_no_answer_names_a_version_or_echoes_the_host(public_site):
    request = urllib.request.Request(public_site + "/", headers={"Host": "evil.example"})
    with urllib.request.urlopen(request, timeout=60) as response:
        page = response.read().decode()
    assert "evil.example" not in page
    config = json.loads(page.split('id="_dash-config" type="application/json">')[1].split("<")[0])
    assert not {k for k in config if k.endswith("_version")}, config
    import dash
    import plotly

    for version in (dash.__version__, dash.__version__.replace(".", "_"), plotly.__version__):
        assert version not in page, version
    import sys

    assert sys.version.split()[0] not in page
    for path in ("/_favicon.ico", "/no-such-page", "/download/nope.csv"):
        status, headers, text = fetch(public_site, path)
        assert "Server" not in headers or "/" not in headers["Server"], headers.get("Server")
        assert dash.__version__ not in text


def test_edg006_every_page_opens_on_the_same_fiscal_year(public_site):
    home = route(public_site, "/")[2]
    modes = route(public_site, "/modes")[2]
    year = re.search(r"FY(\d{4}) to date", home).group(1)
    assert f"Pounds of drugs by mode, FY{year}" in modes
    assert "CBP's own figures are shown as CBP publishes them" in home
