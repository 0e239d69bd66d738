"""An honest evaluation: train on earlier months, test on the latest, against two baselines.

The question an officer asks is "if I examine the top 1 % (or 5 %) of today's arrivals by this
score, how many seizures do I find?". So the test set is *every* shipment of the test months,
examined or not, and a positive is a shipment that was seized. Shipments nobody examined count as
not seized: that is all the lake knows, and it makes every number here a lower bound (the demo
plants illicit rows nobody examined; a score that finds them is penalised, not rewarded).

Baselines: random selection (precision = the seizure rate, lift 1) and the rules alone (score =
how many red flags fired). Integer rule counts tie a lot at the cut-off, so ties are shared out
fractionally: the expected result of breaking them at random, never a lucky order.
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime

import numpy as np
import polars as pl
from sklearn.metrics import roc_auc_score

from targeting import features, training
from targeting.model import Model

SHARES = (0.01, 0.05)


def at_top(score: np.ndarray, positive: np.ndarray, share: float) -> dict:
    """Precision, recall and lift when the top ``share`` of rows by ``score`` are examined."""
    n = len(score)
    total = float(positive.sum())
    if n == 0 or total == 0:
        return {"k": 0, "found": 0.0, "precision": 0.0, "recall": 0.0, "lift": 0.0}
    k = max(1, math.ceil(share * n))
    threshold = np.sort(score)[::-1][k - 1]
    above = score > threshold
    tied = score == threshold
    need = k - int(above.sum())
    found = float(positive[above].sum()) + float(positive[tied].sum()) * need / int(tied.sum())
    precision = found / k
    return {
        "k": k,
        "found": round(found, 2),
        "precision": precision,
        "recall": found / total,
        "lift": precision / (total / n),
    }


def _block(score: np.ndarray, positive: np.ndarray) -> dict:
    out = {f"top_{round(s * 100)}pct": at_top(score, positive, s) for s in SHARES}
    out["auc"] = float(roc_auc_score(positive, score)) if 0 < positive.sum() < len(score) else None
    return out


def evaluate(frame: pl.DataFrame, seed: int) -> tuple[dict, Model]:
    """Train on the months before ``training.test_start`` and score the months from it.

    ``frame`` has history, rule and label columns for every shipment.
    """
    start = training.test_start(frame)
    model = training.train(frame, seed, until=start)
    test = frame.filter(pl.col("arrived_at") >= datetime.combine(start, datetime.min.time()))
    positive = (test["outcome"] == "seized").to_numpy()
    model_score = model.score(features.matrix(test, tuple(model.features)))
    rules_score = features.rule_count(test)
    n, seized = test.height, int(positive.sum())
    result = {
        "test_from": start.isoformat(),
        "test_to": test["arrived_at"].max().date().isoformat() if n else start.isoformat(),
        "train_from": model.train_from,
        "train_to": model.train_to,
        "train_rows": model.rows,
        "train_positives": model.positives,
        "test_rows": n,
        "test_seized": seized,
        "base_rate": seized / n if n else 0.0,
        "seed": seed,
        "model": _block(model_score, positive),
        "rules_only": _block(rules_score, positive),
        "random": {
            f"top_{round(s * 100)}pct": {
                "k": max(1, math.ceil(s * n)),
                "precision": seized / n if n else 0.0,
                "recall": s,
                "lift": 1.0,
            }
            for s in SHARES
        },
    }
    for key in ("top_1pct", "top_5pct"):
        rules_lift = result["rules_only"][key]["lift"]
        result["model"][key]["lift_over_rules"] = (
            result["model"][key]["lift"] / rules_lift if rules_lift else None
        )
    return result, model


def table(result: dict) -> str:
    """The evaluation as a small text table (what ``python -m targeting evaluate`` prints)."""
    lines = [
        f"Train {result['train_from']} .. {result['train_to']}: {result['train_rows']:,} "
        f"examined shipments ({result['train_positives']:,} seized).",
        f"Test  {result['test_from']} .. {result['test_to']}: {result['test_rows']:,} shipments, "
        f"{result['test_seized']:,} seized (base rate {result['base_rate']:.2%}).",
        "",
        f"{'score':<12}{'top':>5}{'examined':>10}{'found':>9}{'precision':>11}{'recall':>9}"
        f"{'lift':>8}{'AUC':>7}",
    ]
    for name in ("model", "rules_only", "random"):
        block = result[name]
        for key, label in (("top_1pct", "1%"), ("top_5pct", "5%")):
            m = block[key]
            auc = block.get("auc")
            lines.append(
                f"{name:<12}{label:>5}{m['k']:>10,}{m.get('found', m['precision'] * m['k']):>9,.0f}"
                f"{m['precision']:>11.1%}{m['recall']:>9.1%}{m['lift']:>7.1f}x"
                f"{(f'{auc:.3f}' if auc and key == 'top_1pct' else ''):>7}"
            )
    for key, label in (("top_1pct", "1%"), ("top_5pct", "5%")):
        over = result["model"][key].get("lift_over_rules")
        if over:
            lines.append(f"Model vs rules alone at the top {label}: {over:.2f}x the lift.")
    return "\n".join(lines)


def dumps(result: dict) -> str:
    def default(value):
        if isinstance(value, (date, datetime)):
            return value.isoformat()
        if isinstance(value, np.generic):
            return value.item()
        raise TypeError(type(value))

    return json.dumps(result, indent=1, default=default)
