"""The referral generator: whole lifecycles as events, each walking the state machine; shares,
agencies, censoring and determinism."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from ingest.generate.referrals import make_referral_events
from lake import referral_lifecycle as lifecycle
from tests.generate_fixtures import (
    END,
    INGESTED,
    _fiscal_year,
)


def _cases(events: pl.DataFrame) -> pl.DataFrame:
    """One row per referral: its steps in order, first day, seizure and agency."""
    rank = {s: i for i, s in enumerate(lifecycle.STEPS)}
    return (
        events.with_columns(pl.col("step").replace_strict(rank).alias("r"))
        .sort("referral_id", "occurred_on", "r")
        .group_by("referral_id", maintain_order=True)
        .agg(
            pl.col("step"),
            pl.col("occurred_on").min().alias("referred_on"),
            pl.col("seizure_id").drop_nulls().first(),
            pl.col("shipment_id").drop_nulls().first(),
            pl.col("agency").first(),
        )
        .with_columns(
            pl.col("step")
            .list.eval(pl.element().filter(pl.element() != "follow_up_seizure"))
            .list.last()
            .alias("status")
        )
    )


def test_gen130_every_case_walks_the_state_machine_and_nothing_is_after_today(referral_events):
    assert (referral_events["occurred_on"] <= END).all()
    broken = [
        rid
        for (rid,), g in referral_events.group_by(["referral_id"])
        if lifecycle.first_break(
            [lifecycle.Event(s, d) for s, d in zip(g["step"], g["occurred_on"], strict=True)]
        )
        is not None
    ]
    assert broken == []
    steps = set(referral_events["step"])
    assert steps == set(lifecycle.STEPS)  # every step occurs somewhere


def test_gen131_referred_step_names_the_seizure_and_ids_are_unique(referral_events, with_shipments):
    referred = referral_events.filter(pl.col("step") == "referred")
    assert referred["seizure_id"].is_not_null().all()
    assert referral_events.filter(pl.col("step") != "referred")["seizure_id"].is_null().all()
    assert referred["referral_id"].n_unique() == referred.height
    assert referral_events["event_id"].n_unique() == referral_events.height
    assert referred["referral_id"].str.contains(r"^RF\d+$").all()
    joined = referred.join(
        with_shipments.select("seizure_id", "event_date", "shipment_id"), on="seizure_id"
    )
    assert joined.height == referred.height
    lag = (joined["occurred_on"] - joined["event_date"]).dt.total_days()
    assert lag.min() >= 0 and lag.max() <= 14
    assert joined["shipment_id"].eq_missing(joined["shipment_id_right"]).all()
    assert (
        referral_events["fiscal_year"]
        == referral_events.select(_fiscal_year("occurred_on")).to_series()
    ).all()
    # an accepted case carries the agency's case number from its acceptance on
    accepted = referral_events.filter(pl.col("step") == "accepted")
    assert accepted["case_number"].is_not_null().all()


def test_gen132_referral_shares_agencies_and_censoring(referral_events, seizures):
    cases = _cases(referral_events)
    share = cases.height / seizures.height
    assert 0.28 <= share <= 0.42
    referred = seizures.with_columns(
        pl.col("seizure_id").is_in(cases["seizure_id"].implode()).alias("referred")
    )
    by = dict(referred.group_by("commodity").agg(pl.col("referred").mean()).iter_rows())
    assert by["fentanyl_pills"] > 1.5 * by["marijuana"]
    chemical = referred.filter(pl.col("category").is_in(["precursor", "equipment"]))
    assert chemical["referred"].mean() > share
    declined = cases["step"].list.contains("declined").mean()
    assert 0.12 < declined < 0.35
    agencies = cases.join(seizures.select("seizure_id", "mode"), on="seizure_id")
    top = agencies.group_by("agency").len().sort("len", descending=True)["agency"][0]
    assert top == "HSI"
    uspis = agencies.filter(pl.col("agency") == "USPIS")
    assert uspis.height > 0 and (uspis["mode"] == "mail").all()
    # censoring: recent referrals are mostly still open, old ones mostly done
    recent = cases.filter(pl.col("referred_on") > date(2026, 3, 1))
    assert (~recent["status"].is_in(list(lifecycle.DONE))).mean() > 0.6
    old = cases.filter(pl.col("referred_on") < date(2021, 10, 1))
    assert old["step"].list.contains("prosecution").mean() > 0.1
    assert old["status"].is_in(list(lifecycle.DONE)).mean() > 0.5


def test_gen133_referral_events_deterministic(with_shipments, referral_events):
    again = make_referral_events(
        with_shipments, np.random.default_rng(11), END, "test-batch", INGESTED
    )
    assert again.equals(referral_events)
    other = make_referral_events(
        with_shipments, np.random.default_rng(12), END, "test-batch", INGESTED
    )
    assert not other.equals(referral_events)
