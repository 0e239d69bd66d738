"""A batch of referral events against the cases they belong to: each event must be a step its
case may take (``lake/referral_lifecycle.py``), given the events already in the lake and the
batch's own, all taken in the order they happened, not the order they arrived.

So a batch may hold a case's steps in any order, and a late partner update dated before a step
already recorded is placed where its date puts it. Refused, with the reason: an event of a
referral never referred, a step its case's state does not allow (an arrest before the
acceptance, anything after the closing, a second warrant), an event that breaks a later step
already recorded when put in its place, and an event naming another agency than the one the case
was referred to. Checking and committing hold ``lifecycle_lock`` so two writers (the watcher, an
investigator's form) never admit two steps against the same old state.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import polars as pl

from lake import referral_lifecycle as lifecycle
from lake.layout import table_dir, table_files
from lake.writer import file_lock

TABLE = "referral_events"
HISTORY_COLUMNS = ("referral_id", "step", "occurred_on", "agency")
UNKNOWN = "referral_id: no such referral (its referred step is not in the lake or this batch)"
OTHER_AGENCY = "agency: not the agency the case was referred to"


@contextmanager
def _locked(data_dir: Path | None) -> Iterator[None]:
    with file_lock(table_dir(TABLE, data_dir) / ".lifecycle.lock"):
        yield


def lifecycle_lock(table: str, data_dir: Path | None = None):
    """Held from reading a referral batch's cases to committing it; nothing for other tables."""
    return _locked(data_dir) if table == TABLE else nullcontext()


def history(referral_ids: pl.Series, data_dir: Path | None = None) -> pl.DataFrame:
    """The events already in the lake of these referrals (the files the manifest lists)."""
    files = table_files(TABLE, data_dir)
    ids = referral_ids.drop_nulls().unique()
    if not files or ids.is_empty():
        return pl.DataFrame(
            schema={
                "referral_id": pl.String,
                "step": pl.String,
                "occurred_on": pl.Date,
                "agency": pl.String,
            }
        )
    return (
        pl.scan_parquet([str(f) for f in files], hive_partitioning=False)
        .select(HISTORY_COLUMNS)
        .filter(pl.col("referral_id").is_in(ids.implode()))
        .collect()
    )


def lifecycle_reasons(typed: pl.DataFrame, ok: pl.Series, known: pl.DataFrame) -> pl.Series | None:
    """The reason each row that is otherwise fine (``ok``) may not join its case, null for the
    rows that may; ``known`` is the cases' events already in the lake (``history``)."""
    rows = typed.select(HISTORY_COLUMNS).with_row_index("_row").filter(ok)
    if rows.is_empty():
        return None
    past: dict[str, list[lifecycle.Event]] = defaultdict(list)
    agency_of: dict[str, str] = {}
    for referral, step, on, agency in known.select(HISTORY_COLUMNS).iter_rows():
        past[referral].append(lifecycle.Event(step, on))
        if step == "referred":
            agency_of[referral] = agency
    incoming: dict[str, list[tuple[int, str, object, str]]] = defaultdict(list)
    for row, referral, step, on, agency in rows.iter_rows():
        incoming[referral].append((row, step, on, agency))
        if step == "referred":
            agency_of.setdefault(referral, agency)
    reasons: dict[int, str] = {}
    for referral, events in incoming.items():
        owner = agency_of.get(referral)
        candidates = []
        for row, step, on, agency in events:
            if owner is None:
                reasons[row] = UNKNOWN
            elif agency != owner:
                reasons[row] = OTHER_AGENCY
            else:
                candidates.append(lifecycle.Event(step, on, key=row))
        reasons.update(lifecycle.admit(past[referral], candidates))
    if not reasons:
        return None
    out = pl.Series("lifecycle", [None] * typed.height, dtype=pl.String)
    return out.scatter(list(reasons), list(reasons.values()))
