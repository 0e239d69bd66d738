"""The referral generator: ordered lifecycle dates, statuses, shares, determinism."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from ingest.generate.referrals import make_referrals
from tests.generate_fixtures import (
    END,
    INGESTED,
    _fiscal_year,
)

# ---------------------------------------------------------------------------------------------
# Referrals
# ---------------------------------------------------------------------------------------------

STEPS = ("seizure_on", "warrant_on", "arrest_on", "prosecution_on")


def test_gen130_referral_dates_ordered_and_not_after_today(referrals, seizures):
    joined = referrals.join(seizures.select("seizure_id", "event_date"), on="seizure_id")
    assert joined.height == referrals.height
    lag = (joined["referred_on"] - joined["event_date"]).dt.total_days()
    assert lag.min() >= 0 and lag.max() <= 14
    for column in ("referred_on", *STEPS, "declined_on"):
        assert (referrals[column].drop_nulls() <= END).all(), column
    previous = pl.col("referred_on")
    for column in STEPS:
        assert referrals.filter(pl.col(column) < previous).height == 0, column
        previous = pl.coalesce(column, previous)
    assert referrals.filter(pl.col("declined_on") < pl.col("referred_on")).height == 0


def test_gen131_status_is_the_latest_step(referrals):
    expected = (
        pl.when(pl.col("declined_on").is_not_null())
        .then(pl.lit("declined"))
        .when(pl.col("prosecution_on").is_not_null())
        .then(pl.lit("prosecution"))
        .when(pl.col("arrest_on").is_not_null())
        .then(pl.lit("arrest"))
        .when(pl.col("warrant_on").is_not_null())
        .then(pl.lit("warrant"))
        .when(pl.col("seizure_on").is_not_null())
        .then(pl.lit("seizure"))
        .otherwise(pl.lit("open"))
    )
    assert (referrals.select(expected)["literal"] == referrals["status"]).all()
    declined = referrals.filter(pl.col("status") == "declined")
    assert declined.height > 0
    assert declined.select(pl.col(list(STEPS)).null_count().sum()).sum_horizontal().item() == (
        declined.height * len(STEPS)
    )
    # Later steps need the one before (the follow-up seizure is optional).
    assert (
        referrals.filter(pl.col("arrest_on").is_not_null() & pl.col("warrant_on").is_null()).height
        == 0
    )
    assert (
        referrals.filter(
            pl.col("prosecution_on").is_not_null() & pl.col("arrest_on").is_null()
        ).height
        == 0
    )
    statuses = set(referrals["status"].unique())
    assert statuses == {"open", "seizure", "warrant", "arrest", "prosecution", "declined"}


def test_gen132_referral_shares_agencies_and_ids(referrals, with_shipments, seizures):
    share = referrals.height / seizures.height
    assert 0.28 <= share <= 0.42
    referred = seizures.with_columns(
        pl.col("seizure_id").is_in(referrals["seizure_id"].implode()).alias("referred")
    )
    by = dict(referred.group_by("commodity").agg(pl.col("referred").mean()).iter_rows())
    assert by["fentanyl_pills"] > 1.5 * by["marijuana"]
    chemical = referred.filter(pl.col("category").is_in(["precursor", "equipment"]))
    assert chemical["referred"].mean() > share
    declined = (referrals["status"] == "declined").mean()
    assert 0.12 < declined < 0.35
    agencies = referrals.join(seizures.select("seizure_id", "mode"), on="seizure_id")
    by_agency = agencies.group_by("agency").len()
    top = by_agency.sort("len", descending=True)["agency"][0]
    assert top == "HSI"
    uspis = agencies.filter(pl.col("agency") == "USPIS")
    assert uspis.height > 0 and (uspis["mode"] == "mail").all()
    recent = referrals.filter(pl.col("referred_on") > date(2026, 3, 1))
    assert (recent["status"] == "open").mean() > 0.6
    old = referrals.filter(pl.col("fiscal_year") <= 2021)
    assert (old["status"] == "prosecution").mean() > 0.1
    assert referrals["referral_id"].n_unique() == referrals.height
    assert referrals["referral_id"].str.contains(r"^RF\d+$").all()
    assert referrals["seizure_id"].n_unique() == referrals.height
    copied = referrals.join(with_shipments.select("seizure_id", "shipment_id"), on="seizure_id")
    assert copied["shipment_id"].eq_missing(copied["shipment_id_right"]).all()
    assert copied["shipment_id"].is_not_null().any()
    assert (
        referrals["fiscal_year"] == referrals.select(_fiscal_year("referred_on")).to_series()
    ).all()


def test_gen133_referrals_deterministic(with_shipments, referrals):
    again = make_referrals(with_shipments, np.random.default_rng(11), END, "test-batch", INGESTED)
    assert again.equals(referrals)
    other = make_referrals(with_shipments, np.random.default_rng(12), END, "test-batch", INGESTED)
    assert not other.equals(referrals)
