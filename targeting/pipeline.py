"""The batch jobs over a whole lake: evaluate, train (with the evaluation attached), score.

History is the expensive part (a pass over every shipment), so the jobs share one frame: history,
red flags and labels (analyst feedback included) of every shipment, computed once per run.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

import settings
from queries.gateway import Gateway
from targeting import evaluation, features, history, model, scoring, store, training


def lake_frame(data_dir: Path | None = None) -> pl.DataFrame:
    """Every shipment with its point-in-time history, rule flags and label."""
    data_dir = data_dir or settings.data_dir()
    gateway = Gateway(data_dir)
    if not gateway.has("shipments"):
        raise ValueError(f"no shipments in the lake under {data_dir.name!r}: build it first")
    cur = gateway.cursor().cursor()
    try:
        frame = features.with_rules(history.batch_history(cur))
    finally:
        cur.close()
    return training.with_labels(frame, store.feedback_frame(data_dir))


def evaluate_lake(data_dir: Path | None = None, seed: int | None = None, frame=None) -> dict:
    """The time-split evaluation of the lake (see ``targeting.evaluation``)."""
    seed = settings.get("seed") if seed is None else seed
    frame = lake_frame(data_dir) if frame is None else frame
    result, _ = evaluation.evaluate(frame, seed)
    return result


def train_lake(
    data_dir: Path | None = None, seed: int | None = None, frame: pl.DataFrame | None = None
) -> tuple[model.Model, dict]:
    """Evaluate the recipe on a time split, then fit it on every labelled shipment and save it
    (``state/model-<version>.json``) with that evaluation attached, for the model card."""
    data_dir = data_dir or settings.data_dir()
    seed = settings.get("seed") if seed is None else seed
    frame = lake_frame(data_dir) if frame is None else frame
    result, _ = evaluation.evaluate(frame, seed)
    trained = training.train(frame, seed)
    trained.evaluation = result
    model.save(trained, data_dir)
    return trained, result


def train_and_score(data_dir: Path | None = None, seed: int | None = None) -> str:
    """Train, save and score the whole lake in one pass over the history; a one-line summary."""
    data_dir = data_dir or settings.data_dir()
    frame = lake_frame(data_dir)
    try:
        trained, result = train_lake(data_dir, seed, frame)
    except ValueError as exc:  # too few examined shipments: the queue ranks by red flags
        scores = scoring.score_lake(data_dir, frame)
        version = scores["model_version"][0] if scores.height else scoring.RULES_ONLY
        return f"targeting model not trained ({exc}); scored {scores.height:,} with {version}"
    scores = scoring.score_lake(data_dir, frame)
    top = result["model"]["top_1pct"]
    return (
        f"targeting model {trained.version}: trained on {trained.rows:,} examined shipments; "
        f"test lift at the top 1 % {top['lift']:.1f}x (rules alone "
        f"{result['rules_only']['top_1pct']['lift']:.1f}x); scored {scores.height:,} shipments"
    )
