"""Scores on ingest: ``score_shipments`` for a live batch, ``score_lake`` for every shipment.

A score row says how likely an examination of the shipment finds something (the model's
probability), which red flags fired (``flags``, rule names) and which features pushed the score
up (``reasons``). Before any model was trained the score is the share of red flags that fired
and ``model_version`` says ``rules-only``, so a fresh lake still gets a usable queue.

The ``scores`` lake table holds one row per shipment and scoring; a shipment scored again (a new
model, a re-scored batch) keeps its old rows until ``score_lake`` replaces the table, and readers
take the latest ``scored_at``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl

import settings
from lake.contract import CONTRACT, conform
from lake.writer import commit, write_partitioned
from queries.gateway import Gateway
from targeting import features, history, model, rules

RULES_ONLY = "rules-only"
LAKE_PREFIX = "score-"
SCORE_COLUMNS = ("shipment_id", "score", "model_version", "flags", "reasons", "scored_at")
# the shipment columns a score row carries (see the scores contract), so the queue needs no join
SHIPMENT_COPY = tuple(c.name for c in CONTRACT["scores"] if c.name not in SCORE_COLUMNS)

_caches: dict[Path, history.SnapshotCache] = {}
_models: dict[Path, tuple[float, model.Model | None]] = {}
_lock = threading.Lock()


def _cache(data_dir: Path) -> history.SnapshotCache:
    with _lock:
        if data_dir not in _caches:
            _caches[data_dir] = history.SnapshotCache(data_dir)
        return _caches[data_dir]


def model_stamp(data_dir: Path) -> int | None:
    """When the current model was last pointed at (None before the first training): it changes
    when a training finishes, whether or not the shipments were scored again."""
    try:
        return (model.state_dir(data_dir) / model.CURRENT).stat().st_mtime_ns
    except FileNotFoundError:
        return None


def current_model(data_dir: Path) -> model.Model | None:
    """The trained model of a data folder, re-read only when its pointer file changes."""
    stamp = model_stamp(data_dir)
    if stamp is None:
        return None
    with _lock:
        hit = _models.get(data_dir)
        if hit and hit[0] == stamp:
            return hit[1]
    loaded = model.load_current(data_dir)
    with _lock:
        _models[data_dir] = (stamp, loaded)
    return loaded


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def empty_scores() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "shipment_id": pl.Utf8,
            "score": pl.Float64,
            "model_version": pl.Utf8,
            "flags": pl.List(pl.Utf8),
            "reasons": pl.Utf8,
            "scored_at": pl.Datetime("us"),
        }
    )


def score_frame(
    frame: pl.DataFrame, trained: model.Model | None, scored_at: datetime | None = None
) -> pl.DataFrame:
    """Scores of a frame that already has history and ``rule_*`` columns, stamped ``scored_at``
    (default: now)."""
    flags = rules.fired_lists(frame.select([f"rule_{n}" for n in rules.RULE_NAMES]))
    if trained is None:
        count = features.rule_count(frame)
        score = count / len(rules.RULES)
        labels = {r.name: r.label for r in rules.RULES}
        reasons = flags.list.eval(pl.element().replace_strict(labels)).list.join(" · ")
        version = RULES_ONLY
    else:
        x = features.matrix(frame, tuple(trained.features))
        score, reasons = model.explain(trained, x)
        version = trained.version
    return pl.DataFrame(
        {
            "shipment_id": frame["shipment_id"],
            "score": pl.Series(np.round(score, 6), dtype=pl.Float64),
            "flags": flags,
            "reasons": reasons,
        }
    ).select(
        "shipment_id",
        "score",
        pl.lit(version, pl.Utf8).alias("model_version"),
        "flags",
        "reasons",
        pl.lit(scored_at or _now(), pl.Datetime("us")).alias("scored_at"),
    )


def _no_lake_history(frame: pl.DataFrame) -> pl.DataFrame:
    """History of a batch when the lake has no shipments yet: nothing was known before."""
    base = frame.select(history.BASE_COLUMNS).with_columns(
        pl.col("consignee_address_id").alias("address_id"),
        pl.concat_str(
            [
                pl.col("origin_country"),
                pl.col("transit_country").fill_null("-"),
                pl.col("port_code"),
                pl.col("mode"),
            ],
            separator=">",
        ).alias("route"),
        (pl.col("outcome") == "seized").alias("seized"),
        (
            pl.col("declared_value_usd").clip(lower_bound=0.01)
            / pl.col("declared_weight_kg").clip(lower_bound=0.001)
        )
        .log()
        .alias("lv"),
    )
    zeros = [pl.lit(0, pl.Int64).alias(c) for c in history.HISTORY_COLUMNS]
    nulls = [pl.lit(None, pl.Float64).alias(c) for c in ("norm_median", "norm_mad")]
    return history.derive(base.with_columns(zeros).with_columns(nulls))


def score_shipments(frame: pl.DataFrame, gateway: Gateway) -> pl.DataFrame:
    """Score a batch of new shipments (contract columns) against the lake behind ``gateway``.

    Returns shipment_id, score, model_version, flags (rule names), reasons and scored_at, one
    row per input row, in input order. Fast enough for the inbox watcher: the lake's history is
    read through cached per-day snapshots (see ``targeting.history``).
    """
    if frame.is_empty():
        return empty_scores()
    if gateway.has("shipments"):
        known = history.live_history(gateway, frame, _cache(gateway.data_dir))
    else:
        known = _no_lake_history(frame)
    scored = score_frame(features.with_rules(known), current_model(gateway.data_dir))
    order = frame.select("shipment_id").with_row_index("_i")
    return order.join(scored, on="shipment_id", how="left").sort("_i").drop("_i")


def prepare(gateway: Gateway, when: datetime | None = None) -> None:
    """Build the history snapshot of ``when``'s day (default: now, UTC) ahead of the first batch.

    The inbox watcher can call this when it starts and shortly after midnight: the first
    ``score_shipments`` of a day otherwise builds it, which costs about a second per million lake
    rows; every later batch of the day reuses it.
    """
    if gateway.has("shipments"):
        history.warm(gateway, _cache(gateway.data_dir), when or _now())


def write_scores(
    scores: pl.DataFrame,
    shipments: pl.DataFrame,
    file_stem: str,
    data_dir: Path | None = None,
    replace_prefix: str | None = None,
) -> list[Path]:
    """Write score rows to the ``scores`` table and make them visible in one commit.

    ``shipments`` (contract columns) are the scored shipments: a score row carries their queue
    columns, and lives in the fiscal-year partition of its shipment, so a page filtering by year
    reads the matching score files only.
    """
    rows = _with_shipment(scores, shipments)
    written = write_partitioned("scores", conform("scores", rows), file_stem, data_dir)
    if written or replace_prefix is not None:
        commit("scores", add=written, data_dir=data_dir, replace_prefix=replace_prefix)
    return written


@dataclass(frozen=True)
class ScoredLake:
    """What ``score_lake`` wrote: how many shipments, with which model version."""

    rows: int
    version: str


def lake_rule_chunks(data_dir: Path) -> Iterator[pl.DataFrame]:
    """Every shipment of the lake with its history and ``rule_*`` columns, in runs of whole
    months (``history.history_chunks``): a lake of any size, a chunk in memory at a time."""
    gateway = Gateway(data_dir)
    if not gateway.has("shipments"):
        return
    for chunk in history.history_chunks(gateway):
        yield features.with_rules(chunk)


def _with_shipment(scores: pl.DataFrame, shipments: pl.DataFrame) -> pl.DataFrame:
    """Score rows with their shipment's copied columns and fiscal year (the partition)."""
    year = pl.col("arrived_at").dt.year() + (pl.col("arrived_at").dt.month() >= 10).cast(pl.Int32)
    keyed = shipments.select(
        "shipment_id", *SHIPMENT_COPY, year.cast(pl.Int16).alias("fiscal_year")
    )
    return scores.join(keyed, on="shipment_id", how="inner")


def score_lake(
    data_dir: Path | None = None, chunks: Iterable[pl.DataFrame] | None = None
) -> ScoredLake:
    """Score every shipment of the lake with the current model and replace the ``scores`` table
    in one commit (readers see the old scores until then, never half of the new ones).

    ``chunks`` (history and rule columns, every shipment once) can be passed in when the caller
    has just computed them, e.g. right after training; each is scored and written on its own.
    """
    data_dir = data_dir or settings.data_dir()
    chunks = lake_rule_chunks(data_dir) if chunks is None else chunks
    trained = current_model(data_dir)
    version = trained.version if trained is not None else RULES_ONLY
    written: list[Path] = []
    rows = 0
    run = _now()  # one stamp for the run: the table it replaces is one scoring
    for i, chunk in enumerate(chunks):
        scores = score_frame(chunk, trained, run)
        keyed = _with_shipment(scores, chunk)
        written += write_partitioned(
            "scores", conform("scores", keyed), f"{LAKE_PREFIX}{version}-{i:03d}", data_dir
        )
        rows += scores.height
    if written:
        commit("scores", add=written, data_dir=data_dir, replace_prefix="")
    return ScoredLake(rows, version)


def score_arrivals(rows: pl.DataFrame, stem: str, data_dir: Path) -> None:
    """The live feed's arrival hook: score a batch's new shipments and write them under the
    file stem the feed gives (the batch's own name)."""
    write_scores(score_shipments(rows, Gateway(data_dir)), rows, stem, data_dir)
