"""A seizure's referrals, each with its timeline, and the facts a new referral of it names.
What they led to, for many seizures at once, is ``queries/referral_outcomes.py``.

The referrals are found through their referred step (the only event that names the seizure)
before the ``referrals`` view derives anything. Filtering the view on its seizure instead
derives every referral's state first, since the view's seizure is itself derived; filtered on its
grouping key (``referral_id``), DuckDB applies the filter before the grouping.
"""

from __future__ import annotations

from lake import referral_lifecycle as lifecycle
from queries.gateway import Gateway, default_gateway

# (column of the ``referrals`` view, the step's name): each step's first day
STEP_COLUMNS = tuple(
    ("seizure_on" if step == "follow_up_seizure" else f"{step}_on", label)
    for step, label in lifecycle.LABELS.items()
)
DETAIL_COLUMNS = (
    "referral_id",
    "agency",
    "status",
    "is_open",
    "case_number",
    "outcome",
    *(column for column, _ in STEP_COLUMNS),
)

_REFERRED_OF = "SELECT referral_id FROM referral_events WHERE step = 'referred' AND seizure_id = ?"


def _gw(gateway: Gateway | None) -> Gateway:
    return gateway or default_gateway()


def referrals_of(
    seizure_id: str, gateway: Gateway | None = None, look_now: bool = False
) -> list[dict]:
    """The seizure's referrals, first referred first, each with its steps in the order they
    happened (``steps``: the step's name and its first day). ``look_now``: a step was just
    recorded, so look at the lake now instead of at the gateway's next check."""
    gw = _gw(gateway)
    if look_now:
        gw.refresh(check_now=True)
    if not gw.has("referrals"):
        return []
    columns = ", ".join(DETAIL_COLUMNS)
    sql = f"SELECT {columns} FROM referrals WHERE referral_id IN ({_REFERRED_OF})"  # noqa: S608 -- fixed names
    referrals = gw.frame(sql, [seizure_id]).to_dicts()
    for referral in referrals:
        steps = [(referral[c], label) for c, label in STEP_COLUMNS if referral[c] is not None]
        referral["steps"] = [{"step": label, "on": day} for day, label in sorted(steps)]
    referrals.sort(key=lambda r: (r["referred_on"], r["referral_id"]))
    return referrals


def seizure_to_refer(seizure_id: str, gateway: Gateway | None = None) -> dict | None:
    """What a new referral of the seizure names besides it: its shipment and its day (a
    referral cannot be dated before it); None when no seizure has that id."""
    if not isinstance(seizure_id, str) or not 0 < len(seizure_id) <= 64:
        return None
    gw = _gw(gateway)
    if not gw.has("seizures"):
        return None
    rows = gw.frame(
        "SELECT seizure_id, shipment_id, event_date FROM seizures WHERE seizure_id = ?",
        [seizure_id],
    ).to_dicts()
    return rows[0] if rows else None
