"""The batch jobs over a whole lake: evaluate, train (with the evaluation attached), score.

History is the expensive part (a pass over every shipment), so the jobs share it: history, red
flags and labels (analyst feedback included) of every shipment, computed once per run, in chunks
of whole months so that a national-scale lake never has to fit in memory at once.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import polars as pl

import settings
from queries import targeting as queue_queries
from queries.gateway import Gateway
from targeting import evaluation, model, scoring, store, training


def lake_chunks(data_dir: Path | None = None) -> Iterator[pl.DataFrame]:
    """Every shipment with its point-in-time history, rule flags and label, in runs of whole
    months, oldest first."""
    data_dir = data_dir or settings.data_dir()
    if not Gateway(data_dir).has("shipments"):
        raise ValueError(f"no shipments in the lake under {data_dir.name!r}: build it first")
    feedback = store.feedback_frame(data_dir)
    for chunk in scoring.lake_rule_chunks(data_dir):
        yield training.with_labels(chunk, feedback)


def lake_frame(data_dir: Path | None = None) -> pl.DataFrame:
    """Every shipment with its point-in-time history, rule flags and label, in one frame (for
    lakes that fit in memory; ``train_and_score`` streams ``lake_chunks`` instead)."""
    return pl.concat(list(lake_chunks(data_dir)))


def model_rows(data_dir: Path, spill: Path | None = None) -> tuple[pl.DataFrame, list[Path]]:
    """The rows the model learns or is tested on: examined shipments (or with feedback) and every
    shipment of the test window (``training.test_start``), a few per cent of the lake. Each chunk
    of the whole lake is also written to ``spill`` when given (returned in order), for scoring.

    Training and evaluation on these rows equal those on every row: both only read them.
    """
    kept: list[pl.DataFrame] = []
    paths: list[Path] = []
    start: datetime | None = None
    for i, chunk in enumerate(lake_chunks(data_dir)):
        if start is None:
            last = queue_queries.as_of(Gateway(data_dir))
            start = datetime.combine(training.test_start_after(last), datetime.min.time())
        if spill is not None:
            paths.append(spill / f"chunk-{i:04d}.parquet")
            chunk.write_parquet(paths[-1])
        kept.append(chunk.filter(pl.col("label").is_not_null() | (pl.col("arrived_at") >= start)))
    return pl.concat(kept), paths


def evaluate_lake(
    data_dir: Path | None = None, seed: int | None = None, frame: pl.DataFrame | None = None
) -> dict:
    """The time-split evaluation of the lake (see ``targeting.evaluation``)."""
    data_dir = data_dir or settings.data_dir()
    seed = settings.get("seed") if seed is None else seed
    frame = model_rows(data_dir)[0] if frame is None else frame
    result, _ = evaluation.evaluate(frame, seed)
    return result


def train_lake(
    data_dir: Path | None = None, seed: int | None = None, frame: pl.DataFrame | None = None
) -> tuple[model.Model, dict]:
    """Evaluate the recipe on a time split, then fit it on every labelled shipment and save it
    (``state/model-<version>.json``) with that evaluation attached, for the model card."""
    data_dir = data_dir or settings.data_dir()
    seed = settings.get("seed") if seed is None else seed
    frame = model_rows(data_dir)[0] if frame is None else frame
    result, _ = evaluation.evaluate(frame, seed)
    trained = training.train(frame, seed)
    trained.evaluation = result
    model.save(trained, data_dir)
    return trained, result


def train_and_score(data_dir: Path | None = None, seed: int | None = None) -> str:
    """Train, save and score the whole lake in one pass over the history; a one-line summary.

    The history of every shipment is computed once, a chunk of months at a time: each chunk is
    kept on local disk for scoring, and only ``model_rows`` stay in memory, so a lake of
    20 million shipments is trained and scored in a few gigabytes.
    """
    data_dir = data_dir or settings.data_dir()
    with tempfile.TemporaryDirectory(prefix="chokepoint-history-") as spill:
        frame, paths = model_rows(data_dir, Path(spill))
        chunks = (pl.read_parquet(path) for path in paths)
        try:
            trained, result = train_lake(data_dir, seed, frame)
        except ValueError as exc:  # too few examined shipments: the queue ranks by red flags
            scored = scoring.score_lake(data_dir, chunks)
            return (
                f"targeting model not trained ({exc}); scored {scored.rows:,} with {scored.version}"
            )
        del frame
        scored = scoring.score_lake(data_dir, chunks)
    top = result["model"]["top_1pct"]
    return (
        f"targeting model {trained.version}: trained on {trained.rows:,} examined shipments; "
        f"test lift at the top 1 % {top['lift']:.1f}x (rules alone "
        f"{result['rules_only']['top_1pct']['lift']:.1f}x); scored {scored.rows:,} shipments"
    )
