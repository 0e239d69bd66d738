"""The learned score: a logistic regression over standardised features, saved as plain JSON.

Why logistic: every score splits exactly into per-feature contributions, coefficient x
standardised value (how far this shipment sits from the average training shipment, in standard
deviations), plus the intercept. The reasons shown to an analyst are the largest positive
contributions, so they always add up to the score's log-odds; no approximation is involved.

Why JSON: a model file is data, not code. Loading it never runs anything (no pickle), it can be
diffed and reviewed, and it carries its own training window and evaluation numbers.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import polars as pl
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from lake.writer import write_bytes_atomic
from targeting.features import FEATURE_LABELS, FEATURE_LOW_LABELS

C_REGULARISATION = 0.5
MAX_ITER = 2000
TOP_REASONS = 3
MIN_REASON = 0.05  # log-odds: smaller pushes are not worth a line
CURRENT = "model-current.json"
CALIBRATION_FOLDS = 3


@dataclass
class Model:
    """Coefficients and the standardisation they expect, plus where they came from."""

    features: list[str]
    mean: list[float]
    scale: list[float]
    coef: list[float]
    intercept: float
    seed: int
    trained_at: str = ""
    train_from: str = ""
    train_to: str = ""
    rows: int = 0
    positives: int = 0
    feedback_rows: int = 0
    evaluation: dict = field(default_factory=dict)
    version: str = ""
    # how the raw log-odds were mapped to the probability shown (folded into coef/intercept)
    calibration: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.version:
            self.version = self.digest()

    def digest(self) -> str:
        """A version that changes exactly when the scoring arithmetic changes."""
        payload = json.dumps([self.features, self.mean, self.scale, self.coef, self.intercept])
        return "lr-" + hashlib.sha256(payload.encode()).hexdigest()[:10]

    # -- arithmetic ---------------------------------------------------------------------------
    def _standardised(self, x: np.ndarray) -> np.ndarray:
        return (x - np.asarray(self.mean)) / np.asarray(self.scale)

    def contributions(self, x: np.ndarray) -> np.ndarray:
        """Per row and feature: coefficient x standardised value (log-odds)."""
        return self._standardised(x) * np.asarray(self.coef)

    def log_odds(self, x: np.ndarray) -> np.ndarray:
        return self._standardised(x) @ np.asarray(self.coef) + self.intercept

    def score(self, x: np.ndarray) -> np.ndarray:
        """Probability-like score in (0, 1): seized among examined shipments like this one."""
        return 1.0 / (1.0 + np.exp(-self.log_odds(x)))

    # -- files --------------------------------------------------------------------------------
    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Model:
        data = json.loads(text)
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)


def fit(x: np.ndarray, y: np.ndarray, names: list[str], seed: int, weight=None) -> Model:
    """A deterministic fit (lbfgs has no randomness; ``seed`` is recorded and passed on), then
    calibrated: Platt scaling fitted on out-of-fold log-odds.

    An uncalibrated regression over strongly separating features gave thousands of queue rows
    a score that rounds to 100.0 %, so the top of the queue did not separate and the number
    overstated the chance of a find. Platt scaling fits ``seized ~ a * log_odds + b`` on
    predictions each made without the row's own fold, and is affine in the log-odds: it is
    folded into the coefficients and the intercept, so the score stays a logistic model and
    its reasons still add up exactly to the log-odds of the number shown.
    """
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale = np.where(scale < 1e-9, 1.0, scale)
    z = (x - mean) / scale
    estimator = LogisticRegression(C=C_REGULARISATION, max_iter=MAX_ITER, random_state=seed)
    estimator.fit(z, y, sample_weight=weight)
    slope, offset = _platt(z, y, weight, seed)
    return Model(
        features=list(names),
        mean=[float(v) for v in mean],
        scale=[float(v) for v in scale],
        coef=[float(v) * slope for v in estimator.coef_[0]],
        intercept=float(estimator.intercept_[0]) * slope + offset,
        seed=seed,
        rows=int(len(y)),
        positives=int(np.sum(y)),
        calibration={
            "method": "platt",
            "folds": CALIBRATION_FOLDS,
            "slope": round(slope, 6),
            "offset": round(offset, 6),
        },
    )


def _platt(z: np.ndarray, y: np.ndarray, weight, seed: int) -> tuple[float, float]:
    """(slope, offset) mapping the model's log-odds to calibrated log-odds, from out-of-fold
    predictions; (1, 0) when the labels are too few to split into folds."""
    positives, negatives = int(np.sum(y)), int(len(y) - np.sum(y))
    if min(positives, negatives) < CALIBRATION_FOLDS:
        return 1.0, 0.0
    folds = StratifiedKFold(CALIBRATION_FOLDS, shuffle=True, random_state=seed)
    oof = np.empty(len(y))
    for train, held in folds.split(z, y):
        part = LogisticRegression(C=C_REGULARISATION, max_iter=MAX_ITER, random_state=seed)
        part.fit(z[train], y[train], sample_weight=None if weight is None else weight[train])
        oof[held] = part.decision_function(z[held])
    platt = LogisticRegression(C=1e6, max_iter=MAX_ITER)
    platt.fit(oof.reshape(-1, 1), y, sample_weight=weight)
    return float(platt.coef_[0][0]), float(platt.intercept_[0])


def explain(model: Model, x: np.ndarray) -> tuple[np.ndarray, pl.Series]:
    """Scores and their reasons, from one pass over the contributions (they sum to the
    log-odds, so the reasons explain the very number shown)."""
    contrib = model.contributions(x)
    score = 1.0 / (1.0 + np.exp(-(contrib.sum(axis=1) + model.intercept)))
    return score, reasons_from(model, contrib)


def reasons(model: Model, x: np.ndarray, top: int = TOP_REASONS) -> pl.Series:
    """Per row: the features that pushed the score up most, e.g.
    "Placeholder name +1.4 · Value per kg below the HTS line's norm +0.9"."""
    return reasons_from(model, model.contributions(x), top)


def reasons_from(model: Model, contrib: np.ndarray, top: int = TOP_REASONS) -> pl.Series:
    """``reasons`` from contributions already computed."""
    if len(contrib) == 0:
        return pl.Series("reasons", [], dtype=pl.Utf8)
    k = min(top, contrib.shape[1])
    best = np.argpartition(-contrib, k - 1, axis=1)[:, :k]
    within = np.argsort(-np.take_along_axis(contrib, best, axis=1), axis=1, kind="stable")
    order = np.take_along_axis(best, within, axis=1)
    picked = np.take_along_axis(contrib, order, axis=1)
    # A positive contribution from a value below average reads as its "low" label.
    below = (picked * np.sign(np.asarray(model.coef))[order]) < 0
    high = [FEATURE_LABELS.get(n, n) for n in model.features]
    low = [FEATURE_LOW_LABELS.get(n, n) for n in model.features]
    labels = pl.Series(high + low, dtype=pl.Utf8)
    codes = order + below * len(model.features)
    frame = pl.DataFrame(
        {f"i{i}": codes[:, i].astype(np.int32) for i in range(k)}
        | {f"c{i}": np.round(picked[:, i], 1) for i in range(k)}
    )
    parts = [
        pl.when(pl.col(f"c{i}") >= MIN_REASON).then(
            pl.concat_str(
                [
                    pl.col(f"i{i}").replace_strict(
                        list(range(len(labels))), labels, return_dtype=pl.Utf8
                    ),
                    pl.lit(" +"),
                    pl.col(f"c{i}").cast(pl.Utf8),
                ]
            )
        )
        for i in range(k)
    ]
    text = pl.concat_str(parts, separator=" · ", ignore_nulls=True).fill_null("")
    return frame.select(text.alias("reasons")).to_series()


# -- where models live -------------------------------------------------------------------------
def state_dir(data_dir: Path) -> Path:
    return data_dir / "state"


def save(model: Model, data_dir: Path) -> Path:
    """``state/model-<version>.json``, then ``state/model-current.json`` pointing at it."""
    folder = state_dir(data_dir)
    path = folder / f"model-{model.version}.json"
    write_bytes_atomic(model.to_json().encode(), path)
    pointer = json.dumps({"version": model.version, "file": path.name}).encode()
    write_bytes_atomic(pointer, folder / CURRENT)
    return path


def load_current(data_dir: Path) -> Model | None:
    """The model ``model-current.json`` points at, or None before the first training."""
    pointer = state_dir(data_dir) / CURRENT
    try:
        name = json.loads(pointer.read_text())["file"]
        return Model.from_json((state_dir(data_dir) / Path(name).name).read_text())
    except (FileNotFoundError, KeyError, ValueError):
        return None
