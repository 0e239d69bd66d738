"""``referrals``: each referral's current state, derived from its events (``referral_events``).

A view, not a table kept on ingest: the events are the only record, so the state can never
disagree with them, and a step recorded a second ago is in the state the next query reads. The
referred step names the seizure, the shipment and the agency; every other step's first day is a
column (``<step>_on``; ``seizure_on`` is the first follow-up seizure), and ``status`` is the last
milestone in the order the steps happened (``lake/referral_lifecycle.py``; follow-up seizures
do not move it). ``outcome`` is the furthest of warrant, arrest, indictment, prosecution and
conviction reached, for the pages that show what became of a seizure.
"""

from __future__ import annotations

from lake import referral_lifecycle as lifecycle

_STEP_LIST = "[" + ", ".join(f"'{s}'" for s in lifecycle.STEPS) + "]"
_DATED = [s for s in lifecycle.STEPS if s not in ("referred", "follow_up_seizure")]
OUTCOMES = ("conviction", "prosecution", "indictment", "arrest", "warrant")
_OUTCOME = (
    "CASE " + " ".join(f"WHEN {s}_on IS NOT NULL THEN '{s}'" for s in OUTCOMES) + " ELSE NULL END"
)

# every name below is fixed here, none comes from input
REFERRALS_VIEW_SQL = f"""
CREATE OR REPLACE VIEW referrals AS
WITH cases AS (
    SELECT
        referral_id,
        max(seizure_id) FILTER (WHERE step = 'referred') AS seizure_id,
        max(shipment_id) FILTER (WHERE step = 'referred') AS shipment_id,
        max(agency) FILTER (WHERE step = 'referred') AS agency,
        min(occurred_on) FILTER (WHERE step = 'referred') AS referred_on,
        {", ".join(f"min(occurred_on) FILTER (WHERE step = '{s}') AS {s}_on" for s in _DATED)},
        min(occurred_on) FILTER (WHERE step = 'follow_up_seizure') AS seizure_on,
        count(*) FILTER (WHERE step = 'follow_up_seizure') AS follow_up_seizures,
        arg_max(step, epoch(occurred_on) * 16 + list_position({_STEP_LIST}, step))
            FILTER (WHERE step <> 'follow_up_seizure') AS status,
        max(occurred_on) AS last_event_on,
        arg_max(case_number, epoch(occurred_on)) FILTER (WHERE case_number IS NOT NULL)
            AS case_number,
        count(*) AS events
    FROM referral_events
    GROUP BY referral_id
)
SELECT
    *,
    status NOT IN ('declined', 'closed') AS is_open,
    {_OUTCOME} AS outcome,
    CAST(year(referred_on) + (month(referred_on) >= 10)::INTEGER AS SMALLINT) AS fiscal_year
FROM cases
WHERE referred_on IS NOT NULL
"""  # noqa: S608
