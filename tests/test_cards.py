"""The table alternative beside every chart: it says when it shows only part of the data, and
it is one component (its HTML), with every value escaped."""

from __future__ import annotations

import re

import polars as pl
from dash import dcc

from components.cards import data_table


def rows_of(table: dcc.Markdown) -> list[list[str]]:
    body = table.children.split("<tbody>")[1]
    return [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in body.split("</tr>") if "<td" in row]


def test_crd001_a_long_frame_is_cut_and_says_so():
    frame = pl.DataFrame({"month": [f"2025-{m:02d}" for m in range(1, 13)], "events": range(12)})
    table = data_table(frame, max_rows=5)
    assert len(rows_of(table)) == 5
    assert "<caption>The first 5 of 12 rows.</caption>" in table.children
    assert table.children.index("<caption>") < table.children.index("<thead>")


def test_crd002_a_frame_that_fits_has_no_caption():
    frame = pl.DataFrame({"commodity": ["a", "b", "c"], "events": [3, 2, 1]})
    table = data_table(frame, max_rows=3)
    assert "<caption>" not in table.children
    assert [row[1] for row in rows_of(table)] == ["3", "2", "1"]


def test_crd003_values_are_escaped():
    frame = pl.DataFrame({"name": ["<script>alert(1)</script>", "A & B"]})
    html_text = data_table(frame).children
    assert (
        "<script>" not in html_text and "&lt;script&gt;" in html_text and "A &amp; B" in html_text
    )
