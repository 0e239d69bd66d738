"""The table alternative beside every chart: it says when it shows only part of the data."""

from __future__ import annotations

import polars as pl
from dash import html

from components.cards import data_table


def _parts(table: html.Table) -> tuple[list, list]:
    captions = [c for c in table.children if isinstance(c, html.Caption)]
    bodies = [c for c in table.children if isinstance(c, html.Tbody)]
    return captions, bodies


def test_crd001_a_long_frame_is_cut_and_says_so():
    frame = pl.DataFrame({"month": [f"2025-{m:02d}" for m in range(1, 13)], "events": range(12)})
    captions, (body,) = _parts(data_table(frame, max_rows=5))
    assert len(body.children) == 5
    assert [c.children for c in captions] == ["The first 5 of 12 rows."]
    assert isinstance(data_table(frame, max_rows=5).children[0], html.Caption)


def test_crd002_a_frame_that_fits_has_no_caption():
    frame = pl.DataFrame({"commodity": ["a", "b", "c"], "events": [3, 2, 1]})
    captions, (body,) = _parts(data_table(frame, max_rows=3))
    assert captions == []
    assert [row.children[1].children for row in body.children] == ["3", "2", "1"]
