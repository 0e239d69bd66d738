"""The shape of the internal app's callback graph, as the browser receives it.

Dash's renderer holds back every callback that lies downstream of one in flight. The cards read
the URL through the view stores, so a server callback that fires on every page opening or URL
change and has those stores downstream makes each card wait one extra round trip before it can
ask for its figure (the filter bar did: it wrote the URL as an output).
"""

from __future__ import annotations

import json

import pytest

from components.filter_bar import CARD_VIEW, URL, URL_VIEW
from tests.sessions import signed_in


def _key(ident: str, prop: str) -> tuple[str, str]:
    """A pattern-matching id counts by its ``type``: the graph is walked by kind of component."""
    if ident.startswith("{"):
        ident = "pattern:" + str(json.loads(ident).get("type"))
    return ident, prop.split("@")[0]


def _outputs(spec: dict) -> list[tuple[str, str]]:
    found = []
    for part in spec["output"].strip(".").split("..."):
        ident, _, prop = part.rpartition(".")
        found.append(_key(ident, prop))
    return found


def _inputs(spec: dict) -> list[tuple[str, str]]:
    return [
        _key(i["id"] if isinstance(i["id"], str) else json.dumps(i["id"]), i["property"])
        for i in spec["inputs"]
    ]


@pytest.fixture(scope="module")
def deps(internal_app) -> list[dict]:
    client = signed_in(internal_app)
    client.get("/")
    return json.loads(client.get("/_dash-dependencies").get_data(as_text=True))


def downstream(deps: list[dict], start: dict) -> set[tuple[str, str]]:
    """Every output a callback's answer can go on to change, through any chain of callbacks."""
    reached: set[tuple[str, str]] = set()
    frontier = list(_outputs(start))
    while frontier:
        prop = frontier.pop()
        if prop in reached:
            continue
        reached.add(prop)
        for spec in deps:
            if prop in _inputs(spec):
                frontier.extend(_outputs(spec))
    return reached


def test_cbg001_the_walk_finds_the_cards_downstream_of_the_url(deps):
    """The walk itself: the browser's copy of the URL into the view store reaches the cards."""
    copier = next(
        s
        for s in deps
        if s.get("clientside_function")
        and (URL, "search") in _inputs(s)
        and (URL_VIEW, "data") in _outputs(s)
    )
    assert (CARD_VIEW, "data") in downstream(deps, copier)


def test_cbg002_no_server_callback_on_the_url_holds_back_the_cards(deps):
    """A server callback fired by the URL (every page opening, every click) must not have the
    cards' view downstream, or every card waits for its answer first."""
    fired_by_url = [
        s for s in deps if not s.get("clientside_function") and any(i[0] == URL for i in _inputs(s))
    ]
    assert fired_by_url, "the filter bar follows the URL"
    holding = [
        s["output"][:120] for s in fired_by_url if (CARD_VIEW, "data") in downstream(deps, s)
    ]
    assert holding == []
