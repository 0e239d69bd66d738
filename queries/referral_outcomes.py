"""What each seizure's referrals led to: the furthest outcome (``queries.referral_state.OUTCOMES``:
a warrant, an arrest, ... a conviction) any of them reached, for every page of the records grid
and Targeting's similar seizures.

Kept in memory, one index per gateway and ``referral_events`` version, because the grid asks for
every page it shows: found per page, the seizures' referrals cost a scan of every event twice
(the referred steps that name the seizures, then their cases' later steps), many times what the
page itself costs from the seizure arrays. The index costs one aggregate over the events on the
first question after they change, and little memory (only seizures with an outcome are in it);
a question is then a binary search for each of the page's seizures.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from queries.gateway import Gateway, default_gateway
from queries.referral_state import OUTCOMES

MAX_SEIZURES = 1_000  # one grid request's rows at most (queries.records.MAX_WINDOW)

# per seizure, the position in OUTCOMES (furthest first, bound as a parameter) of the furthest
# step any of its referrals reached; a referral is tied to its seizure by its referred step
_INDEX_SQL = """
SELECT seizure_id, min(reached) AS reached
FROM (
    SELECT max(seizure_id) FILTER (WHERE step = 'referred') AS seizure_id,
           min(list_position(?, step)) FILTER (WHERE list_contains(?, step)) AS reached
    FROM referral_events
    GROUP BY referral_id
)
WHERE seizure_id IS NOT NULL AND reached IS NOT NULL
GROUP BY seizure_id
"""


@dataclass(frozen=True)
class _Index:
    """Seizures with an outcome, sorted by id, and each one's position in ``OUTCOMES``."""

    version: str
    seizure_ids: pl.Series
    reached: pl.Series


_indexes: weakref.WeakKeyDictionary[Gateway, _Index] = weakref.WeakKeyDictionary()
_building = threading.Lock()  # one build at a time: a second asker waits for the first's


def _index(gw: Gateway) -> _Index | None:
    """The index of the gateway's current ``referral_events``, built if it is stale. The version
    is read before the events, so an index is never labelled newer than what it was built from."""
    (version,) = gw.versions_of(("referral_events",))
    found = _indexes.get(gw)
    if found is not None and found.version == version:
        return found
    with _building:
        found = _indexes.get(gw)
        if found is not None and found.version == version:
            return found
        if not gw.has("referral_events"):
            return None
        frame = gw.frame(_INDEX_SQL, [list(OUTCOMES)] * 2, cache=False, cap=None)
        frame = frame.sort("seizure_id")
        found = _Index(version, frame["seizure_id"], frame["reached"])
        _indexes[gw] = found
        return found


def outcomes_of(seizure_ids: Sequence[str], gateway: Gateway | None = None) -> dict[str, str]:
    """Seizure id -> the furthest outcome (a step code of ``OUTCOMES``) any of its referrals
    reached: for one seizure, the ``referrals`` view's ``outcome`` of its furthest case.
    Seizures without one are left out. One grid page at a time: at most ``MAX_SEIZURES``."""
    ids = sorted({s for s in seizure_ids if isinstance(s, str)})
    if len(ids) > MAX_SEIZURES:
        raise ValueError(f"at most {MAX_SEIZURES} seizures at a time, not {len(ids)}")
    index = _index(gateway or default_gateway()) if ids else None
    if index is None or index.seizure_ids.is_empty():
        return {}
    wanted = pl.Series(ids, dtype=pl.String)
    at = index.seizure_ids.search_sorted(wanted).clip(upper_bound=index.seizure_ids.len() - 1)
    hit = (index.seizure_ids.gather(at) == wanted).to_list()
    reached = index.reached.gather(at).to_list()
    return {s: OUTCOMES[r - 1] for s, h, r in zip(ids, hit, reached, strict=True) if h}
