"""Vectorised weighted draws where the weights depend on each row's situation.

Rows are grouped by a key (area, port, drug, ...); each group draws from its own weighted table in
one numpy call. Groups are visited in sorted key order so a seed always gives the same result.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np


def group_slices(keys: np.ndarray) -> list[tuple[object, np.ndarray]]:
    """(key, row indices) for every distinct key, in sorted key order."""
    uniques, inverse = np.unique(keys, return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    counts = np.bincount(inverse, minlength=len(uniques))
    bounds = np.concatenate([[0], np.cumsum(counts)])
    return [(uniques[i], order[bounds[i] : bounds[i + 1]]) for i in range(len(uniques))]


def choose(
    rng: np.random.Generator,
    weights: Mapping[str, float],
    size: int,
) -> np.ndarray:
    options = list(weights)
    p = np.asarray([weights[o] for o in options], dtype=float)
    if size == 0 or p.sum() <= 0:
        return np.full(size, None, dtype=object)
    return np.asarray(options, dtype=object)[rng.choice(len(options), size=size, p=p / p.sum())]


def choose_by_group(
    rng: np.random.Generator,
    keys: np.ndarray,
    table: Callable[[object], Mapping[str, float] | None],
) -> np.ndarray:
    """For each row, one option drawn from ``table(row's key)``; None where the table is empty."""
    out = np.full(len(keys), None, dtype=object)
    for key, rows in group_slices(keys):
        weights = table(key)
        if weights:
            out[rows] = choose(rng, weights, len(rows))
    return out


def key_array(*columns: np.ndarray) -> np.ndarray:
    """Join several columns into one string key per row (None becomes an empty part)."""
    parts = [np.where(c == None, "", c).astype(str) for c in columns]  # noqa: E711
    joined = parts[0]
    for part in parts[1:]:
        joined = np.char.add(np.char.add(joined, "|"), part)
    return joined
