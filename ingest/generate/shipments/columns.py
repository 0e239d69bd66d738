"""The integer-coded column layout every segment fills before the frame is assembled.

Segments (background, hidden illicit, linked) each return a dict of equal-length numpy arrays with
these keys; strings appear only at assembly, which keeps millions of rows cheap.
"""

from __future__ import annotations

import numpy as np

Columns = dict[str, np.ndarray]

COLUMNS = (
    "t",
    "port",
    "mode",
    "hts",
    "text",
    "value",
    "weight",
    "origin",
    "transit",
    "shipper",
    "consignee",
    "address",
    "placeholder",
    "carrier",
    "want86",
    "master",
    "preprinted",
    "dea",
    "illicit",
    "exam_rate",
    "seizure",
)


def blank_columns(size: int) -> Columns:
    """Defaults for the columns most segments leave alone (no transit, not illicit, unlinked)."""
    return {
        "transit": np.full(size, -1, dtype=np.int16),
        "placeholder": np.full(size, -1, dtype=np.int16),
        "master": np.zeros(size, dtype=bool),
        "preprinted": np.zeros(size, dtype=bool),
        "dea": np.full(size, -1, dtype=np.int64),
        "illicit": np.zeros(size, dtype=bool),
        "exam_rate": np.full(size, np.nan),
        "seizure": np.full(size, -1, dtype=np.int32),
    }


def concat_columns(parts: list[Columns]) -> Columns:
    """Stack segments row-wise; empty segments are skipped."""
    parts = [p for p in parts if p]
    return {k: np.concatenate([p[k] for p in parts]) for k in COLUMNS}
