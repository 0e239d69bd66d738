"""What a row declares: HTS line, text index, weight and value, for honest and cover declarations.

Legitimate rows draw lines by the reference shares (bent by mode for cargo); illicit rows use the
cover declarations of the planted patterns: benign chemical or consumer lines for precursors, and
truthful or disguised machine texts for presses, capsule fillers and dies.
"""

from __future__ import annotations

import numpy as np

from ingest.generate.shipments.draws import lognormal
from ingest.generate.shipments.hts import (
    MACHINE_DISGUISES,
    VAGUE_TEXTS,
    HtsTable,
    disguise_start,
    vague_start,
)
from ingest.generate.shipments.vocabulary import (
    M_AIR,
    M_RAIL,
    M_SEA,
    M_TRUCK,
    MODES,
    PARCEL_MODES,
    Weights,
)

# fmt: off
# Mode x HTS chapter affinity for cargo: trucks from Mexico carry produce and auto parts, air
# carries pharmaceuticals, flowers and jewelry, containers carry furniture and consumer goods.
CHAPTER_AFFINITY: dict[int, dict[str, float]] = {
    M_AIR: {"30": 5, "90": 3, "85": 2, "71": 4, "06": 6, "84": 1.2, "08": 0.05, "94": 0.1,
            "73": 0.2, "40": 0.2, "87": 0.6, "69": 0.2, "39": 0.3},
    M_SEA: {"94": 3, "73": 2, "40": 2, "39": 2, "69": 2, "85": 1.2, "87": 1.5, "61": 2, "64": 2,
            "95": 2, "08": 0.1, "06": 0.01, "71": 0.05, "30": 0.5, "90": 0.5},
    M_TRUCK: {"08": 6, "06": 0.5, "87": 3, "85": 1.5, "94": 2, "73": 2, "39": 1.5, "40": 1.5,
              "84": 1.2, "30": 0.5, "71": 0.05, "90": 0.8},
    M_RAIL: {"87": 6, "73": 4, "40": 2, "39": 2, "94": 1, "08": 0.5, "85": 0.5, "71": 0.0,
             "30": 0.1, "90": 0.1, "06": 0.0, "61": 0.3, "64": 0.3, "95": 0.5},
}
# Weight of a cargo consignment relative to a line's median, by mode.
MODE_WEIGHT = {M_AIR: 0.3, M_SEA: 2.0, M_TRUCK: 1.0, M_RAIL: 3.0}
BOTH_LINE_CARGO_KG = 1500.0  # median cargo lot of a line whose weight_kg_median is per parcel

# Cover declarations of illicit rows: (HTS line, weight).
CHEMICAL_COVER: Weights = {"2942.00.5000": 0.35, "3824.99.9297": 0.35, "2921.42.9000": 0.15,
                           "2934.99.9050": 0.15}
CONSUMER_COVER: Weights = {"3304.99.5000": 0.3, "2106.90.9998": 0.3, "3926.90.9985": 0.2,
                           "6307.90.9891": 0.2}
PRECURSOR_LINES: Weights = {"2933.39.9100": 0.6, "2933.37.0000": 0.2, "2933.36.0000": 0.2}
PRESS_LINE, CAPSULE_LINE, DIE_LINE, PARTS_LINE = (
    "8479.89.9499", "8422.30.9100", "8207.30.6062", "8479.90.9496",
)
# fmt: on


def line_probabilities(hts: HtsTable, mode: int, benign: bool = False) -> np.ndarray:
    """How legitimate traffic of a mode spreads over HTS lines (``benign``: no watchlist)."""
    parcel = mode in PARCEL_MODES
    allowed = np.isin(hts.channel, ["de_minimis", "both"] if parcel else ["cargo", "both"])
    if benign:
        allowed &= hts.watchlist == ""
    affinity = CHAPTER_AFFINITY.get(mode, {})
    factor = np.array([affinity.get(ch, 1.0) for ch in hts.chapter])
    w = hts.share * allowed * factor
    return w / w.sum()


def _lines_by_code(hts: HtsTable, weights: Weights) -> tuple[np.ndarray, np.ndarray]:
    idx = np.array([hts.index[c] for c in weights], dtype=np.int16)
    p = np.fromiter(weights.values(), dtype=float)
    return idx, p / p.sum()


def text_variants(rng: np.random.Generator, hts: HtsTable, line: np.ndarray) -> np.ndarray:
    """One of each line's own text variants, uniformly."""
    count = hts.text_count[line]
    return hts.text_start[line] + np.floor(rng.random(len(line)) * count).astype(np.int32)


def vague_texts(rng: np.random.Generator, size: int) -> np.ndarray:
    """Indices of vague phrases ("sample", "daily necessities", ...)."""
    return vague_start() + rng.integers(0, len(VAGUE_TEXTS), size).astype(np.int32)


def weights_values(
    rng: np.random.Generator, hts: HtsTable, line: np.ndarray, mode: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Declared weight (kg) and value (USD) from the line's lognormals, scaled for cargo."""
    parcel = np.isin(mode, PARCEL_MODES)
    cargo_line = hts.channel[line] == "cargo"
    scale = np.ones(len(line))
    for m, factor in MODE_WEIGHT.items():
        scale[mode == m] = factor
    median = np.where(parcel | cargo_line, hts.w_median[line], BOTH_LINE_CARGO_KG) * np.where(
        parcel, 1.0, scale
    )
    sigma = np.where(parcel | cargo_line, hts.w_sigma[line], 1.0)
    weight = np.maximum(lognormal(rng, median, sigma), 0.02)
    vpk = lognormal(rng, hts.vpk_median[line], hts.vpk_sigma[line])
    return weight, np.maximum(weight * vpk, 1.0)


def precursor_declarations(
    rng: np.random.Generator, hts: HtsTable, size: int
) -> tuple[np.ndarray, np.ndarray]:
    """HTS line and text for precursor-laden rows: benign chemical, consumer or vague cover."""
    chem_idx, chem_p = _lines_by_code(hts, CHEMICAL_COVER)
    cons_idx, cons_p = _lines_by_code(hts, CONSUMER_COVER)
    true_idx, true_p = _lines_by_code(hts, PRECURSOR_LINES)
    kind = rng.choice(3, size=size, p=[0.55, 0.25, 0.20])
    line = np.where(
        kind == 0,
        chem_idx[rng.choice(len(chem_p), size=size, p=chem_p)],
        np.where(
            kind == 1,
            cons_idx[rng.choice(len(cons_p), size=size, p=cons_p)],
            true_idx[rng.choice(len(true_p), size=size, p=true_p)],
        ),
    ).astype(np.int16)
    vague_p = np.array([0.5, 0.4, 0.7])[kind]
    text = np.where(
        rng.random(size) < vague_p, vague_texts(rng, size), text_variants(rng, hts, line)
    )
    return line, text.astype(np.int32)


def machine_declarations(
    rng: np.random.Generator, hts: HtsTable, size: int, dies: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Presses and capsule fillers (or die sets and parts where ``dies``), some disguised."""
    press, capsule = hts.index[PRESS_LINE], hts.index[CAPSULE_LINE]
    die, parts = hts.index[DIE_LINE], hts.index[PARTS_LINE]
    machine_line = np.where(rng.random(size) < 0.8, press, capsule)
    die_line = np.where(rng.random(size) < 0.6, die, parts)
    line = np.where(dies, die_line, machine_line).astype(np.int16)
    # Truthful machine texts are the first two or three variants of each machine line.
    truthful = hts.text_start[line] + np.floor(
        rng.random(size) * np.where(line == press, 3, 2)
    ).astype(np.int32)
    honest_die = text_variants(rng, hts, line)
    disguise = disguise_start() + rng.integers(0, len(MACHINE_DISGUISES), size)
    text = np.where(dies, honest_die, truthful)
    text = np.where(rng.random(size) < 0.35, disguise, text)
    return line, text.astype(np.int32)


def consumer_declarations(
    rng: np.random.Generator, hts: HtsTable, mode: np.ndarray, vague_share: float
) -> tuple[np.ndarray, np.ndarray]:
    """A cover line drawn like legitimate traffic of the row's mode, some with vague texts."""
    line = np.zeros(len(mode), dtype=np.int16)
    for m in range(len(MODES)):
        rows = np.flatnonzero(mode == m)
        probs = line_probabilities(hts, m, benign=True)
        line[rows] = rng.choice(len(probs), size=len(rows), p=probs)
    text = text_variants(rng, hts, line)
    parcel = np.isin(mode, PARCEL_MODES)
    text = np.where(
        parcel & (rng.random(len(mode)) < vague_share), vague_texts(rng, len(mode)), text
    )
    return line, text.astype(np.int32)
