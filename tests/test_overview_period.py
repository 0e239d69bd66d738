"""The Overview's cards all cover the period its header states (fiscal year to date unless the
URL names another window), not every year in the lake."""

from __future__ import annotations

import re
from datetime import date

import pytest

from queries.gateway import Gateway
from tests.app_helpers import callback_answer
from tests.sessions import signed_in


@pytest.fixture(scope="module")
def client(internal_app):
    return signed_in(internal_app)


def fytd(gateway: Gateway) -> tuple[date, date]:
    as_of = gateway.scalar("SELECT max(event_date) FROM seizures")
    start = date(as_of.year if as_of.month >= 10 else as_of.year - 1, 10, 1)
    return start, as_of


def total_in_summary(summary: str) -> float:
    return float(re.search(r"of ([\d,.]+)\)", summary).group(1).replace(",", ""))


def test_ovp001_ranked_cards_cover_the_fiscal_year_to_date(client, demo_lake):
    gateway = Gateway(demo_lake)
    start, end = fytd(gateway)
    expected = gateway.scalar(
        "SELECT sum(lbs) FROM seizures WHERE event_date BETWEEN ? AND ?", [start, end]
    )
    everything = gateway.scalar("SELECT sum(lbs) FROM seizures")
    for part in ("overview-areas-summary", "overview-ports-summary"):
        body = callback_answer(client, f"{part}.children")
        total = total_in_summary(body[part]["children"])
        if part == "overview-areas-summary":
            assert total == pytest.approx(expected, rel=1e-3), (total, expected)
        assert total < everything / 2
    header = callback_answer(client, "overview-period.children")["overview-period"]["children"]
    assert header.startswith("Fiscal year to date") and f"{start:%d %b %Y}" in header


def test_ovp002_the_trend_shows_the_period_and_a_year_earlier(client, demo_lake):
    start, end = fytd(Gateway(demo_lake))
    body = callback_answer(client, "overview-trend-graph.figure")
    figure = body["overview-trend-graph"]["figure"]
    bars = [
        t for t in figure["data"] if t["type"] == "bar" and t.get("name") != "Month in progress"
    ]
    months = sorted({x[:7] for t in bars for x in t["x"]})
    assert months and months[0] >= f"{start:%Y-%m}" and months[-1] <= f"{end:%Y-%m}"
    earlier = [t for t in figure["data"] if t.get("name") == "Same month a year earlier"]
    assert earlier and earlier[0]["x"]
    summary = body["overview-trend-summary"]["children"]
    assert "modelled" not in summary or "after" in summary


def test_ovp003_a_chosen_fiscal_year_is_followed_and_its_note_fits(client):
    body = callback_answer(client, "overview-trend-graph.figure", "?fy=2023")
    figure = body["overview-trend-graph"]["figure"]
    months = sorted({x[:7] for t in figure["data"] if t["type"] == "bar" for x in t["x"]})
    assert months[0] == "2022-10" and months[-1] == "2023-09"
    assert "are modelled" not in body["overview-trend-summary"]["children"]
