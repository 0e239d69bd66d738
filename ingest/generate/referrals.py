"""Synthetic case referrals: what happened after a seizure was handed to an investigating agency.

GAO (GAO-25-107667) criticised CBP for not tracking what became of its seizures; the referral
table lets the case tracker show the funnel seizure -> referral -> warrant -> arrest ->
prosecution and where cases drop off. Everything here is modelled:

* **Who is referred.** About 35 % of seizures overall, more for fentanyl, nitazenes, precursors and
  production equipment and for large seizures, fewer for small marijuana seizures. Propensities are
  scaled so the overall share lands near the target whatever the seizure mix.
* **When.** 0-14 days after the seizure; a referral that would fall after ``today`` has not
  happened yet and is left out.
* **To whom.** HSI most often, then DEA (more for precursors and presses); USPIS takes a large
  share of mail cases; FBI rarely; state and local task forces the rest.
* **Lifecycle.** From "open" a case is either declined (about a quarter, agency-dependent) or may
  see a follow-up seizure, then a warrant, an arrest and a prosecution, each step with its own
  probability and a gamma-distributed delay of days to months after the previous one. Steps whose
  date would fall after ``today`` have not happened yet (censoring), so recent referrals are mostly
  still open. ``status`` is the latest step reached.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import polars as pl

from lake.contract import conform

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

# Step probabilities (given the previous step) and delays: gamma(shape, scale) days.
FOLLOW_UP_SEIZURE = 0.4
WARRANT_RATE = 0.55
ARREST_RATE = 0.7
PROSECUTION_RATE = 0.75
DELAYS = {
    "declined": (2.0, 25.0),
    "seizure": (2.0, 12.0),
    "warrant": (2.0, 30.0),
    "arrest": (1.5, 25.0),
    "prosecution": (2.0, 45.0),
}


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


def make_referrals(
    seizures: pl.DataFrame,
    rng: np.random.Generator,
    today: date,
    batch_id: str,
    ingested_at: datetime,
) -> pl.DataFrame:
    """Referrals of a share of ``seizures`` and how far each case got by ``today``."""
    if ingested_at.tzinfo is not None:
        ingested_at = ingested_at.astimezone(UTC).replace(tzinfo=None)
    frame = seizures.sort("seizure_id")
    raw = _propensity(frame)
    scale = REFERRED_SHARE / raw.mean() if len(raw) and raw.mean() > 0 else 0.0
    for _ in range(4):  # keep the overall share on target after clipping at MAX_PROPENSITY
        p = np.minimum(raw * scale, MAX_PROPENSITY)
        scale *= REFERRED_SHARE / max(p.mean(), 1e-9) if len(p) else 1.0
    p = np.minimum(raw * scale, MAX_PROPENSITY)
    event = frame["event_date"].cast(pl.Int32).to_numpy().astype(np.int64)
    today_day = int((np.datetime64(today, "D") - np.datetime64("1970-01-01", "D")).astype(int))
    referred_on = event + rng.integers(0, REFERRAL_LAG_DAYS + 1, frame.height)
    chosen = (rng.random(frame.height) < p) & (referred_on <= today_day)
    rows = np.flatnonzero(chosen)
    cases = frame.select(pl.all().gather(rows))
    size = len(rows)
    ref = referred_on[rows]
    mode = cases["mode"].to_numpy().astype(str)
    category = cases["category"].to_numpy().astype(str)
    agency = _agencies(rng, mode, category)

    decline_p = np.vectorize(DECLINE_RATE.get, otypes=[float])(agency, 0.25)
    declines = rng.random(size) < decline_p
    declined_on = ref + _delay(rng, "declined", size)
    plans = {
        "seizure": ~declines & (rng.random(size) < FOLLOW_UP_SEIZURE),
        "warrant": ~declines & (rng.random(size) < WARRANT_RATE),
    }
    plans["arrest"] = plans["warrant"] & (rng.random(size) < ARREST_RATE)
    plans["prosecution"] = plans["arrest"] & (rng.random(size) < PROSECUTION_RATE)

    dates: dict[str, np.ndarray] = {}
    previous = ref.copy()
    reached_before = np.ones(size, dtype=bool)
    for step in ("seizure", "warrant", "arrest", "prosecution"):
        when = previous + _delay(rng, step, size)
        reached = plans[step] & (when <= today_day)
        if step != "seizure":  # the follow-up seizure is optional; later steps need the one before
            reached &= reached_before
            reached_before = reached
        dates[step] = np.where(reached, when, -1)
        previous = np.where(reached, when, previous)
    declined = declines & (declined_on <= today_day)
    dates["declined"] = np.where(declined, declined_on, -1)

    status = np.full(size, "open", dtype=object)
    for step in ("seizure", "warrant", "arrest", "prosecution", "declined"):
        status = np.where(dates[step] >= 0, step, status)

    def as_date(days: np.ndarray) -> pl.Series:
        values = np.where(days >= 0, days, np.nan)
        return pl.Series(values, nan_to_null=True).cast(pl.Int32).cast(pl.Date)

    out = pl.DataFrame(
        {
            "seizure_id": cases["seizure_id"],
            "shipment_id": cases["shipment_id"],
            "agency": pl.Series(agency.tolist(), dtype=pl.Utf8),
            "referred_on": pl.Series(ref, dtype=pl.Int32).cast(pl.Date),
            "status": pl.Series(status.tolist(), dtype=pl.Utf8),
            "seizure_on": as_date(dates["seizure"]),
            "warrant_on": as_date(dates["warrant"]),
            "arrest_on": as_date(dates["arrest"]),
            "prosecution_on": as_date(dates["prosecution"]),
            "declined_on": as_date(dates["declined"]),
        }
    ).sort(["referred_on", "seizure_id"])
    referred = pl.col("referred_on")
    out = out.with_columns(
        pl.concat_str(
            [pl.lit("RF"), (pl.int_range(pl.len()) + 1).cast(pl.Utf8).str.zfill(9)]
        ).alias("referral_id"),
        pl.lit(batch_id).alias("batch_id"),
        pl.lit(ingested_at).cast(pl.Datetime("us")).alias("ingested_at"),
        (referred.dt.year() + (referred.dt.month() >= 10).cast(pl.Int32))
        .cast(pl.Int16)
        .alias("fiscal_year"),
    )
    return conform("referrals", out)
