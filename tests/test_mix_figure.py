"""The commodity mix fits a third of a printed page: long names are cut on the axis (the hover
keeps them whole), unless two would then read the same and merge into one bar."""

from __future__ import annotations

import polars as pl

from components.figures import MIX_LABEL_WIDTH, OTHERS_KEY, commodity_mix_figure, ranked_bar_figure


def _mix(*commodities: str) -> pl.DataFrame:
    n = len(commodities)
    return pl.DataFrame(
        {
            "category": ["drug"] * n,
            "commodity": list(commodities),
            "events": list(range(1, n + 1)),
            "lbs": [1.0] * n,
            "pills": [0] * n,
            "pieces": [0] * n,
        }
    )


def test_mix001_long_names_are_cut_on_the_axis_and_whole_in_the_hover():
    names = {"anpp": "4-ANPP (4-anilino-N-phenethylpiperidine)", "lsd": "LSD"}
    (bar,) = commodity_mix_figure(_mix("anpp", "lsd"), names).data
    labels = dict(zip([row[0] for row in bar.customdata], bar.y, strict=True))
    assert labels["LSD"] == "LSD"
    cut = labels["4-ANPP (4-anilino-N-phenethylpiperidine)"]
    assert cut.endswith("…") and len(cut) <= MIX_LABEL_WIDTH


def test_mix002_names_that_would_read_the_same_stay_whole():
    stem = "Pill press (tableting machine"
    names = {"a": stem + ", rotary)", "b": stem + ", single punch)"}
    (bar,) = commodity_mix_figure(_mix("a", "b"), names).data
    assert sorted(bar.y) == sorted(names.values())


def test_mix004_the_remainder_of_a_ranked_chart_is_its_own_line_under_the_axis():
    frame = pl.DataFrame(
        {
            "key": ["a", "b", OTHERS_KEY],
            "events": [5, 4, 30],
            "lbs": [5.0, 4.0, 23_100.0],
            "value": [5.0, 4.0, 23_100.0],
            "members": [1, 1, 30],
        }
    )
    title = ranked_bar_figure(frame, ["A", "B", "All others"], "Pounds").layout.xaxis.title.text
    first, second = title.split("<br>")
    assert first == "Pounds" and "all others (30): 23.1k" in second
