"""The simulator writes rows the watcher accepts, and spoils exactly the share it is asked to."""

from __future__ import annotations

import re

import polars as pl

from ingest.live.simulate import Simulator
from tests.ingest_helpers import assert_conserved, ingest, lake_frame, run_once


def test_sim001_two_seconds_of_simulation_are_all_accepted(tmp_path):
    simulated = ingest(tmp_path, "simulate", "--rate", "150", "--seconds", "2", "--seed", "5")
    assert simulated.returncode == 0, simulated.stderr
    files = sorted(p.name for p in (tmp_path / "inbox").iterdir())
    assert files and not [f for f in files if f.startswith(".")], "no temporary file left"
    watched = ingest(tmp_path, "watch", "--once")
    assert watched.returncode == 0, watched.stderr
    log = lake_frame(tmp_path, "ingest_log")
    assert log.height == len(files)
    assert log["status"].unique().to_list() == ["accepted"], log["reasons"].to_list()
    seizures, shipments = lake_frame(tmp_path, "seizures"), lake_frame(tmp_path, "shipments")
    assert seizures.height > 0 and shipments.height > 0
    assert seizures.height + shipments.height + lake_frame(tmp_path, "referral_events").height == (
        log["rows_read"].sum()
    )
    assert seizures["seizure_id"].str.contains(r"^SZL\d{23}$").all()
    assert shipments["shipment_id"].str.contains(r"^MFL\d{23}$").all()
    assert seizures["provenance"].unique().to_list() == ["reported"]
    assert seizures["event_time"].null_count() == 0
    match = re.search(r"wrote 2 ticks: ([\d,]+) seizures", simulated.stdout)
    assert match and int(match.group(1).replace(",", "")) == seizures.height


def test_sim002_bad_share_is_caught_and_conserved(tmp_path):
    sim = Simulator(rate=400, bad_share=0.1, file_format="mixed", seed=11, data_dir=tmp_path)
    for _ in range(3):
        sim.tick()
    reports = run_once(tmp_path)
    assert_conserved(reports)
    read = sum(r.rows_read for r in reports)
    quarantined = sum(r.rows_quarantined for r in reports)
    assert read == sum(sim.rows.values())
    assert 0.04 * read < quarantined < 0.2 * read
    assert {r.format for r in reports} == {"csv", "jsonl", "parquet"}
    reasons = {reason for r in reports for reason in r.reasons}
    assert all(":" in reason for reason in reasons)


def test_sim003_simulated_rows_look_like_the_demo(tmp_path):
    sim = Simulator(rate=2000, seed=3, data_dir=tmp_path)
    sim.tick()
    run_once(tmp_path)
    seizures = lake_frame(tmp_path, "seizures")
    share = seizures["component"].value_counts(normalize=True)
    usbp = share.filter(pl.col("component") == "USBP")["proportion"][0]
    assert 0.15 < usbp < 0.45
    assert set(seizures["category"]) >= {"drug", "precursor"}
    shipments = lake_frame(tmp_path, "shipments")
    express_mail = shipments["mode"].is_in(["express", "mail"]).mean()
    assert express_mail > 0.5  # de minimis parcels dominate by count, as in the generator
