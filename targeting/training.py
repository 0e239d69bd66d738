"""Labels and training: examined shipments and their outcomes, analyst feedback on top.

A shipment teaches the model only once someone looked at it: examined rows are "seized" (1) or
"cleared" (0); rows nobody examined are unlabelled, not negative, and are left out. An analyst's
feedback ("examined — seized / clean") overrides the lake's label of that shipment and adds
shipments the lake never saw examined. Rows from the first ``BURN_IN_DAYS`` of the lake are left
out too: their history features are empty for reasons that have nothing to do with risk.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import polars as pl

from targeting import features
from targeting.history import OUTCOME_LAG_DAYS
from targeting.model import Model, fit

BURN_IN_DAYS = 180
TEST_MONTHS = 3  # the evaluation tests on the latest three months and trains on the rest


def with_labels(frame: pl.DataFrame, feedback: pl.DataFrame | None = None) -> pl.DataFrame:
    """Add ``label`` (1 seized, 0 clean, null unknown) and ``from_feedback``.

    ``feedback`` has ``shipment_id`` and ``verdict`` ("seized" or "clean"); the latest verdict
    of a shipment wins over what the lake says.
    """
    lake = (
        pl.when(pl.col("outcome") == "seized")
        .then(pl.lit(1, pl.Int8))
        .when(pl.col("examined"))
        .then(pl.lit(0, pl.Int8))
    )
    out = frame.with_columns(lake.alias("label"), pl.lit(False).alias("from_feedback"))
    if feedback is None or feedback.is_empty():
        return out
    verdicts = feedback.select(
        "shipment_id",
        pl.col("verdict")
        .replace_strict({"seized": 1, "clean": 0}, return_dtype=pl.Int8)
        .alias("_verdict"),
    ).unique("shipment_id", keep="last")
    out = out.join(verdicts, on="shipment_id", how="left", maintain_order="left")
    return out.with_columns(
        pl.coalesce("_verdict", "label").alias("label"),
        pl.col("_verdict").is_not_null().alias("from_feedback"),
    ).drop("_verdict")


def test_start(frame: pl.DataFrame) -> date:
    """First day of the test window: ``TEST_MONTHS`` months before the last arrival's month."""
    return test_start_after(frame["arrived_at"].max())


def test_start_after(last: datetime) -> date:
    """``test_start`` of a lake whose last arrival is ``last`` (known before reading its rows)."""
    month = last.year * 12 + last.month - 1 - (TEST_MONTHS - 1)
    return date(month // 12, month % 12 + 1, 1)


def training_rows(frame: pl.DataFrame, until: date | None = None) -> pl.DataFrame:
    """Labelled rows past the burn-in whose outcome was known before ``until``."""
    rows = frame.filter(pl.col("label").is_not_null() & (pl.col("history_days") >= BURN_IN_DAYS))
    if until is not None:
        known_by = datetime.combine(until - timedelta(days=OUTCOME_LAG_DAYS), datetime.min.time())
        rows = rows.filter(pl.col("arrived_at") < known_by)
    return rows


def train(frame: pl.DataFrame, seed: int, until: date | None = None) -> Model:
    """Fit on ``training_rows``; ``frame`` has history, rule and label columns."""
    rows = training_rows(frame, until)
    if rows.is_empty() or rows["label"].n_unique() < 2:
        raise ValueError("not enough labelled shipments to train (need seized and cleared)")
    x = features.matrix(rows)
    y = rows["label"].to_numpy().astype(np.int64)
    model = fit(x, y, list(features.FEATURE_NAMES), seed)
    model.trained_at = datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds")
    model.train_from = rows["arrived_at"].min().date().isoformat()
    model.train_to = rows["arrived_at"].max().date().isoformat()
    model.feedback_rows = int(rows["from_feedback"].sum())
    return model
