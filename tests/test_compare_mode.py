"""Compare mode answers "which ports and modes drove the change": drivers for every dimension,
a port x mode table of the two periods, and records limited to period A or B."""

from __future__ import annotations

import pytest

from components import url_state
from components.filter_bar import COMPARE_VIEW, compare_view
from pages.explorer import records_grid
from queries import compare
from queries.gateway import Gateway
from tests.app_helpers import call, callback_answer
from tests.sessions import signed_in


@pytest.fixture(scope="module")
def client(internal_app):
    return signed_in(internal_app)


def _by_id(tree) -> dict:
    """Every component of a JSON component tree, by its id."""
    found = {}
    if isinstance(tree, list):
        for item in tree:
            found.update(_by_id(item))
    elif isinstance(tree, dict):
        props = tree.get("props", {})
        if "id" in props and isinstance(props["id"], str):
            found[props["id"]] = props
        for value in props.values():
            found.update(_by_id(value))
    return found


def test_cmp001_drivers_for_ports_and_modes_and_a_port_mode_table(client):
    body = callback_answer(client, "explorer-cmp-totals.children", "?cmp=fytd")
    assert "Period A" in body["explorer-cmp-totals"]["children"]
    cards = _by_id(body["explorer-cmp-cards"]["children"])  # built whole, each chart drawn
    for dim in ("port", "mode", "transit", "category"):
        summary = cards[f"explorer-cmp-{dim}-summary"]["children"]
        assert summary and "vs prior FYTD" in summary, (dim, summary)
        assert (
            cards[f"explorer-cmp-{dim}-csv"]["href"] == f"/export/explorer-cmp-{dim}.csv?cmp=fytd"
        )
    table = str(cards["explorer-cmp-portmode-table"]["children"])
    assert "Port" in table and "Mode" in table
    assert "moved most" in cards["explorer-cmp-portmode-summary"]["children"]
    assert cards["explorer-cmp-portmode-graph"]["figure"]["data"], "the chart comes drawn"


def test_cmp001b_the_comparison_asks_nothing_outside_compare_mode(client):
    """The browser hands the comparison its view only while the URL compares; a view store
    emptied when compare mode ends (or any view without cmp=) is answered with no update."""
    for view in (None, "?fy=2025"):
        values = {f"{COMPARE_VIEW}.data": view}
        assert call(client, "explorer-cmp-totals.children", values, f"{COMPARE_VIEW}.data") == {}
    assert compare_view("?fy=2025&cmp=fytd") == "?fy=2025&cmp=fytd"
    assert compare_view("?fy=2025&grain=week") is None


def test_cmp002_records_can_be_limited_to_period_a_or_b(internal_app, demo_lake):
    gateway = Gateway(demo_lake)
    as_of = gateway.scalar("SELECT max(event_date) FROM seizures")
    a, b = compare.periods("fytd", None, as_of)
    for side, period in (("a", a), ("b", b)):
        view, error = url_state.parse_view(f"?cmp=fytd&side={side}")
        assert error is None and view.side == side
        request = {"startRow": 0, "endRow": 50}
        block, line = records_grid.grid_rows(request, url_state.build_view(view))
        expected = gateway.scalar(
            "SELECT count(*) FROM seizures WHERE event_date BETWEEN ? AND ?",
            [period.start, period.end],
        )
        assert block["rowCount"] == expected and f"period {side.upper()}" in line
    _, error = url_state.parse_view("?cmp=fytd&side=c")
    assert error and "side" in error.lower()
    assert url_state.parse_view("?side=a")[0].side == "", "no side outside compare mode"


def test_cmp003_an_empty_transit_card_says_all_direct(client, demo_lake):
    port = Gateway(demo_lake).scalar(
        "SELECT port_code FROM seizures WHERE port_code IS NOT NULL GROUP BY 1 "
        "HAVING count(transit_country) = 0 ORDER BY count(*) DESC LIMIT 1"
    )
    assert port, "the demo lake has a port whose seizures all came direct"
    body = callback_answer(client, "explorer-transit-summary.children", f"?port={port}")
    summary = body["explorer-transit-summary"]["children"]
    assert summary.startswith("All direct") and "matching seizures" in summary
    body = callback_answer(client, "explorer-port-summary.children", "?mode=between_ports")
    assert body["explorer-port-summary"]["children"].startswith("All between ports")


def test_cmp004_empty_state_messages_are_wrapped_not_clipped():
    from components.figures import EMPTY_LINE, empty_figure

    long = "All direct: none of the 12,345 matching seizures came through a transit country."
    text = empty_figure(long).layout.annotations[0].text
    assert all(len(line) <= EMPTY_LINE for line in text.split("<br>"))
    assert text.replace("<br>", " ") == long
