"""The simulator's partner agencies: new referrals of recently reported seizures, and the next
step of cases already open, as ``referral_events`` batches like a partner would send.

The open cases are read from the lake when the simulator starts (a sample of those not yet
declined or closed) and followed in memory. A case moves at most one step a day, so the steps
of one day never need the machine's same-day order, and each step is one the machine allows
after the case's last (``lake.referral_lifecycle.allowed_after``): the feed stays clean unless
the simulator is told to spoil rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from ingest.generate.referrals import AGENCY_OTHER
from ingest.generate.sampling import choose
from lake import referral_lifecycle as lifecycle
from lake.layout import table_files

OPEN_SAMPLE = 500
# How likely each allowed next step is, relative to the others (closing is the exception).
STEP_WEIGHT = {step: 1.0 for step in lifecycle.STEPS} | {"closed": 0.15, "declined": 0.3}


@dataclass
class Case:
    referral_id: str
    agency: str
    state: str
    reached: set[str] = field(default_factory=set)
    last_on: date | None = None
    case_number: str | None = None


def open_cases(data_dir: Path | None, rng: np.random.Generator) -> dict[str, Case]:
    """A sample of the lake's open cases, each with its state and last day."""
    files = table_files("referral_events", data_dir)
    if not files:
        return {}
    events = pl.scan_parquet([str(f) for f in files], hive_partitioning=False).select(
        "referral_id", "step", "occurred_on", "agency", "case_number"
    )
    rank = {s: i for i, s in enumerate(lifecycle.STEPS)}
    ordered = (
        events.with_columns(pl.col("step").replace_strict(rank, return_dtype=pl.Int8).alias("r"))
        .sort("referral_id", "occurred_on", "r")
        .group_by("referral_id", maintain_order=True)
        .agg(
            pl.col("step"),
            pl.col("occurred_on").max().alias("last_on"),
            pl.col("agency").first(),
            pl.col("case_number").drop_nulls().last(),
        )
        .collect()
    )
    cases = {}
    for referral, steps, last_on, agency, number in ordered.iter_rows():
        milestones = [
            s for s in steps if s not in lifecycle.REPEATABLE
        ]  # in the order they happened
        state = milestones[-1] if milestones else None
        if state in lifecycle.DONE or state is None:
            continue
        cases[referral] = Case(referral, agency, state, set(steps), last_on, number)
    if len(cases) > OPEN_SAMPLE:
        keep = rng.choice(sorted(cases), size=OPEN_SAMPLE, replace=False)
        cases = {k: cases[k] for k in keep}
    return cases


def new_referrals(
    rng: np.random.Generator,
    seizure_ids: list[str],
    ids: list[str],
    today: date,
    cases: dict[str, Case],
) -> list[dict]:
    """``referred`` events for recently reported seizures; their cases join ``cases``."""
    agencies = choose(rng, AGENCY_OTHER, len(seizure_ids)).astype(str)
    rows = []
    for referral, seizure, agency in zip(ids, seizure_ids, agencies, strict=True):
        cases[referral] = Case(referral, str(agency), "referred", {"referred"}, today)
        rows.append(
            {
                "referral_id": referral,
                "step": "referred",
                "occurred_on": today,
                "agency": agency,
                "seizure_id": seizure,
                "recorded_by": "CBP live feed",
            }
        )
    return rows


def next_steps(
    rng: np.random.Generator, cases: dict[str, Case], how_many: int, today: date, tick_us: int
) -> list[dict]:
    """The next step of up to ``how_many`` open cases whose last step was before today."""
    ready = [c for c in cases.values() if c.last_on is None or c.last_on < today]
    if not ready:
        return []
    picked = rng.choice(len(ready), size=min(how_many, len(ready)), replace=False)
    rows = []
    for i in picked:
        case = ready[int(i)]
        allowed = lifecycle.allowed_after(case.state, case.reached)
        if not allowed:
            continue
        weights = np.array([STEP_WEIGHT[s] for s in allowed])
        step = allowed[int(rng.choice(len(allowed), p=weights / weights.sum()))]
        if step == "accepted":
            case.case_number = f"{case.agency.split('/')[0][:5].upper()}-L{tick_us % 10**9:09d}"
        rows.append(
            {
                "referral_id": case.referral_id,
                "step": step,
                "occurred_on": today,
                "agency": case.agency,
                "case_number": None if step in ("declined",) else case.case_number,
                "recorded_by": f"{case.agency} live feed",
            }
        )
        case.reached.add(step)
        case.last_on = today
        if step not in lifecycle.REPEATABLE:
            case.state = step
        if step in lifecycle.DONE:
            del cases[case.referral_id]
    return rows


def events_frame(rows: list[dict], event_ids: list[str]) -> pl.DataFrame:
    """The rows as a partner's file would carry them (no batch columns)."""
    frame = pl.DataFrame(
        rows,
        schema={
            "referral_id": pl.String,
            "step": pl.String,
            "occurred_on": pl.Date,
            "agency": pl.String,
            "case_number": pl.String,
            "seizure_id": pl.String,
            "recorded_by": pl.String,
        },
    )
    return frame.with_columns(pl.Series("event_id", event_ids, dtype=pl.String)).select(
        "event_id", *frame.columns
    )
