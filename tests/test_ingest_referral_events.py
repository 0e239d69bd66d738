"""Partner batches of referral events through the live pipeline: the state machine against the
lake's history, events taken by their day (inside a batch and across batches), exactly-once,
and every refused event in quarantine with its reason."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from ingest.live.lifecycle import OTHER_AGENCY, UNKNOWN
from queries.gateway import Gateway
from tests.ingest_helpers import (
    assert_conserved,
    csv_bytes,
    drop,
    lake_frame,
    quarantine_frame,
    run_once,
)

BASE = date.today() - timedelta(days=60)
COLUMNS = ("event_id", "referral_id", "step", "occurred_on", "agency", "seizure_id", "case_number")


def day(n: int) -> str:
    return (BASE + timedelta(days=n)).isoformat()


def batch(rows: list[tuple]) -> bytes:
    """A partner's CSV: one tuple per event, in the order of ``COLUMNS``."""
    return csv_bytes(pl.DataFrame(rows, schema=list(COLUMNS), orient="row"))


FIRST = [  # three referrals, one already accepted
    ("E1", "R1", "referred", day(0), "HSI", "SZ1", None),
    ("E2", "R2", "referred", day(0), "DEA", "SZ2", None),
    ("E3", "R3", "referred", day(1), "HSI", "SZ3", None),
    ("E4", "R1", "accepted", day(2), "HSI", None, "HSI-9"),
]
# mixed: valid steps listed after the steps they must follow, and six bad events
MIXED = [
    ("E10", "R1", "arrest", day(10), "HSI", None, "HSI-9"),  # ok: its predecessor is below
    ("E11", "R1", "investigation_opened", day(5), "HSI", None, "HSI-9"),  # ok
    ("E12", "R2", "closed", day(4), "DEA", None, None),  # ok: after the acceptance below
    ("E13", "R2", "accepted", day(3), "DEA", None, "DEA-1"),  # ok
    ("E14", "R2", "warrant", day(6), "DEA", None, "DEA-1"),  # after the closing
    ("E15", "R3", "declined", day(2), "HSI", None, None),  # ok
    ("E16", "R3", "accepted", day(3), "HSI", None, None),  # may not follow declined
    ("E17", "R9", "accepted", day(3), "HSI", None, None),  # unknown referral
    ("E18", "R1", "follow_up_seizure", day(6), "DEA", None, None),  # another agency
    ("E19", "R1", "follow_up_seizure", day(90), "HSI", None, None),  # in the future
    ("E4", "R1", "accepted", day(2), "HSI", None, "HSI-9"),  # already in the lake
]
MIXED_REASONS = {
    "step: warrant after the case was closed": 1,
    "step: accepted may not follow declined": 1,
    UNKNOWN: 1,
    OTHER_AGENCY: 1,
    "occurred_on: in the future": 1,
    "event_id: already in the lake": 1,
}
LATE = [  # a week later a partner sends steps dated before what is recorded
    ("E20", "R1", "warrant", day(7), "HSI", None, "HSI-9"),  # fits between opening and arrest
    ("E21", "R1", "closed", day(8), "HSI", None, "HSI-9"),  # would come before the arrest
]


def test_rev001_a_mixed_partner_batch_gives_the_documented_counts(tmp_path):
    drop(tmp_path, "referral_events-first.csv", batch(FIRST))
    drop(tmp_path, "referral_events-mixed.csv", batch(MIXED))
    first, mixed = sorted(run_once(tmp_path), key=lambda r: r.source_file)
    assert_conserved([first, mixed])
    assert (first.rows_accepted, first.rows_quarantined) == (4, 0)
    assert (mixed.rows_read, mixed.rows_accepted, mixed.rows_quarantined) == (11, 5, 6)
    assert mixed.reasons == MIXED_REASONS
    assert mixed.status == "partial"
    refused = set(quarantine_frame(tmp_path, "referral_events")["event_id"])
    assert refused == {"E14", "E16", "E17", "E18", "E19", "E4"}
    kept = set(lake_frame(tmp_path, "referral_events")["event_id"])
    assert kept == {"E1", "E2", "E3", "E4", "E10", "E11", "E12", "E13", "E15"}

    drop(tmp_path, "referral_events-late.csv", batch(LATE))
    (late,) = run_once(tmp_path)
    assert (late.rows_accepted, late.rows_quarantined) == (1, 1)
    (reason,) = late.reasons
    assert reason == (
        f"occurred_on: closed dated {day(8)} does not fit before the arrest of {day(10)}"
    )

    states = Gateway(tmp_path).frame(
        "SELECT referral_id, status, warrant_on, arrest_on, case_number, is_open "
        "FROM referrals ORDER BY referral_id"
    )
    assert states.rows() == [
        ("R1", "arrest", BASE + timedelta(days=7), BASE + timedelta(days=10), "HSI-9", True),
        ("R2", "closed", None, None, "DEA-1", False),
        ("R3", "declined", None, None, None, False),
    ]


def test_rev002_the_same_events_again_change_nothing(tmp_path):
    drop(tmp_path, "referral_events-first.csv", batch(FIRST))
    run_once(tmp_path)
    drop(tmp_path, "referral_events-first.csv", batch(FIRST))  # the same file again
    assert run_once(tmp_path) == []
    drop(tmp_path, "referral_events-resent.csv", batch(list(reversed(FIRST))))  # same events
    (resent,) = run_once(tmp_path)
    assert resent.rows_accepted == 0
    assert resent.reasons == {"event_id: already in the lake": 4}
    assert lake_frame(tmp_path, "referral_events").height == 4


def test_rev003_data_health_counts_partner_batches_and_shows_their_refusals(tmp_path):
    from queries import health

    drop(tmp_path, "referral_events-first.csv", batch(FIRST))
    drop(tmp_path, "referral_events-mixed.csv", batch(MIXED))
    run_once(tmp_path)
    reasons = health.quarantine_reasons(gateway=Gateway(tmp_path))
    assert set(reasons["table_name"]) == {"referral_events"}
    assert dict(zip(reasons["reason"], reasons["rows"], strict=True)) == MIXED_REASONS
    latest = health.latest_quarantined(data_dir=tmp_path)
    assert latest.height == 6 and set(latest["reason"]) == set(MIXED_REASONS)
