"""Card outputs are reused for the same inputs and recomputed once their tables change."""

from __future__ import annotations

import shutil

from bench.national import data_change
from components.view_cache import cached_view, outputs
from queries.gateway import default_gateway


def test_outputs_follow_the_data_version(tiny_lake, tmp_path, monkeypatch):
    lake = tmp_path / "copy"
    shutil.copytree(tiny_lake, lake)
    monkeypatch.setenv("CHOKEPOINT_DATA", str(lake))
    outputs.clear()
    calls = []

    @cached_view("seizures")
    def card(search: str) -> int:
        calls.append(search)
        return default_gateway().scalar("SELECT count(*) FROM seizures")

    first = card("?fy=2025")
    assert card("?fy=2025") == first and calls == ["?fy=2025"]
    card("?fy=2024")
    assert calls == ["?fy=2025", "?fy=2024"]  # other inputs, another output
    with data_change(lake):
        default_gateway().refresh(force=True)
        assert card("?fy=2025") > first
        assert calls[-1] == "?fy=2025" and len(calls) == 3


def test_the_cache_can_be_turned_off(tiny_lake, monkeypatch):
    monkeypatch.setenv("CHOKEPOINT_DATA", str(tiny_lake))
    monkeypatch.setenv("CHOKEPOINT_RESULT_CACHE_ENTRIES", "0")
    calls = []

    @cached_view("seizures")
    def card(search: str) -> str:
        calls.append(search)
        return search

    card("")
    card("")
    assert len(calls) == 2


def test_vwc001_outputs_are_kept_as_the_json_the_browser_receives(tiny_lake, monkeypatch):
    import orjson
    import plotly.graph_objects as go
    from dash import html, no_update
    from dash._no_update import NoUpdate
    from plotly.io.json import to_json_plotly

    monkeypatch.setenv("CHOKEPOINT_DATA", str(tiny_lake))
    outputs.clear()

    def build():
        figure = go.Figure(go.Bar(x=["a", "b"], y=[1.5, float("nan")]))
        return figure, html.Div([html.Span("x")], id="d"), no_update

    card = cached_view("seizures")(lambda search: build())
    kept = card("?fy=2025")
    # the same bytes as Dash sends for the objects themselves ...
    assert to_json_plotly(kept) == to_json_plotly(build())
    # ... with nothing left that orjson cannot take as it is (Dash's fast path)
    assert orjson.dumps(kept)
    assert NoUpdate.is_no_update(kept[2])
    assert card("?fy=2025") is kept


def test_vwc002_a_clocked_card_is_recomputed_when_its_clock_moves(tiny_lake, monkeypatch):
    """A "last 48 hours" card shows another window once the hour turns, with no new data."""
    monkeypatch.setenv("CHOKEPOINT_DATA", str(tiny_lake))
    outputs.clear()
    hour = ["10:00"]
    calls = []

    @cached_view("ingest_log", clock=lambda: hour[0])
    def card(search: str) -> str:
        calls.append(hour[0])
        return f"window ending {hour[0]}"

    assert card("") == card("") == "window ending 10:00"
    assert calls == ["10:00"]
    hour[0] = "11:00"
    assert card("") == "window ending 11:00"
    assert calls == ["10:00", "11:00"]


def test_vwc003_cards_made_by_one_factory_keep_their_own_outputs(tiny_lake, monkeypatch):
    """The Explorer makes one breakdown card per dimension in a loop: same function name, same
    inputs. Each must get its own output (they all once showed the first one computed)."""
    monkeypatch.setenv("CHOKEPOINT_DATA", str(tiny_lake))
    outputs.clear()

    def make(dim: str):
        @cached_view("seizures")
        def update(search: str) -> str:
            return f"{dim} for {search}"

        return update

    area, port = make("area"), make("port")
    assert area("?fy=2025") == "area for ?fy=2025"
    assert port("?fy=2025") == "port for ?fy=2025"
    assert area("?fy=2025") == "area for ?fy=2025"


def test_vwc002_the_overview_trend_follows_a_new_cbp_vintage_too(internal_app):
    """Its note on modelled months reads CBP's latest published month: keyed on seizures
    alone, a new CBP file left the old note until the seizures changed."""
    from pages.overview import trend as overview

    assert set(overview.update_trend.tables) == {"seizures", "cbp_public"}


def test_vwc003_the_cache_holds_as_many_outputs_as_its_setting_says(tiny_lake, monkeypatch):
    monkeypatch.setenv("CHOKEPOINT_DATA", str(tiny_lake))
    monkeypatch.setenv("CHOKEPOINT_VIEW_CACHE_ENTRIES", "2")
    outputs.clear()
    calls = []

    @cached_view("seizures")
    def card(search: str) -> str:
        calls.append(search)
        return search

    for search in ("?a", "?b", "?c", "?a"):  # "?a" was pushed out by "?c": computed again
        card(search)
    card("?c")  # still held
    assert calls == ["?a", "?b", "?c", "?a"]


def test_vwc004_the_model_card_follows_a_new_training_without_new_scores(internal_app, scored_lake):
    """It reads the model the pointer names: keyed on the scores alone, a training that was not
    followed by a scoring left the old model's card."""
    from lake.layout import ensure_dir
    from pages.targeting import model_card as page
    from targeting import model

    pointer = ensure_dir(model.state_dir(scored_lake)) / model.CURRENT
    assert page.update_model.clock() == pointer.stat().st_mtime_ns
