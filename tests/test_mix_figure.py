"""The commodity mix fits a third of a printed page: long names are cut on the axis (the hover
keeps them whole), unless two would then read the same and merge into one bar."""

from __future__ import annotations

import polars as pl

from components.figures import MIX_LABEL_WIDTH, commodity_mix_figure


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
