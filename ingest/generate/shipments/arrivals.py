"""When manifest lines arrive: volume growth by fiscal year, weekly and yearly seasonality.

Parcel volume follows CBP's reported de minimis counts (about 0.5 bn entries in FY2019 to 1.4 bn in
FY2024); cargo grows far less. Times are integer microseconds since the epoch so millions of rows
sort and convert without Python objects.
"""

from __future__ import annotations

from datetime import date

import numpy as np

DAY_US = 86_400_000_000
EPOCH = np.datetime64("1970-01-01", "D")

# fmt: off
# Volume index by fiscal year (anchored at the middle of the year, interpolated in log space).
PARCEL_VOLUME = {2018: 0.41, 2019: 0.50, 2020: 0.64, 2021: 0.77, 2022: 0.69, 2023: 1.00,
                 2024: 1.36, 2025: 1.42, 2026: 1.45}
CARGO_VOLUME = {2018: 0.98, 2019: 1.0, 2020: 0.93, 2021: 1.12, 2022: 1.15, 2023: 1.04,
                2024: 1.10, 2025: 1.12, 2026: 1.12}
WEEKDAY_PARCEL = (1.12, 1.18, 1.15, 1.10, 1.05, 0.78, 0.62)  # Monday first
WEEKDAY_CARGO = (1.18, 1.18, 1.16, 1.14, 1.10, 0.70, 0.54)
MONTH_PARCEL = (0.88, 0.85, 0.97, 0.97, 0.98, 0.98, 1.0, 1.0, 1.0, 1.05, 1.22, 1.20)
MONTH_CARGO = (0.95, 0.90, 0.98, 1.0, 1.0, 1.02, 1.04, 1.05, 1.08, 1.08, 1.0, 0.95)
# fmt: on


def day_range(start: date, end: date) -> np.ndarray:
    """Every day of [start, end] as datetime64[D]."""
    return np.arange(np.datetime64(start, "D"), np.datetime64(end, "D") + 1)


def _fiscal_position(days: np.ndarray) -> np.ndarray:
    """Fractional calendar year; the middle of fiscal year Y (1 April Y) is Y + 0.25."""
    return 2018.75 + (days - np.datetime64("2018-10-01", "D")).astype(np.int64) / 365.25


def day_cdf(days: np.ndarray, parcel: bool) -> np.ndarray:
    """Cumulative share of parcel (or cargo) volume up to each day."""
    volume = PARCEL_VOLUME if parcel else CARGO_VOLUME
    years = np.array(sorted(volume), dtype=float)
    level = np.exp(
        np.interp(_fiscal_position(days), years + 0.25, np.log([volume[int(y)] for y in years]))
    )
    weekday = ((days - EPOCH).astype(np.int64) + 3) % 7
    month = days.astype("datetime64[M]").astype(np.int64) % 12
    w = level * np.asarray(WEEKDAY_PARCEL if parcel else WEEKDAY_CARGO)[weekday]
    w = w * np.asarray(MONTH_PARCEL if parcel else MONTH_CARGO)[month]
    cdf = np.cumsum(w)
    return cdf / cdf[-1]


def sample_times(
    rng: np.random.Generator, days: np.ndarray, cdf: np.ndarray, size: int
) -> np.ndarray:
    """Microseconds since the epoch: a day by the CDF, then a uniform time of day."""
    day = np.minimum(np.searchsorted(cdf, rng.random(size), side="right"), len(days) - 1)
    base = (days[day] - EPOCH).astype(np.int64) * DAY_US
    return base + rng.integers(0, DAY_US, size)
