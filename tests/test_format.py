"""Numbers as a dashboard shows them: the short form keeps the value's size."""

from __future__ import annotations

import math

import pytest

from components import format as fmt


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (9_293, "9,293"),
        (10_000, "10.0k"),
        (57_012, "57.0k"),
        (113_456.7, "113.5k"),
        (687_230, "687.2k"),
        (999_949, "999.9k"),
        (5_940_000, "5.9M"),
        (2_500_000_000, "2.5B"),
        (-57_012, "-57.0k"),
        (None, "–"),
        (math.nan, "–"),
    ],
)
def test_fmt001_short_form_keeps_the_magnitude(value, shown):
    # the KPI cards once showed 113,457 lbs as "11.3k": thousands divided by ten thousand
    assert fmt.short(value) == shown


def test_fmt002_whole_share_and_change():
    assert fmt.whole(1_234_567.4) == "1,234,567"
    assert fmt.share(0.423) == "42%" and fmt.share(None) == "–"
    assert fmt.change(110, 100) == pytest.approx(0.1) and fmt.change(5, 0) is None
    assert fmt.signed_percent(-0.41) == "-41%" and fmt.signed_percent(None) == "new"


def test_fmt003_counts_read_right_at_one():
    assert fmt.count(1, "batch") == "1 batch"
    assert fmt.count(2, "batch") == "2 batches"
    assert fmt.count(1204, "row") == "1,204 rows"
    assert fmt.count(0, "row") == "0 rows"
    assert fmt.count(3, "analysis", "analyses") == "3 analyses"
