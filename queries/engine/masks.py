"""Which in-memory events a filter keeps, as boolean masks over arrays of codes and days.

Shared by the layouts that answer views from memory (``queries/engine/arrays.py``,
``queries/engine/record_pages.py``): each keeps the dimensions as the hot table's ENUM codes and the
dates as day numbers, so a filter becomes integer comparisons with the meaning of the SQL
predicate (``queries.filters.predicate``): a value listed for a dimension keeps the events that
carry it, and the window keeps the events dated inside it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import numpy as np
import pyarrow as pa

from queries.filters import SEIZURE_TARGET, Filters

EPOCH = date(1970, 1, 1)
SMALL_SET = 4  # up to this many filter values, OR-ed comparisons beat a lookup table


def day_number(day: date) -> int:
    """Days since 1970-01-01, the unit of ``date32`` and of the arrays' ``day``."""
    return (day - EPOCH).days


def day_position(days: np.ndarray, day: date, side: str = "left") -> int:
    """Where ``day`` goes in the ascending ``days`` (``side`` as numpy's ``searchsorted``).

    The day is cast to the array's own type first: searching an int32 array for a Python int
    converts the whole array to int64 on every call, a cost that grows with the array."""
    return int(days.searchsorted(np.asarray(day_number(day), dtype=days.dtype), side=side))


def member_mask(
    filters: Filters, lookup: dict[str, dict[str, int]], codes: Callable[[str], np.ndarray]
) -> np.ndarray | None:
    """The multi-value filters as one boolean mask over the events ``codes(column)`` returns
    (``lookup``: each column's value -> code); None when no such filter is set."""
    mask: np.ndarray | None = None
    for key, column in SEIZURE_TARGET.columns.items():
        values = getattr(filters, key)
        if not values:
            continue
        known = lookup[column]
        wanted = [known[v] for v in values if v in known]  # a value never seen has no code
        part = isin(codes(column), wanted, len(known) + 1)
        mask = part if mask is None else np.logical_and(mask, part, out=mask)
    return mask


def date_mask(filters: Filters, day: np.ndarray, mask: np.ndarray | None) -> np.ndarray | None:
    """``mask`` (None: every event) and the filters' date window over ``day``."""
    lo, hi = filters.period()
    for bound, keep in ((lo, np.greater_equal), (hi, np.less_equal)):
        if bound is None:
            continue
        part = keep(day, day_number(bound))
        mask = part if mask is None else np.logical_and(mask, part, out=mask)
    return mask


def isin(codes: np.ndarray, wanted: list[int], width: int) -> np.ndarray:
    """Whether each of ``codes`` (``width`` possible values) is one of ``wanted``."""
    if not wanted:
        return np.zeros(len(codes), dtype=bool)
    if len(wanted) <= SMALL_SET:
        mask = codes == wanted[0]
        for code in wanted[1:]:
            mask |= codes == code
        return mask
    lut = np.zeros(width, dtype=bool)
    lut[wanted] = True
    return lut[codes]


def dictionary_codes(column: pa.ChunkedArray) -> tuple[list[str], np.ndarray]:
    """An ENUM column as (its values, codes with "missing" = len(values)): one byte each
    while the values number fewer than 255 (every dimension today), else two."""
    chunks = column.chunks
    if not chunks:
        return [], np.zeros(0, dtype=np.uint8)
    dictionary = chunks[0].dictionary
    if not all(c.dictionary.equals(dictionary) for c in chunks):
        column = column.unify_dictionaries()
        chunks = column.chunks
        dictionary = chunks[0].dictionary
    names = dictionary.to_pylist()
    missing = len(names)
    dtype = np.uint8 if missing < 255 else np.uint16
    parts = [c.indices.fill_null(missing).to_numpy().astype(dtype) for c in chunks]
    return names, np.concatenate(parts)
