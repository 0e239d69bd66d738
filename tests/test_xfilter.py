"""The cross-filter's server half over HTTP: the click the browser's clientside callback stores
(``components/xfilter.py``) becomes the URL's filters with ``apply_click``'s meaning, and a bad
link or a refused value changes nothing. The click in the browser: tests/test_browser_explorer.py.
"""

from __future__ import annotations

import json

import pytest

from components.filter_bar import URL_VIEW
from components.xfilter import CLICK
from tests.sessions import signed_in


@pytest.fixture(scope="module")
def client(internal_app):
    return signed_in(internal_app)


def new_search(client, click, search: str) -> str | None:
    """The URL's new search after ``click``, posted as the browser posts it; None when the
    callback leaves the URL alone. The view store the cards read must get the same search in
    the same answer (the cards start from it, not from the URL)."""
    client.get("/")
    deps = json.loads(client.get("/_dash-dependencies").get_data(as_text=True))
    spec = next(
        d
        for d in deps
        if any(i["id"] == CLICK for i in d["inputs"]) and not d.get("clientside_function")
    )
    outputs = []
    for part in spec["output"].strip(".").split("..."):
        ident, _, prop = part.partition(".")
        outputs.append({"id": ident, "property": prop.split("@")[0]})
    payload = {
        "output": spec["output"],
        "outputs": outputs,
        "inputs": [{"id": CLICK, "property": "data", "value": click}],
        "changedPropIds": [f"{CLICK}.data"],
        "state": [{"id": "url", "property": "search", "value": search}],
    }
    response = client.post("/_dash-update-component", json=payload)
    assert response.status_code in (200, 204), response.get_data(as_text=True)[:300]
    if response.status_code == 204:
        return None
    answer = json.loads(response.get_data(as_text=True))["response"]
    written = next((v for k, v in answer.get("url", {}).items() if k.startswith("search")), None)
    view = next((v for k, v in answer.get(URL_VIEW, {}).items() if k.startswith("data")), None)
    assert view == written, (view, written)
    return written


def test_xf001_a_click_adds_its_value_and_keeps_how_the_view_looks(client):
    click = {"dim": "area", "value": "laredo-field-office", "at": 1}
    assert new_search(client, click, "?fy=2025&measure=events&cmp=fytd") == (
        "?fy=2025&area=laredo-field-office&measure=events&cmp=fytd"
    )


def test_xf002_a_value_already_filtered_on_leaves_the_filters_as_they_are(client):
    click = {"dim": "mode", "value": "express", "at": 2}
    assert new_search(client, click, "?mode=express") == "?mode=express"


def test_xf003_a_route_adds_each_part_and_a_period_replaces_the_dates(client):
    route = {"dim": "route", "value": "source:MX;transit:GT;port:2504", "at": 3}
    assert new_search(client, route, "?fy=2025") == "?fy=2025&port=2504&source=MX&transit=GT"
    period = {"dim": "period", "value": "2024-10-01..2024-12-31", "at": 4}
    assert new_search(client, period, "?fy=2025&area=laredo-field-office") == (
        "?start=2024-10-01&end=2024-12-31&area=laredo-field-office"
    )


def test_xf004_a_refused_value_a_bad_link_or_no_click_change_nothing(client):
    good = {"dim": "area", "value": "laredo-field-office", "at": 5}
    assert new_search(client, {"dim": "area", "value": "atlantis", "at": 6}, "?fy=2025") is None
    assert new_search(client, {"dim": "lbs", "value": "1", "at": 7}, "?fy=2025") is None
    assert new_search(client, good, "?measure=bogus") is None
    assert new_search(client, None, "?fy=2025") is None
    assert new_search(client, {"dim": "area", "value": "", "at": 8}, "?fy=2025") is None
