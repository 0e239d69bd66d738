"""Emerging threats follow the page's filters, say honestly when nothing breaks its limit, and
the command line prints them as a table (and JSON for scripts)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl

from lake import reference
from pages.targeting.emerging_threats import emerging_content
from queries.filters import Filters
from targeting import emerging

REPO = Path(__file__).resolve().parents[1]


def as_of(gateway):
    return gateway.scalar("SELECT max(CAST(arrived_at AS DATE)) FROM shipments")


def test_emf001_a_mode_filter_keeps_only_that_modes_routes(demo_gateway):
    frame = emerging.signals(demo_gateway, as_of(demo_gateway), filters=Filters(mode=("express",)))
    routes = frame.filter(pl.col("kind").is_in(["route", "commodity_route"]))
    assert routes.height
    assert all(key.endswith("> express") for key in routes["key"].to_list())
    everything = emerging.signals(demo_gateway, as_of(demo_gateway))
    other = everything.filter(pl.col("kind") == "route")["key"].to_list()
    assert any(not k.endswith("> express") for k in other), "the filter removed something"


def test_emf002_a_filter_a_signal_cannot_apply_leaves_the_signal_out(demo_gateway):
    frame = emerging.signals(
        demo_gateway, as_of(demo_gateway), filters=Filters(category=("precursor",))
    )
    assert set(frame["signal"].unique().to_list()) == {"seizures"}
    commodities = frame.filter(pl.col("kind") == "commodity")["key"].to_list()
    category = dict(reference.commodities().select("commodity_id", "category").iter_rows())
    assert commodities and {category[c] for c in commodities} == {"precursor"}


def test_emf003_the_heading_never_denies_what_the_items_show(demo_gateway):
    frame = emerging.signals(demo_gateway, as_of(demo_gateway))
    text = json.dumps([c.to_plotly_json() for c in emerging_content(frame)], default=str)
    assert "nothing beyond control limits" not in text
    quiet = frame.filter(~pl.col("emerging"))
    if quiet.height:
        row = quiet.row(0, named=True)
        described = emerging.describe(row)
        assert "limit" in described and "p < 0.001" not in described


def test_emf004_the_command_prints_a_table_and_writes_json(lake_copy, tmp_path):
    out = tmp_path / "signals.json"
    env = {**os.environ, "CHOKEPOINT_DATA": str(lake_copy("emerging-command"))}
    done = subprocess.run(
        [sys.executable, "-m", "targeting", "emerging", "--json", str(out)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    header = next(line for line in done.stdout.splitlines() if line.startswith("signal"))
    assert "status" in header and "ratio" in header
    data = json.loads(out.read_text())
    assert data["signals"] and {"signal", "kind", "key", "p_value", "emerging"} <= set(
        data["signals"][0]
    )
    signals = ("seizures", "flagged", "shipments")
    rows = [line for line in done.stdout.splitlines() if line.startswith(signals)]
    assert len(rows) == len(data["signals"])
