"""The Referrals page's aggregate reads: how far referrals get (the funnel), how long they take
to get there (the durations behind time to outcome), and which open cases have gone quiet.

Every read keeps the referrals whose *seizure* the filters keep: ``referrals`` joined to
``seizures`` on ``seizure_id``. A referral follows a seizure, and the filter bar describes
seizures (port, mode, commodity, countries, the seizure's day), so "fentanyl at Laredo in FY2025"
means the referrals of those seizures, wherever and whenever the cases went on.

The record's as-of date is the latest day any referral event happened (``as_of``): a case still
open is known to be open up to that day and no further, so that is where its time is counted to.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from lake import referral_lifecycle as lifecycle
from queries.filters import SEIZURE_TARGET, Filters, predicate
from queries.gateway import Gateway, default_gateway

# The steps a time to outcome can be measured to (from the referral), in the funnel's order.
DURATION_STEPS: tuple[str, ...] = tuple(s for s in lifecycle.FUNNEL if s != "referred")
DEFAULT_STEP = "arrest"
# What the curves can be compared by: a column of the joined referral (r) or seizure (s).
GROUPS: dict[str, str] = {"agency": "r.agency", "category": "s.category"}
_FROM = "referrals r JOIN seizures s USING (seizure_id)"


def _gw(gateway: Gateway | None) -> Gateway:
    return gateway or default_gateway()


def available(gateway: Gateway | None = None) -> bool:
    """Whether the lake holds referrals and the seizures they came from."""
    gw = _gw(gateway)
    return gw.has("referrals") and gw.has("seizures")


def as_of(gateway: Gateway | None = None) -> date | None:
    """The latest day a referral event happened: how far the referral record reaches."""
    gw = _gw(gateway)
    if not gw.has("referral_events"):
        return None
    return gw.memo(
        "referrals_as_of", lambda: gw.scalar("SELECT max(occurred_on) FROM referral_events")
    )


def funnel(filters: Filters, gateway: Gateway | None = None) -> pl.DataFrame:
    """Per receiving agency, how many referrals of the filtered seizures reached each step of
    ``lifecycle.FUNNEL`` (a column per step; ``referred`` counts them all). A case counts at
    every step it reached, whatever it skipped: an arrest without a warrant (a controlled
    delivery) counts as an arrest and not as a warrant."""
    where = predicate(filters, SEIZURE_TARGET)
    counts = ", ".join(
        "count(*) AS referred" if step == "referred" else f"count(r.{step}_on) AS {step}"
        for step in lifecycle.FUNNEL
    )
    # step names come from the fixed FUNNEL; values are bound
    sql = f"""
        SELECT r.agency, {counts} FROM {_FROM} WHERE {where.sql}
        GROUP BY r.agency ORDER BY r.agency
    """  # noqa: S608
    return _gw(gateway).frame(sql, where.params)


def durations(
    filters: Filters, step: str, by: str, until: date, gateway: Gateway | None = None
) -> pl.DataFrame:
    """How long each filtered referral took to reach ``step``, or how long it has gone without,
    counted in days from its referral; one row per (group, days, reached, ended) with ``n``
    cases, the input of a weighted Kaplan–Meier fit.

    - ``reached``: the step happened, ``days`` after the referral.
    - not reached, still open: followed up to ``until`` (the record's as-of date) and censored
      there; it may still get there.
    - ``ended``: declined or closed without the step. It can never reach it now, so it is not
      censored at its closing day (which would pretend it still might); it stays without the
      step up to ``until``, like every case the record follows that far. The curve one minus
      this Kaplan–Meier estimate draws is then the cumulative incidence of the step: the share
      of referrals that reach it within so many days, closures counted as never.
    """
    if step not in DURATION_STEPS:
        raise ValueError(f"unknown step {step[:40]!r}")
    if by not in GROUPS:
        raise ValueError(f"unknown grouping {by[:40]!r}")
    where = predicate(filters, SEIZURE_TARGET)
    on = f"r.{step}_on"
    # the step's column and the group's come from DURATION_STEPS and GROUPS; values are bound
    sql = f"""
        SELECT {GROUPS[by]} AS grp,
               CAST(date_diff('day', r.referred_on, coalesce({on}, ?)) AS INTEGER) AS days,
               {on} IS NOT NULL AS reached,
               {on} IS NULL AND NOT r.is_open AS ended,
               count(*) AS n
        FROM {_FROM}
        WHERE {where.sql}
        GROUP BY ALL
        ORDER BY grp, days, reached, ended
    """  # noqa: S608
    return _gw(gateway).frame(sql, [until, *where.params])


STALLED_COLUMNS = (
    "referral_id",
    "agency",
    "status",
    "case_number",
    "referred_on",
    "last_event_on",
    "idle_days",
    "commodity",
    "port_code",
    "mode",
)


def _stalled_where(filters: Filters, until: date, days: int) -> tuple[str, list]:
    where = predicate(filters, SEIZURE_TARGET)
    cutoff = date.fromordinal(until.toordinal() - days)
    return f"r.is_open AND r.last_event_on <= ? AND {where.sql}", [cutoff, *where.params]


def stalled(
    filters: Filters,
    until: date,
    days: int,
    start: int,
    end: int,
    gateway: Gateway | None = None,
) -> tuple[list[dict], int]:
    """Rows ``start`` to ``end`` of the open referrals of the filtered seizures with no event
    in the ``days`` before ``until``, the longest quiet first, and how many there are."""
    gw = _gw(gateway)
    condition, params = _stalled_where(filters, until, days)
    sql = f"""
        SELECT r.referral_id, r.agency, r.status, r.case_number, r.referred_on, r.last_event_on,
               CAST(date_diff('day', r.last_event_on, ?) AS INTEGER) AS idle_days,
               s.commodity, s.port_code, s.mode
        FROM {_FROM}
        WHERE {condition}
        ORDER BY r.last_event_on, r.referred_on, r.referral_id
        LIMIT ? OFFSET ?
    """  # noqa: S608 -- the condition is built above from fixed columns; values are bound
    rows = gw.frame(sql, [until, *params, max(0, end - start), start]).to_dicts()
    total = gw.scalar(f"SELECT count(*) FROM {_FROM} WHERE {condition}", params)  # noqa: S608
    return rows, int(total or 0)
