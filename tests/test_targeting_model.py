"""The learned score: its arithmetic and reasons checked by hand, deterministic training, JSON
files that load back to the same scores, and analyst feedback overriding the lake's labels."""

from __future__ import annotations

import json
import math
from datetime import datetime

import numpy as np
import polars as pl
import pytest

from targeting import features, model, pipeline, training

HAND = model.Model(
    features=["entry_86", "rule_placeholder_consignee"],
    mean=[0.5, 0.1],
    scale=[0.5, 0.3],
    coef=[-1.0, 2.0],
    intercept=-3.0,
    seed=1,
)


def test_tgm001_score_and_reasons_by_hand():
    # Not Type 86 (0 vs mean 0.5, coefficient -1): +1.0; placeholder (1 vs 0.1, /0.3, x2): +6.0.
    x = np.array([[0.0, 1.0], [1.0, 0.0]])
    expected = [1 / (1 + math.exp(-(1.0 + 6.0 - 3.0))), 1 / (1 + math.exp(-(-1.0 - 2 / 3 - 3.0)))]
    assert np.allclose(HAND.score(x), expected)
    score, reasons = model.explain(HAND, x)
    assert np.allclose(score, expected)
    assert reasons[0] == "Placeholder name +6.0 · Not a Section 321 (Type 86) entry +1.0"
    assert reasons[1] == ""  # nothing pushed the second row up


def test_tgm002_contributions_add_up_to_the_log_odds():
    rng = np.random.default_rng(5)
    x = rng.random((50, 2))
    assert np.allclose(HAND.contributions(x).sum(axis=1) + HAND.intercept, HAND.log_odds(x))


def test_tgm003_json_round_trip_keeps_the_scores(tmp_path):
    model.save(HAND, tmp_path)
    text = (tmp_path / "state" / model.CURRENT).read_text()
    pointer = json.loads(text)
    assert pointer["version"] == HAND.version
    loaded = model.load_current(tmp_path)
    x = np.array([[1.0, 1.0], [0.0, 0.0]])
    assert loaded.version == HAND.version
    assert np.array_equal(loaded.score(x), HAND.score(x))
    assert json.loads((tmp_path / "state" / pointer["file"]).read_text())["coef"] == HAND.coef


def test_tgm004_version_follows_the_arithmetic():
    other = model.Model(**{**HAND.__dict__, "coef": [-1.0, 2.5], "version": ""})
    assert other.version != HAND.version and other.version.startswith("lr-")


def test_tgm005_feedback_overrides_labels_latest_verdict_wins():
    frame = pl.DataFrame(
        {
            "shipment_id": ["A", "B", "C", "D"],
            "outcome": ["cleared", "not_examined", "seized", "not_examined"],
            "examined": [True, False, True, False],
        }
    )
    feedback = pl.DataFrame(
        {
            "shipment_id": ["A", "B", "C", "C"],
            "verdict": ["seized", "clean", "clean", "seized"],
        }
    )
    out = training.with_labels(frame, feedback)
    assert out["label"].to_list() == [1, 0, 1, None]
    assert out["from_feedback"].to_list() == [True, True, True, False]
    plain = training.with_labels(frame)
    assert plain["label"].to_list() == [0, None, 1, None]


@pytest.fixture(scope="module")
def demo_frame(demo_lake) -> pl.DataFrame:
    return pipeline.lake_frame(demo_lake)


def test_tgm006_training_is_deterministic_for_a_seed(demo_frame):
    a = training.train(demo_frame, seed=3)
    b = training.train(demo_frame, seed=3)
    assert a.version == b.version and a.coef == b.coef
    x = features.matrix(demo_frame.head(500), tuple(a.features))
    assert np.array_equal(a.score(x), b.score(x))


def test_tgm007_training_uses_only_labelled_rows_after_the_burn_in(demo_frame):
    rows = training.training_rows(demo_frame)
    assert rows["label"].null_count() == 0
    assert rows["history_days"].min() >= training.BURN_IN_DAYS
    examined = demo_frame.filter(
        pl.col("examined") & (pl.col("history_days") >= training.BURN_IN_DAYS)
    )
    assert rows.height == examined.height


def test_tgm008_feedback_changes_the_next_training_run(demo_frame):
    before = training.train(demo_frame, seed=3)
    unexamined = demo_frame.filter(
        ~pl.col("examined") & (pl.col("history_days") > training.BURN_IN_DAYS)
    )["shipment_id"].head(30)
    feedback = pl.DataFrame({"shipment_id": unexamined, "verdict": ["seized"] * 30})
    relabelled = training.with_labels(demo_frame.drop("label", "from_feedback"), feedback)
    after = training.train(relabelled, seed=3)
    assert after.feedback_rows == 30
    assert after.rows == before.rows + 30 and after.positives == before.positives + 30
    assert after.version != before.version


def test_tgm009_training_window_can_stop_before_a_day(demo_frame):
    until = training.test_start(demo_frame)
    trained = training.train(demo_frame, seed=3, until=until)
    assert datetime.fromisoformat(trained.train_to).date() < until


def test_tgm010_scores_are_calibrated_and_separate_the_top():
    """Overconfident log-odds (a few strongly separating features, heavy class overlap in the
    rest) are rescaled by Platt scaling: the mean score matches the positive share, and the top
    of the ranking no longer rounds to 100.0 %."""
    rng = np.random.default_rng(3)
    n = 20_000
    x = rng.normal(size=(n, 4))
    logit = 6 * x[:, 0] + 4 * x[:, 1] - 3
    y = (rng.random(n) < 1 / (1 + np.exp(-logit / 3))).astype(np.int64)  # noisier than it looks
    fitted = model.fit(x, y, ["a", "b", "c", "d"], seed=1)
    assert fitted.calibration["method"] == "platt" and 0 < fitted.calibration["slope"] < 1.5
    score = fitted.score(x)
    assert abs(score.mean() - y.mean()) < 0.01
    top = np.sort(score)[-200:]
    assert (np.round(top * 1000) >= 1000).sum() < 20, "the top separates at one decimal"
    contrib = fitted.contributions(x[:5])
    assert np.allclose(contrib.sum(axis=1) + fitted.intercept, fitted.log_odds(x[:5]))
