"""Time to outcome as survival analysis: one Kaplan–Meier fit (``lifelines``) per group of the
durations ``queries.referrals.durations`` counts, turned into what the card shows: the share of
referrals that reached the step by each day (one minus the fit) with its 95% band, the median
with its interval, the share reached within a year, and how many cases were censored.

Why Kaplan–Meier and not an average: most recent referrals have not got anywhere yet, and an
average over the cases that did would describe only the fast ones. Open cases count for as long
as the record follows them (to its as-of date) and no longer. A case closed or declined without
the step can never reach it: it counts as not reached for that same time, not as censored at
its closing day, so the curve is the cumulative incidence of the step (closures counted as
never), not the time a case would take if nobody ever closed one.

The fits are weighted by ``n`` (one row per distinct duration): the same estimate, confidence
intervals included, as a fit on one row per case, from a few thousand rows instead of the whole
lake (``tests/test_referrals_queries.py`` checks both agree).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import polars as pl
from lifelines import KaplanMeierFitter
from lifelines.utils import median_survival_times

HORIZON_DAYS = 3 * 365  # the chart's x axis: three years from the referral
YEAR = 365
POINTS = 365  # at most this many sampled days per curve (a step line between them)
AT_RISK_DAYS = (0, 90, 180, 365, 730)


@dataclass(frozen=True)
class Curve:
    """One group's fit: counts, the sampled curve and its summaries (days; None: not reached)."""

    group: str
    referrals: int
    reached: int
    still_open: int  # not reached and still open: censored at the as-of date
    ended: int  # declined or closed without the step: will never reach it
    days: list[int]
    incidence: list[float]
    lower: list[float]
    upper: list[float]
    median: float | None
    median_lower: float | None
    median_upper: float | None
    within_year: float
    within_year_lower: float
    within_year_upper: float
    at_risk: dict[int, int]


def _finite(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def sample_days(longest: int) -> list[int]:
    """The days a curve is drawn at: every day up to the horizon when it is short, evenly
    spaced up to ``POINTS`` of them otherwise, always with day 0 and the last day."""
    last = max(0, min(HORIZON_DAYS, longest))
    step = max(1, math.ceil(last / POINTS))
    return sorted({*range(0, last + 1, step), last})


def fit(rows: pl.DataFrame) -> KaplanMeierFitter:
    """The Kaplan–Meier fit of one group's rows (``days``, ``reached``, ``n``)."""
    return KaplanMeierFitter().fit(
        durations=rows["days"].to_numpy(),
        event_observed=rows["reached"].to_numpy(),
        weights=rows["n"].to_numpy(),
    )


def _at(frame, days: list[int]) -> np.ndarray:
    """A step function held by lifelines (indexed by its event times) at ``days``."""
    return frame.reindex(frame.index.union(days)).ffill().loc[days].to_numpy()[:, 0]


def curve(group: str, rows: pl.DataFrame) -> Curve:
    """One group's curve and summaries from its duration rows."""
    km = fit(rows)
    days = sample_days(int(rows["days"].max()))
    bands = km.confidence_interval_survival_function_
    lower_s, upper_s = bands.iloc[:, [0]], bands.iloc[:, [1]]
    survival = _at(km.survival_function_, days)
    medians = median_survival_times(km.confidence_interval_survival_function_)
    year = [YEAR]
    n = rows["n"]
    return Curve(
        group=group,
        referrals=int(n.sum()),
        reached=int(n.filter(rows["reached"]).sum()),
        still_open=int(n.filter(~rows["reached"] & ~rows["ended"]).sum()),
        ended=int(n.filter(rows["ended"]).sum()),
        days=days,
        incidence=[float(1 - s) for s in survival],
        lower=[float(1 - s) for s in _at(upper_s, days)],
        upper=[float(1 - s) for s in _at(lower_s, days)],
        median=_finite(km.median_survival_time_),
        median_lower=_finite(medians.iloc[0, 0]),
        median_upper=_finite(medians.iloc[0, 1]),
        within_year=float(1 - _at(km.survival_function_, year)[0]),
        within_year_lower=float(1 - _at(upper_s, year)[0]),
        within_year_upper=float(1 - _at(lower_s, year)[0]),
        at_risk={d: int(n.filter(rows["days"] >= d).sum()) for d in AT_RISK_DAYS},
    )


def curves(durations: pl.DataFrame) -> list[Curve]:
    """One curve per group of ``queries.referrals.durations``'s rows, largest group first."""
    out = [
        curve(str(group), rows)
        for (group,), rows in durations.group_by("grp", maintain_order=True)
        if rows["n"].sum() > 0
    ]
    return sorted(out, key=lambda c: (-c.referrals, c.group))
