"""Vectorised random draws shared by every segment: weighted picks, Zipf ranks, lognormals.

One numpy call per column keeps five million rows in seconds; the stable id permutation keeps the
heaviest shipper from being SH0000001, which would give the skew away.
"""

from __future__ import annotations

import math

import numpy as np

from ingest.generate.shipments.vocabulary import Weights


def pick(rng: np.random.Generator, weights: Weights, size: int) -> np.ndarray:
    """Indices into list(weights) drawn by weight."""
    p = np.fromiter(weights.values(), dtype=float)
    return rng.choice(len(p), size=size, p=p / p.sum())


def zipf_ranks(
    rng: np.random.Generator, pool: np.ndarray | int, size: int, s: np.ndarray | float
) -> np.ndarray:
    """0-based ranks in [0, pool), P(rank r) ~ (r + 1) ** -s; pool and s may be arrays."""
    pool_f = np.asarray(pool, dtype=float)
    a = 1.0 - s
    top = (pool_f + 1.0) ** a - 1.0
    x = (1.0 + rng.random(size) * top) ** (1.0 / a)
    return np.minimum(np.floor(x).astype(np.int64) - 1, np.asarray(pool, dtype=np.int64) - 1)


def bijection(x: np.ndarray, total: int, salt: int) -> np.ndarray:
    """A fixed permutation of 0..total-1, so rank 0 does not get id 1 (no Python hash())."""
    multiplier = 2_654_435_761 + 2 * salt
    while math.gcd(multiplier, total) != 1:
        multiplier += 2
    return (x.astype(np.int64) * (multiplier % total) + 7919 * salt) % total


def lognormal(rng: np.random.Generator, median: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """One lognormal draw per row, given each row's median and log-sigma."""
    return median * np.exp(sigma * rng.standard_normal(len(median)))
