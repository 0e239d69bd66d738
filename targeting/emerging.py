"""Emerging threats: commodities, HTS lines and routes whose counts rise beyond control limits.

Five signals, each a count per key over time:

* seizures per commodity, and per commodity and route (the ``seizures`` table);
* flagged shipments per HTS line and per route (origin > transit > port > mode), a shipment
  being "flagged" when its current score is in the top ``FLAG_SHARE`` of the scores of the whole
  analysis window (one cut-off across time, so a rise is a rise);
* all shipments per route: a new or fast-growing lane matters before anyone seizes on it.

For each key the last ``RECENT_DAYS`` days are compared with the ``BASELINE_DAYS`` before them.
The baseline is scaled by how much the signal grew overall (traffic grows every year), so what is
tested is a *share shift*: P(X >= observed) for X ~ Poisson(expected) — a one-sided Poisson
control limit. A key is emerging when that tail probability is below ``ALPHA`` divided by the
number of keys tested (Bonferroni: ten thousand routes must not raise ten false alarms) and the
count is at least ``MIN_RATIO`` times what was expected; it is *new* when the baseline saw none.
Each signal comes with its evidence: baseline and recent counts per 30 days and a monthly series
for a sparkline. The research notes (section 6a) found no published method for emerging transit
countries; this is the combination they propose (baseline share, Poisson test, new combinations).
The counts are named queries in ``queries/emerging_counts.py``; the tests run here, in Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import polars as pl
from scipy.stats import poisson

from queries import emerging_counts
from queries.filters import SEIZURE_TARGET, SHIPMENT_TARGET, Filters, predicate
from queries.gateway import Gateway

RECENT_DAYS = 90
BASELINE_DAYS = 365
SERIES_MONTHS = 18
FLAG_SHARE = 0.10
ALPHA = 1e-3
MIN_RATIO = 1.5
MIN_COUNT = 5
EXPECTED_FLOOR = 0.5  # a key never seen before still "expects" half an event, not zero


@dataclass(frozen=True)
class Signal:
    name: str  # what is counted
    kind: str  # commodity, commodity_route, hts or route
    table: str  # seizures, scores (flagged shipments) or shipments (all traffic)


SIGNALS = (
    Signal("seizures", "commodity", "seizures"),
    Signal("seizures", "commodity_route", "seizures"),
    Signal("flagged shipments", "hts", "scores"),
    Signal("flagged shipments", "route", "scores"),
    Signal("shipments", "route", "shipments"),
)


def _window(as_of: date) -> tuple[date, date, date]:
    """(series start, baseline start, recent start); the recent window ends with ``as_of``."""
    recent = as_of - timedelta(days=RECENT_DAYS - 1)
    baseline = recent - timedelta(days=BASELINE_DAYS)
    first_month = date(as_of.year, as_of.month, 1)
    for _ in range(SERIES_MONTHS - 1):
        first_month = (first_month - timedelta(days=1)).replace(day=1)
    return min(first_month, baseline), baseline, recent


def applies(signal: Signal, filters: Filters) -> bool:
    """Whether every filter the user set can be honoured by the signal's table (a shipment has
    no commodity, category or component): a signal that cannot is left out, never shown as if
    it were filtered."""
    target = SEIZURE_TARGET if signal.table == "seizures" else SHIPMENT_TARGET
    return not predicate(filters, target, use_dates=False).not_applied


def _counts(
    gateway: Gateway, signal: Signal, as_of: date, flagged: dict, filters: Filters
) -> pl.DataFrame:
    """Per (key, day): events of the signal since the start of the series or the baseline,
    under the page's filters (their dates aside: the windows are the signal's own).

    ``flagged`` keeps the flagged-shipments pass for the next signal that needs it."""
    start, _, _ = _window(as_of)
    end = as_of + timedelta(days=1)
    if signal.table == "shipments":
        return emerging_counts.shipments_per_day(gateway, signal.kind, start, end, filters)
    if signal.table == "seizures":
        return emerging_counts.seizures_per_day(gateway, signal.kind, start, end, filters)
    if "counts" not in flagged:
        flagged["counts"] = emerging_counts.flagged_per_day(
            gateway, start, end, FLAG_SHARE, filters
        )
    per_day = flagged["counts"].group_by(signal.kind, "day").agg(pl.col("n").sum())
    return per_day.rename({signal.kind: "key"})


def detect(counts: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """Keys whose recent count breaks the Poisson control limit of their scaled baseline.

    ``counts`` has ``key``, ``day`` and ``n``. Returns one row per key with evidence, emerging
    keys first (smallest tail probability), then the rest by how far above expectation they are.
    """
    _, baseline_start, recent_start = _window(as_of)
    day = pl.col("day")
    in_recent = (day >= recent_start) & (day <= as_of)
    in_base = (day >= baseline_start) & (day < recent_start)
    per_key = counts.group_by("key").agg(
        pl.col("n").filter(in_recent).sum().alias("recent"),
        pl.col("n").filter(in_base).sum().alias("baseline"),
    )
    total_recent = float(per_key["recent"].sum())
    total_base = float(per_key["baseline"].sum())
    growth = total_recent / total_base if total_base else 1.0
    tested = max(per_key.height, 1)
    alpha = ALPHA / tested
    rows = []
    for key, recent, base in per_key.select("key", "recent", "baseline").iter_rows():
        expected = max(base * growth, EXPECTED_FLOOR)
        p = float(poisson.sf(recent - 1, expected)) if recent > 0 else 1.0
        ratio = recent / expected
        new = base == 0 and recent >= MIN_COUNT
        emerging = recent >= MIN_COUNT and ratio >= MIN_RATIO and (p < alpha or new)
        rows.append(
            {
                "key": key,
                "recent": int(recent),
                "baseline": int(base),
                "recent_per_30d": recent * 30 / RECENT_DAYS,
                "baseline_per_30d": base * 30 / BASELINE_DAYS,
                "expected": expected,
                "ratio": ratio,
                "p_value": p,
                "new": new,
                "emerging": emerging,
                "tested": tested,
                "limit": alpha,
            }
        )
    schema = {
        "key": pl.Utf8,
        "recent": pl.Int64,
        "baseline": pl.Int64,
        "recent_per_30d": pl.Float64,
        "baseline_per_30d": pl.Float64,
        "expected": pl.Float64,
        "ratio": pl.Float64,
        "p_value": pl.Float64,
        "new": pl.Boolean,
        "emerging": pl.Boolean,
        "tested": pl.Int64,
        "limit": pl.Float64,
    }
    out = pl.DataFrame(rows, schema=schema, orient="row")
    return out.sort(["emerging", "p_value", "ratio", "key"], descending=[True, False, True, False])


def monthly_series(counts: pl.DataFrame, keys: list[str], as_of: date) -> pl.DataFrame:
    """``SERIES_MONTHS`` monthly counts per key (zeros filled), the last month partial."""
    months = []
    month = date(as_of.year, as_of.month, 1)
    for _ in range(SERIES_MONTHS):
        months.append(month)
        month = (month - timedelta(days=1)).replace(day=1)
    months.reverse()
    grid = pl.DataFrame({"key": keys}).join(pl.DataFrame({"month": months}), how="cross")
    monthly = (
        counts.filter(pl.col("key").is_in(keys))
        .with_columns(pl.col("day").dt.truncate("1mo").alias("month"))
        .group_by("key", "month")
        .agg(pl.col("n").sum())
    )
    filled = grid.join(monthly, on=["key", "month"], how="left").with_columns(
        pl.col("n").fill_null(0)
    )
    return (
        filled.sort("key", "month")
        .group_by("key", maintain_order=True)
        .agg(pl.col("month"), pl.col("n").alias("series"))
    )


def signals(
    gateway: Gateway, as_of: date | datetime, top: int = 8, filters: Filters | None = None
) -> pl.DataFrame:
    """The ``top`` keys of each signal the lake can compute under ``filters``, with evidence
    and a series; signals the filters cannot apply to (``applies``) are left out."""
    day = as_of.date() if isinstance(as_of, datetime) else as_of
    filters = filters or Filters()
    parts = []
    flagged: dict = {}
    for signal in SIGNALS:
        needed = {signal.table, "shipments"} if signal.table == "scores" else {signal.table}
        if not all(gateway.has(t) for t in needed) or not applies(signal, filters):
            continue
        counts = _counts(gateway, signal, day, flagged, filters)
        if counts.is_empty():
            continue
        found = detect(counts, day).head(top)
        series = monthly_series(counts, found["key"].to_list(), day)
        parts.append(
            found.join(series, on="key", how="left", maintain_order="left").with_columns(
                pl.lit(signal.name).alias("signal"), pl.lit(signal.kind).alias("kind")
            )
        )
    if not parts:
        return pl.DataFrame()
    return pl.concat(parts, how="vertical_relaxed")


def describe(row: dict) -> str:
    """One sentence of evidence, e.g. "12.3 per 30 days now vs 2.1 before (5.9x, p < 0.001)"."""
    if row["new"]:
        return f"new: {row['recent']} in the last {RECENT_DAYS} days, none in the year before"
    p, limit = row["p_value"], row.get("limit")
    shown = f"p = {p:.1e}" if p < 1e-3 else f"p = {p:.3f}"
    if limit is not None:
        shown += f", limit {limit:.0e}"
    return (
        f"{row['recent_per_30d']:.1f} per 30 days now vs {row['baseline_per_30d']:.1f} before "
        f"({row['ratio']:.1f}x what overall growth predicts, {shown})"
    )


def table(frame: pl.DataFrame) -> str:
    """The signals as a plain-text table for the terminal, emerging ones first per signal."""
    if frame.is_empty():
        return "no signal can be computed yet (the lake needs seizures, shipments and scores)"
    lines = [
        f"{'signal':<18} {'kind':<16} {'status':<9} {'recent':>6} {'base':>6} "
        f"{'ratio':>6} {'p':>8}  key"
    ]
    for row in frame.iter_rows(named=True):
        status = "new" if row["new"] else "EMERGING" if row["emerging"] else "watching"
        lines.append(
            f"{row['signal']:<18} {row['kind']:<16} {status:<9} {row['recent']:>6} "
            f"{row['baseline']:>6} {row['ratio']:>6.1f} {row['p_value']:>8.1e}  {row['key']}"
        )
    return "\n".join(lines)
