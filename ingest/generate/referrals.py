"""Synthetic case referrals: what happened after a seizure was handed to an investigating agency,
as the events of each case (``referral_events``), so the referral system has a history to show.

GAO (GAO-25-107667) criticised CBP for not tracking what became of its seizures; the events let
the Referrals page show the funnel seizure -> referral -> ... -> conviction, how long each step
takes, and where cases stall. Everything here is modelled:

* **Who is referred.** About 35 % of seizures overall, more for fentanyl, nitazenes, precursors and
  production equipment and for large seizures, fewer for small marijuana seizures. Propensities are
  scaled so the overall share lands near the target whatever the seizure mix.
* **When.** 0-14 days after the seizure; a referral that would fall after ``today`` has not
  happened yet and is left out.
* **To whom.** HSI most often, then DEA (more for precursors and presses); USPIS takes a large
  share of mail cases; FBI rarely; state and local task forces the rest.
* **Lifecycle.** Each case walks the state machine of ``lake/referral_lifecycle.py``: declined
  (about a quarter, agency-dependent, then closed) or accepted; an accepted case mostly opens an
  investigation (else it is closed); an investigation may bring follow-up seizures, a warrant,
  an arrest (mostly after a warrant), an indictment, a prosecution and a conviction, and every
  investigation ends closed: soon after a conviction, months after its last step otherwise.
  Each step has its own probability and a gamma-distributed delay of days to months after the
  one before. Steps whose day would fall after ``today`` have not happened
  yet (censoring), so recent referrals are mostly still open.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import polars as pl

from lake import referral_lifecycle as lifecycle
from lake.contract import SCHEMAS, conform

REFERRED_SHARE = 0.35
MAX_PROPENSITY = 0.95
REFERRAL_LAG_DAYS = 14

# Relative propensity to refer, by commodity (category default below).
PROPENSITY_COMMODITY = {
    "fentanyl_powder": 2.0,
    "fentanyl_pills": 2.0,
    "nitazenes": 2.0,
    "xylazine": 1.5,
    "methamphetamine": 1.4,
    "heroin": 1.4,
    "cocaine": 1.2,
    "ketamine": 1.0,
    "ecstasy": 1.0,
    "lsd": 0.9,
    "khat": 0.5,
    "marijuana": 0.6,
    "other_drugs": 0.9,
}
PROPENSITY_CATEGORY = {"drug": 1.0, "precursor": 1.8, "equipment": 1.9, "other": 0.6}
SMALL_MARIJUANA_LBS = 50.0
SMALL_MARIJUANA_FACTOR = 0.4
LARGE_LBS = 100.0
LARGE_FACTOR = 1.5

AGENCY_MAIL = {"USPIS": 0.38, "HSI": 0.37, "DEA": 0.12, "State/local task force": 0.10, "FBI": 0.03}
AGENCY_CHEMICAL = {"HSI": 0.50, "DEA": 0.35, "State/local task force": 0.10, "FBI": 0.05}
AGENCY_OTHER = {"HSI": 0.58, "DEA": 0.22, "State/local task force": 0.16, "FBI": 0.04}
DECLINE_RATE = {"HSI": 0.24, "DEA": 0.22, "USPIS": 0.28, "FBI": 0.35, "State/local task force": 0.2}

# Step probabilities (given the step they follow) and delays: gamma(shape, scale) days.
INVESTIGATION_RATE = 0.85
FOLLOW_UP_SEIZURE = 0.4
SECOND_FOLLOW_UP = 0.3
WARRANT_RATE = 0.55
ARREST_AFTER_WARRANT = 0.7
ARREST_WITHOUT_WARRANT = 0.15
INDICTMENT_RATE = 0.8
PROSECUTION_RATE = 0.9
CONVICTION_RATE = 0.8
DELAYS = {
    "accepted": (1.5, 4.0),
    "declined": (2.0, 25.0),
    "closed_declined": (1.0, 5.0),
    "investigation_opened": (2.0, 7.0),
    "closed_no_investigation": (2.0, 30.0),
    "follow_up_seizure": (2.0, 12.0),
    "warrant": (2.0, 30.0),
    "arrest_warrant": (1.5, 25.0),
    "arrest_direct": (2.0, 40.0),
    "indictment": (2.0, 20.0),
    "prosecution": (2.0, 45.0),
    "conviction": (3.0, 60.0),
    "closed_convicted": (2.0, 30.0),
    "closed_no_arrest": (3.0, 80.0),
}
AGENCY_CODES = {"HSI": "HSI", "DEA": "DEA", "FBI": "FBI", "USPIS": "USPIS"}
CBP = "CBP (demo feed)"


def _delay(rng: np.random.Generator, step: str, size: int) -> np.ndarray:
    shape, scale = DELAYS[step]
    return np.maximum(np.ceil(rng.gamma(shape, scale, size)), 1).astype(np.int64)


def _propensity(seizures: pl.DataFrame) -> np.ndarray:
    commodity = seizures["commodity"].to_numpy().astype(str)
    category = seizures["category"].to_numpy().astype(str)
    lbs = seizures["lbs"].fill_null(0.0).to_numpy()
    by_category = np.vectorize(PROPENSITY_CATEGORY.get, otypes=[float])(category, 1.0)
    by_commodity = np.vectorize(PROPENSITY_COMMODITY.get, otypes=[float])(commodity, np.nan)
    raw = np.where(np.isnan(by_commodity), by_category, by_commodity)
    small_weed = (commodity == "marijuana") & (lbs < SMALL_MARIJUANA_LBS)
    raw = raw * np.where(small_weed, SMALL_MARIJUANA_FACTOR, 1.0)
    raw = raw * np.where(lbs >= LARGE_LBS, LARGE_FACTOR, 1.0)
    return raw


def _agencies(rng: np.random.Generator, mode: np.ndarray, category: np.ndarray) -> np.ndarray:
    out = np.empty(len(mode), dtype=object)
    mail = mode == "mail"
    chemical = ~mail & np.isin(category, ["precursor", "equipment"])
    for mask, table in (
        (mail, AGENCY_MAIL),
        (chemical, AGENCY_CHEMICAL),
        (~mail & ~chemical, AGENCY_OTHER),
    ):
        rows = np.flatnonzero(mask)
        p = np.fromiter(table.values(), dtype=float)
        out[rows] = np.array(list(table), dtype=object)[
            rng.choice(len(p), size=len(rows), p=p / p.sum())
        ]
    return out


def _referred(
    seizures: pl.DataFrame, rng: np.random.Generator, today: date
) -> tuple[pl.DataFrame, np.ndarray]:
    """The seizures referred by ``today`` and the day each was referred (days since 1970)."""
    frame = seizures.sort("seizure_id")
    raw = _propensity(frame)
    scale = REFERRED_SHARE / raw.mean() if len(raw) and raw.mean() > 0 else 0.0
    for _ in range(4):  # keep the overall share on target after clipping at MAX_PROPENSITY
        p = np.minimum(raw * scale, MAX_PROPENSITY)
        scale *= REFERRED_SHARE / max(p.mean(), 1e-9) if len(p) else 1.0
    p = np.minimum(raw * scale, MAX_PROPENSITY)
    event = frame["event_date"].cast(pl.Int32).to_numpy().astype(np.int64)
    referred_on = event + rng.integers(0, REFERRAL_LAG_DAYS + 1, frame.height)
    chosen = (rng.random(frame.height) < p) & (referred_on <= _day(today))
    rows = np.flatnonzero(chosen)
    cases = frame.select(pl.all().gather(rows))
    order = np.lexsort((cases["seizure_id"].to_numpy().astype(str), referred_on[rows]))
    return cases.select(pl.all().gather(order)), referred_on[rows][order]


def _day(day: date) -> int:
    return int((np.datetime64(day, "D") - np.datetime64("1970-01-01", "D")).astype(int))


class _Timelines:
    """The events of every case, built step by step over whole arrays: ``add`` records a step
    for the cases in ``mask`` on the given days, unless the day is after ``today``."""

    def __init__(self, size: int, today: int) -> None:
        self.size, self.today = size, today
        self.parts: list[tuple[np.ndarray, str, np.ndarray]] = []

    def add(self, step: str, mask: np.ndarray, days: np.ndarray) -> np.ndarray:
        """Record ``step``; returns where it happened by today (the cases that go on)."""
        happened = mask & (days <= self.today)
        rows = np.flatnonzero(happened)
        self.parts.append((rows, step, days[rows]))
        return happened


def make_referral_events(
    seizures: pl.DataFrame,
    rng: np.random.Generator,
    today: date,
    batch_id: str,
    ingested_at: datetime,
) -> pl.DataFrame:
    """The events of the referrals of a share of ``seizures``, as far as each case got by
    ``today``; every case's events walk ``lake.referral_lifecycle``."""
    if ingested_at.tzinfo is not None:
        ingested_at = ingested_at.astimezone(UTC).replace(tzinfo=None)
    cases, ref = _referred(seizures, rng, today)
    size = cases.height
    agency = _agencies(
        rng, cases["mode"].to_numpy().astype(str), cases["category"].to_numpy().astype(str)
    )
    line = _Timelines(size, _day(today))
    everyone = np.ones(size, dtype=bool)
    line.add("referred", everyone, ref)

    def after(days: np.ndarray, step: str) -> np.ndarray:
        return days + _delay(rng, step, size)

    # Each case's whole course is planned first; ``line.add`` then keeps the steps dated by
    # today. Days grow along a case, so a step kept always has the steps before it.
    decline_p = np.vectorize(DECLINE_RATE.get, otypes=[float])(agency, 0.25)
    declines = rng.random(size) < decline_p
    declined_on = after(ref, "declined")
    line.add("declined", declines, declined_on)
    line.add("closed", declines, after(declined_on, "closed_declined"))

    accepted_on = after(ref, "accepted")
    line.add("accepted", ~declines, accepted_on)
    investigates = ~declines & (rng.random(size) < INVESTIGATION_RATE)
    line.add("closed", ~declines & ~investigates, after(accepted_on, "closed_no_investigation"))
    opened_on = after(accepted_on, "investigation_opened")
    line.add("investigation_opened", investigates, opened_on)

    warrant = investigates & (rng.random(size) < WARRANT_RATE)
    warrant_on = after(opened_on, "warrant")
    arrest_p = np.where(warrant, ARREST_AFTER_WARRANT, ARREST_WITHOUT_WARRANT)
    arrest = investigates & (rng.random(size) < arrest_p)
    arrest_on = np.where(
        warrant, after(warrant_on, "arrest_warrant"), after(opened_on, "arrest_direct")
    )
    indicted = arrest & (rng.random(size) < INDICTMENT_RATE)
    indictment_on = after(arrest_on, "indictment")
    prosecuted = indicted & (rng.random(size) < PROSECUTION_RATE)
    prosecution_on = after(indictment_on, "prosecution")
    convicted = prosecuted & (rng.random(size) < CONVICTION_RATE)
    conviction_on = after(prosecution_on, "conviction")
    last = opened_on
    for planned, step, days in (
        (warrant, "warrant", warrant_on),
        (arrest, "arrest", arrest_on),
        (indicted, "indictment", indictment_on),
        (prosecuted, "prosecution", prosecution_on),
        (convicted, "conviction", conviction_on),
    ):
        line.add(step, planned, days)
        last = np.where(planned, np.maximum(last, days), last)
    # every investigation ends closed: soon after a conviction, months after its last step
    # otherwise (a case that led nowhere, a prosecution that did not convict)
    closed_on = np.where(
        convicted, after(last, "closed_convicted"), after(last, "closed_no_arrest")
    )
    line.add("closed", investigates, closed_on)
    # follow-up seizures happen while the investigation runs: before a prosecution or a closing
    ends = np.where(prosecuted, np.minimum(prosecution_on, closed_on), closed_on)
    first_on = after(opened_on, "follow_up_seizure")
    first = investigates & (rng.random(size) < FOLLOW_UP_SEIZURE) & (first_on < ends)
    line.add("follow_up_seizure", first, first_on)
    second_on = after(first_on, "follow_up_seizure")
    second = first & (rng.random(size) < SECOND_FOLLOW_UP) & (second_on < ends)
    line.add("follow_up_seizure", second, second_on)
    return _events_frame(line, cases, agency, batch_id, ingested_at)


def _events_frame(
    line: _Timelines,
    cases: pl.DataFrame,
    agency: np.ndarray,
    batch_id: str,
    ingested_at: datetime,
) -> pl.DataFrame:
    """The recorded steps as ``referral_events`` rows, in the contract's types and order."""
    size = cases.height
    referral_ids = np.array([f"RF{i + 1:09d}" for i in range(size)], dtype=object)
    fiscal = (cases["event_date"].dt.year() + (cases["event_date"].dt.month() >= 10)).to_numpy()
    codes = np.array([AGENCY_CODES.get(a, "TF") for a in agency], dtype=object)
    case_numbers = np.array(
        [f"{c}-{fy}-{i + 1:07d}" for i, (c, fy) in enumerate(zip(codes, fiscal, strict=True))],
        dtype=object,
    )
    frames = []
    for rows, step, days in line.parts:
        if not len(rows):
            continue
        referred = step == "referred"
        frames.append(
            pl.DataFrame(
                {
                    "referral_id": referral_ids[rows].tolist(),
                    "step": [step] * len(rows),
                    "occurred_on": pl.Series(days, dtype=pl.Int32).cast(pl.Date),
                    "agency": agency[rows].tolist(),
                    "case_number": None
                    if referred or step == "declined"
                    else case_numbers[rows].tolist(),
                    "seizure_id": cases["seizure_id"].gather(rows) if referred else None,
                    "shipment_id": cases["shipment_id"].gather(rows) if referred else None,
                    "recorded_by": [CBP if referred else f"{a} (demo feed)" for a in agency[rows]],
                },
                schema_overrides={
                    "case_number": pl.Utf8,
                    "seizure_id": pl.Utf8,
                    "shipment_id": pl.Utf8,
                },
            )
        )
    if not frames:
        empty = pl.from_arrow(SCHEMAS["referral_events"].empty_table())
        return empty.with_columns(pl.lit(None, pl.Int16).alias("fiscal_year"))
    events = pl.concat(frames, how="diagonal_relaxed")
    rank = {step: i for i, step in enumerate(lifecycle.STEPS)}
    events = events.with_columns(
        pl.col("step").replace_strict(rank, return_dtype=pl.Int8).alias("_rank")
    ).sort(["referral_id", "occurred_on", "_rank"])
    occurred = pl.col("occurred_on")
    events = events.with_columns(
        (
            pl.col("referral_id")
            + pl.lit("-")
            + pl.int_range(pl.len()).over("referral_id").add(1).cast(pl.Utf8).str.zfill(2)
        ).alias("event_id"),
        pl.lit(None, pl.Utf8).alias("note"),
        pl.lit(batch_id).alias("batch_id"),
        pl.lit(ingested_at).cast(pl.Datetime("us")).alias("ingested_at"),
        (occurred.dt.year() + (occurred.dt.month() >= 10).cast(pl.Int32))
        .cast(pl.Int16)
        .alias("fiscal_year"),
    )
    return conform("referral_events", events)
