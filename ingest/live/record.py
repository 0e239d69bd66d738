"""A referral step recorded by a person (an investigator's form, a referral created from a
seizure), through the same pipeline as a partner's batch: the same checks, the same state
machine, a report, an ``ingest_log`` row, the ledger, quarantine when refused.

The step is written as a one-row JSON-lines batch under ``inbox/.recorded/`` (a folder the
watcher does not scan) and processed at once, in the caller's process, so the person sees the
verdict, and the step in the case, as soon as the form answers. Its ``recorded_by`` is
``user:<name>``; its event id is new for every submission, so the same form sent twice is two
attempts, the second refused by the state machine if the step is not repeatable.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from ingest.live.batch import Context, process_file
from ingest.live.paths import inbox_dir
from lake.layout import ensure_dir
from lake.writer import write_bytes_atomic

STAGING = ".recorded"


@dataclass(frozen=True)
class Recorded:
    """The verdict on a recorded step: accepted, or refused with the reason."""

    accepted: bool
    event_id: str
    reason: str | None = None


def new_referral_id() -> str:
    """An id for a referral created in the app (``RFU`` + time + random, never a feed's)."""
    return f"RFU{datetime.now(UTC):%Y%m%d%H%M%S}{secrets.token_hex(3).upper()}"


def record_step(
    *,
    referral_id: str,
    step: str,
    occurred_on: date,
    agency: str,
    user: str,
    case_number: str | None = None,
    seizure_id: str | None = None,
    shipment_id: str | None = None,
    note: str | None = None,
    data_dir: Path | None = None,
) -> Recorded:
    """Record one step of one referral now; the answer says whether the lake took it."""
    event_id = f"EVU{datetime.now(UTC):%Y%m%d%H%M%S%f}{secrets.token_hex(2).upper()}"
    row = {
        "event_id": event_id,
        "referral_id": referral_id,
        "step": step,
        "occurred_on": occurred_on.isoformat(),
        "agency": agency,
        "case_number": case_number or None,
        "seizure_id": seizure_id or None,
        "shipment_id": shipment_id or None,
        "recorded_by": f"user:{user}",
        "note": note or None,
    }
    folder = ensure_dir(inbox_dir(data_dir) / STAGING)
    path = folder / f"referral_events-{event_id}-{os.getpid()}.jsonl"
    write_bytes_atomic((json.dumps(row) + "\n").encode(), path)
    report = process_file(path, Context.open(data_dir))
    if report is None:  # cannot happen for a new event id; say so rather than guess
        return Recorded(False, event_id, "already recorded")
    if report.rows_accepted == 1:
        return Recorded(True, event_id)
    reason = next(iter(report.reasons), "refused")
    return Recorded(False, event_id, reason)
