"""Which rows CBP examined, and which entry type each row was filed under.

Exams follow public red flags, so the cleared rows over-represent them; every linked row is
examined (it was seized), and a few hidden illicit rows are examined and wrongly cleared.
"""

from __future__ import annotations

import numpy as np

from ingest.generate.shipments.columns import Columns
from ingest.generate.shipments.hts import HtsTable, disguise_start, needs_dea_id, vague_start
from ingest.generate.shipments.vocabulary import PARCEL_MODES

EXAMINED_SHARE = 0.03
MISSED_PER_LINKED = 0.11  # examined-but-cleared illicit rows per seized row


def red_flag_score(cols: Columns, hts: HtsTable) -> np.ndarray:
    """How strongly a row's declaration invites an exam (CBP's public red flags)."""
    text = cols["text"]
    mode = cols["mode"]
    line = cols["hts"]
    score = np.ones(len(text))
    score *= np.where((text >= vague_start()) & (text < disguise_start()), 5.0, 1.0)
    score *= np.where(cols["placeholder"] >= 0, 4.0, 1.0)
    both = cols["master"] & cols["preprinted"]
    score *= np.where(both, 8.0, np.where(cols["preprinted"], 5.0, 1.0))
    score *= np.where(cols["master"] & ~both, 1.5, 1.0)
    score *= np.where(cols["transit"] >= 0, 1.6, 1.0)
    vpk = cols["value"] / np.maximum(cols["weight"], 1e-6)
    score *= np.where(vpk < 0.2 * hts.vpk_median[line], 2.5, 1.0)
    watch = hts.watchlist[line]
    score *= np.where(watch == "precursor", 4.0, np.where(watch == "equipment", 2.0, 1.0))
    score *= np.where(needs_dea_id(text) & (cols["dea"] < 0), 10.0, 1.0)
    score *= np.asarray([0.9, 1.1, 1.0, 0.8, 1.5, 1.2])[mode]
    return score


def examine(rng: np.random.Generator, cols: Columns, hts: HtsTable, n: int) -> np.ndarray:
    """Examined flag per row: linked rows, a few missed illicit rows, then background by score
    until about EXAMINED_SHARE of ``n`` (at least 0.4 % of background rows)."""
    size = len(cols["mode"])
    linked = cols["seizure"] >= 0
    hidden = cols["illicit"] & ~linked
    examined = linked.copy()
    n_linked, n_hidden = int(linked.sum()), int(hidden.sum())
    if n_hidden:
        rate = min(0.25, MISSED_PER_LINKED * max(n_linked, 1) / n_hidden)
        relative = np.nan_to_num(cols["exam_rate"], nan=1.0)
        examined |= hidden & (rng.random(size) < rate * relative)
    background = ~cols["illicit"]
    target = max(EXAMINED_SHARE * n - examined.sum(), 0.004 * background.sum())
    score = red_flag_score(cols, hts)[background]
    c = target / score.sum()
    for _ in range(6):  # fixed point: clipping at 1 pushes probability onto other rows
        c = c * target / max(np.minimum(c * score, 1.0).sum(), 1e-9)
    u = rng.random(size)
    examined[background] = u[background] < np.minimum(c * score, 1.0)
    return examined


def entry_types(cols: Columns) -> np.ndarray:
    """Index into ENTRY_TYPES: 86 for cheap parcels that asked, 11 up to 2,500 USD, else 01."""
    parcel = np.isin(cols["mode"], PARCEL_MODES)
    value = cols["value"]
    entry = np.where(value > 2500, 0, 1)  # 01 formal, 11 informal
    return np.where(parcel & (value <= 800) & cols["want86"], 2, entry).astype(np.int8)
