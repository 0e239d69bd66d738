"""A seizure's referrals and what they led to (``queries/seizure_referrals.py``,
``queries/referral_outcomes.py``), checked against the ``referrals`` view on the generator's lake
and on steps recorded through the pipeline; and
what the referral form refuses before the pipeline sees a submission
(``components/referral_form.py``)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from components.referral_form import check
from ingest.live.record import new_referral_id, record_step
from lake import reference
from lake.contract import REFERRAL_AGENCIES
from queries import referral_outcomes, seizure_referrals
from queries.gateway import Gateway
from queries.referral_state import OUTCOMES

FURTHEST_FROM_VIEW = """
SELECT seizure_id, arg_min(outcome, list_position(?, outcome)) AS outcome
FROM referrals WHERE outcome IS NOT NULL AND list_contains(?, seizure_id)
GROUP BY seizure_id
"""


def test_srf001_outcomes_are_the_views_furthest_per_seizure(demo_gateway):
    # seizures with one referral and with several, with and without an outcome
    sample = demo_gateway.frame(
        "SELECT seizure_id FROM (SELECT seizure_id, count(*) AS n FROM referrals GROUP BY 1) "
        "ORDER BY n DESC, seizure_id LIMIT 300"
    )["seizure_id"].to_list()
    sample += demo_gateway.frame("SELECT seizure_id FROM referrals ORDER BY referral_id LIMIT 300")[
        "seizure_id"
    ].to_list()
    sample.append("SZ-NO-SUCH-SEIZURE")
    expected = dict(demo_gateway.frame(FURTHEST_FROM_VIEW, [list(OUTCOMES), sample]).iter_rows())
    assert len(set(expected.values())) >= 3, "the sample should reach several outcomes"
    assert referral_outcomes.outcomes_of(sample, demo_gateway) == expected
    assert referral_outcomes.outcomes_of([], demo_gateway) == {}
    with pytest.raises(ValueError, match="at most"):
        referral_outcomes.outcomes_of([f"S{i}" for i in range(1_001)], demo_gateway)


def test_srf002_referrals_of_a_seizure_are_the_views_rows(demo_gateway):
    seizure_id = demo_gateway.frame(
        "SELECT seizure_id FROM referrals WHERE outcome IS NOT NULL ORDER BY 1 LIMIT 1"
    )["seizure_id"][0]
    view = demo_gateway.frame(
        "SELECT referral_id, agency, status, is_open FROM referrals WHERE seizure_id = ? "
        "ORDER BY referred_on, referral_id",
        [seizure_id],
    ).to_dicts()
    got = seizure_referrals.referrals_of(seizure_id, demo_gateway)
    assert [{k: r[k] for k in view[0]} for r in got] == view
    for referral in got:
        assert referral["steps"][0]["step"] == "Referred"
        days = [s["on"] for s in referral["steps"]]
        assert days == sorted(days)
    assert seizure_referrals.referrals_of("SZ-NO-SUCH-SEIZURE", demo_gateway) == []
    assert referral_outcomes.outcomes_of(["SZ-NO-SUCH-SEIZURE"], demo_gateway) == {}


@pytest.fixture(scope="module")
def recorded_lake(lake_copy):
    return lake_copy("seizure-referrals")


def _record(lake, referral_id: str, seizure: dict, steps: list[str], agency: str, start=0):
    """Record ``steps`` of one referral a day apart, from ``start`` days after the seizure."""
    for offset, step in enumerate(steps, start=start):
        referred = step == "referred"
        result = record_step(
            referral_id=referral_id,
            step=step,
            occurred_on=seizure["event_date"] + timedelta(days=offset),
            agency=agency,
            user="test",
            seizure_id=seizure["seizure_id"] if referred else None,
            shipment_id=seizure["shipment_id"] if referred else None,
            data_dir=lake,
        )
        assert result.accepted, result.reason


def test_srf003_recorded_steps_move_the_outcome_to_the_furthest_case(recorded_lake):
    unreferred = Gateway(recorded_lake).frame(
        "SELECT seizure_id FROM seizures s WHERE event_date < DATE '2026-01-01' AND NOT EXISTS "
        "(SELECT 1 FROM referrals r WHERE r.seizure_id = s.seizure_id) ORDER BY 1 LIMIT 1"
    )["seizure_id"][0]
    seizure = seizure_referrals.seizure_to_refer(unreferred, Gateway(recorded_lake))
    seizure_id = seizure["seizure_id"]

    gw = Gateway(recorded_lake)  # one gateway, as the app's: its outcome index must follow

    def outcome() -> dict[str, str]:
        gw.refresh(check_now=True)  # the app's gateway looks at the lake every lake_check_s
        return referral_outcomes.outcomes_of([seizure_id], gw)

    first, second = new_referral_id(), new_referral_id()
    _record(recorded_lake, first, seizure, ["referred", "accepted"], "HSI")
    _record(recorded_lake, second, seizure, ["referred"], "DEA")
    assert outcome() == {}
    _record(recorded_lake, first, seizure, ["investigation_opened", "arrest"], "HSI", start=3)
    assert outcome() == {seizure_id: "arrest"}
    steps = ["accepted", "investigation_opened", "indictment"]
    _record(recorded_lake, second, seizure, steps, "DEA", start=1)
    assert outcome() == {seizure_id: "indictment"}  # the furthest of the seizure's cases
    listed = seizure_referrals.referrals_of(seizure_id, Gateway(recorded_lake))
    # referred the same day: listed in referral id order
    assert [(r["referral_id"], r["agency"], r["outcome"]) for r in listed] == sorted(
        [(first, "HSI", "arrest"), (second, "DEA", "indictment")]
    )


# -- the form's own checks ----------------------------------------------------------------------
SEIZURE = {"seizure_id": "SZ1", "shipment_id": "SH1", "event_date": date(2026, 3, 2)}
TODAY = date(2026, 6, 30)


def _open(agency: str, is_open: bool = True) -> dict:
    return {"referral_id": "RF1", "agency": agency, "status": "accepted", "is_open": is_open}


@pytest.mark.parametrize(
    ("agency", "day", "referrals", "note", "refusal"),
    [
        (None, "2026-06-30", [], None, "Choose the receiving agency"),
        ("CIA", "2026-06-30", [], None, "Choose the receiving agency"),
        ("HSI", "30/06/2026", [], None, "Give the day"),
        ("HSI", None, [], None, "Give the day"),
        ("HSI", "2026-07-01", [], None, "in the future"),
        ("HSI", "2026-03-01", [], None, "before its seizure (2026-03-02)"),
        ("HSI", "2026-06-30", [], "x" * 2_001, "longer than 2,000"),
        ("HSI", "2026-06-30", [_open("HSI")], None, "already referred to Homeland Security"),
    ],
)
def test_srf010_the_form_refuses_what_only_the_app_can_judge(agency, day, referrals, note, refusal):
    found, reason = check(SEIZURE, referrals, agency, day, note, TODAY)
    assert found is None and refusal in reason


@pytest.mark.parametrize(
    ("day", "referrals"),
    [
        ("2026-03-02", []),  # the seizure's own day
        ("2026-06-30", [_open("DEA")]),  # another agency
        ("2026-06-30", [_open("HSI", is_open=False)]),  # the earlier case is over
    ],
)
def test_srf011_the_form_lets_the_pipeline_judge_the_rest(day, referrals):
    assert check(SEIZURE, referrals, "HSI", day, "", TODAY) == (date.fromisoformat(day), None)


def test_srf012_every_agency_has_a_name():
    assert set(reference.AGENCY_NAMES) == set(REFERRAL_AGENCIES)
