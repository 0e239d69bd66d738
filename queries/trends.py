"""One measure over time at a chosen grain, with the context an analyst needs to read it.

Each period carries its year-ago value, a trailing mean, Shewhart-style control limits and the
DHS "seizure rate" (NDAA FY2017 §1092: seizures divided by the average of the same period in the
previous five years). All of these look back *before* the filtered window (filtering FY2025 must
still compare with FY2024), so they are computed over the filters without their date window on a
dense calendar (a period with no matching seizure is a real zero, not a gap), and only then cut to
the window. The window's own rows are counted with the full filters, so the values add up to the
filtered total shown elsewhere.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

import polars as pl

from queries.filters import SEIZURE_TARGET, Filters, predicate, shift_year
from queries.gateway import Gateway, default_gateway

GRAINS = ("day", "week", "month", "fy")
MEASURES = ("events", "lbs", "pills")
LOOKBACK_YEARS = 5  # the seizure rate's five prior years reach furthest back...
LOOKBACK_SLACK = timedelta(days=7)  # ...plus up to a week where ISO years start earlier
SEIZURE_RATE_YEARS = 5
MIN_BASELINE = 6  # control limits flag a period only when at least this many baseline periods exist
SIGMAS = 3


@dataclass(frozen=True)
class Grain:
    """SQL fragments of one grain. ``{d}`` is a date expression; ``{p}`` a period column; ``{s}``
    the ``sub`` column. All are fixed text from this module, never user input."""

    trunc: str  # period start of the day {d}
    step: str  # interval between periods
    label: str  # display label of period {p}
    year: str  # the "year" a period belongs to: calendar, ISO or fiscal
    sub: str  # position within that year: month-day, ISO week, month, or 0 for fiscal years
    lookup: str  # which sub to look for in earlier years (29 Feb -> 28 Feb, week 53 -> 52)
    rolling: int  # periods in the trailing mean, current one included
    baseline: int  # previous periods behind the control limits, current one excluded
    column: str  # the event's period start, precomputed in ``seizures_periods`` (queries/hot.py)


GRAIN_SQL: dict[str, Grain] = {
    "day": Grain(
        trunc="CAST({d} AS DATE)",
        step="INTERVAL 1 DAY",
        label="strftime({p}, '%Y-%m-%d')",
        year="year({p})",
        sub="month({p}) * 100 + day({p})",
        lookup="CASE WHEN {s} = 229 THEN 228 ELSE {s} END",
        rolling=28,
        baseline=90,
        column="event_date",
    ),
    "week": Grain(
        trunc="CAST(date_trunc('week', {d}) AS DATE)",
        step="INTERVAL 7 DAY",
        label="isoyear({p}) || '-W' || lpad(CAST(week({p}) AS VARCHAR), 2, '0')",
        year="isoyear({p})",
        sub="week({p})",
        lookup="least({s}, 52)",
        rolling=4,
        baseline=52,
        column="week_start",
    ),
    "month": Grain(
        trunc="CAST(date_trunc('month', {d}) AS DATE)",
        step="INTERVAL 1 MONTH",
        label="strftime({p}, '%b %Y')",
        year="year({p})",
        sub="month({p})",
        lookup="{s}",
        rolling=3,
        baseline=12,
        column="month_start",
    ),
    "fy": Grain(
        trunc="make_date(year({d}) + CAST(month({d}) >= 10 AS INTEGER) - 1, 10, 1)",
        step="INTERVAL 1 YEAR",
        label="'FY' || (year({p}) + 1)",
        year="year({p}) + 1",
        sub="0",
        lookup="{s}",
        rolling=3,
        baseline=5,
        column="fy_start",
    ),
}
VALUE_COLUMNS = {"events": "events", "lbs": "lbs", "pills": "pills"}
HISTORY_VALUES = {"events": "count(*)", "lbs": "sum(lbs)", "pills": "sum(pills)"}


def _series_sql(grain: Grain, value: str, history_sql: str, window_sql: str) -> str:
    def trunc(expr: str) -> str:
        return grain.trunc.format(d=expr)

    label = grain.label.format(p="c.period")
    year = grain.year.format(p="c.period")
    sub = grain.sub.format(p="c.period")
    lookup = grain.lookup.format(s="c.sub")
    r, b = grain.rolling, grain.baseline
    return f"""
        WITH args AS (
            SELECT CAST(? AS DATE) AS lo, CAST(? AS DATE) AS hi, CAST(? AS DATE) AS lookback
        ), bounds AS (
            SELECT min(event_date) AS first_day, max(event_date) AS as_of FROM seizures
        ), calendar AS (
            SELECT CAST(unnest(generate_series(
                CAST(greatest({trunc("first_day")}, {trunc("lookback")}) AS TIMESTAMP),
                CAST({trunc("least(as_of, coalesce(hi, as_of))")} AS TIMESTAMP),
                {grain.step})) AS DATE) AS period
            FROM bounds, args
        ), hist AS (
            SELECT {grain.column} AS period, {HISTORY_VALUES[value]} AS value
            FROM seizures_periods, args
            WHERE {history_sql}
              AND event_date >= coalesce({trunc("lookback")}, DATE '0001-01-01')
              AND event_date <= coalesce(hi, DATE '9999-12-31')
            GROUP BY 1
        ), dense AS (
            SELECT c.period, CAST(coalesce(h.value, 0) AS DOUBLE) AS value,
                   {label} AS label, {year} AS y, {sub} AS sub
            FROM calendar c LEFT JOIN hist h USING (period)
        ), stats AS (
            SELECT period,
                   CASE WHEN count(*) OVER roll = {r} THEN avg(value) OVER roll END AS rolling,
                   avg(value) OVER base AS baseline_mean,
                   stddev_samp(value) OVER base AS baseline_sd,
                   count(*) OVER base AS baseline_n
            FROM dense
            WINDOW roll AS (ORDER BY period ROWS BETWEEN {r - 1} PRECEDING AND CURRENT ROW),
                   base AS (ORDER BY period ROWS BETWEEN {b} PRECEDING AND 1 PRECEDING)
        ), yoy AS (
            SELECT c.period,
                   any_value(p.value) FILTER (WHERE p.y = c.y - 1) AS prior_value,
                   any_value(p.label) FILTER (WHERE p.y = c.y - 1) AS prior_label,
                   count(p.period) AS prior_years,
                   avg(p.value) AS prior_mean
            FROM dense c
            LEFT JOIN dense p
              ON p.sub = {lookup} AND p.y BETWEEN c.y - {SEIZURE_RATE_YEARS} AND c.y - 1
            GROUP BY c.period
        ), win AS (
            SELECT {grain.column} AS period, count(*) AS events,
                   coalesce(sum(lbs), 0) AS lbs, CAST(coalesce(sum(pills), 0) AS BIGINT) AS pills,
                   median(lbs) AS median_lbs, max(lbs) / nullif(sum(lbs), 0) AS max_share
            FROM seizures_periods WHERE {window_sql} GROUP BY 1
        ), joined AS (
            SELECT d.period, d.label,
                   coalesce(w.events, 0) AS events, coalesce(w.lbs, 0) AS lbs,
                   coalesce(w.pills, 0) AS pills,
                   CAST(coalesce(w.{value}, 0) AS DOUBLE) AS value,
                   w.median_lbs, w.max_share, y.prior_value, y.prior_label, s.rolling,
                   s.baseline_mean, s.baseline_sd, s.baseline_n,
                   s.baseline_mean + {SIGMAS} * s.baseline_sd AS upper,
                   greatest(s.baseline_mean - {SIGMAS} * s.baseline_sd, 0) AS lower,
                   coalesce(d.period < a.lo, false)
                     OR d.period + {grain.step} - INTERVAL 1 DAY
                        > least(bd.as_of, coalesce(a.hi, bd.as_of)) AS partial,
                   CASE WHEN y.prior_years = {SEIZURE_RATE_YEARS}
                        THEN coalesce(w.{value}, 0) / nullif(y.prior_mean, 0) END AS seizure_rate
            FROM dense d
            JOIN stats s USING (period)
            LEFT JOIN yoy y USING (period)
            LEFT JOIN win w USING (period)
            CROSS JOIN args a CROSS JOIN bounds bd
            WHERE d.period >= coalesce({trunc("a.lo")}, DATE '0001-01-01')
              AND EXISTS (SELECT 1 FROM win)
        )
        SELECT period, label, events, lbs, pills, value, median_lbs, max_share,
               prior_value, prior_label, rolling, baseline_mean, baseline_sd, upper, lower,
               coalesce(NOT partial AND baseline_n >= {MIN_BASELINE}
                        AND (value > upper OR value < lower), false) AS outside,
               seizure_rate, partial
        FROM joined ORDER BY period
    """  # noqa: S608 -- grain fragments and the value column come from fixed tables here


def series(
    filters: Filters,
    measure: str = "lbs",
    grain: str = "month",
    gateway: Gateway | None = None,
) -> pl.DataFrame:
    """One row per period of the filtered window that the lake covers (zeros included).

    Columns: period, label, events, lbs, pills, value (the chosen measure), median_lbs,
    max_share, prior_value and prior_label (same period a year earlier), rolling, baseline_mean,
    baseline_sd, upper, lower, outside, seizure_rate, partial. ``partial`` marks a period cut by
    the window or by the data's as-of day; such a period is never flagged ``outside``, since a
    month that is half over is not an anomaly. Empty when no seizure matches inside the window.
    """
    if grain not in GRAIN_SQL or measure not in VALUE_COLUMNS:
        raise ValueError(f"unknown grain {grain!r} or measure {measure!r}")
    gw = gateway or default_gateway()
    history = predicate(filters, SEIZURE_TARGET, use_dates=False)
    window = predicate(filters, SEIZURE_TARGET)
    lo, hi = filters.period()
    lookback = shift_year(lo, -LOOKBACK_YEARS) - LOOKBACK_SLACK if lo else None
    sql = _series_sql(GRAIN_SQL[grain], VALUE_COLUMNS[measure], history.sql, window.sql)
    return gw.frame(sql, [lo, hi, lookback, *history.params, *window.params])


def _number(value: float) -> str:
    return f"{value:,.1f}" if 0 < abs(value) < 10 and value != int(value) else f"{value:,.0f}"


def _mid_sentence(label: str) -> str:
    """A label inside a sentence: "Pounds" becomes "pounds", "MDMA pills" keeps its acronym."""
    return label[0].lower() + label[1:] if label[1:2].islower() else label


def summary_sentence(frame: pl.DataFrame, measure_label: str) -> str:
    """The chart in one sentence for screen readers: the latest period, its change on a year
    earlier, and how many periods broke the control limits."""
    if frame.is_empty():
        return "No seizures match these filters."
    measure_label = _mid_sentence(measure_label)
    # A period cut short by the window or by today would compare a part with a whole a year
    # earlier: lead with the latest complete period instead, when there is one.
    complete = frame.filter(~pl.col("partial")) if "partial" in frame.columns else frame
    last = (complete if not complete.is_empty() else frame).row(-1, named=True)
    label = f"{last['label']} (partial)" if last.get("partial") else last["label"]
    text = f"{label}: {_number(last['value'])} {measure_label}"
    prior, prior_label = last["prior_value"], last.get("prior_label")
    if prior is None or (isinstance(prior, float) and math.isnan(prior)):
        text += ", no data a year earlier"
    elif prior == 0:
        text += f", {'none' if last['value'] == 0 else 'up from 0'} in {prior_label}"
    else:
        text += f", {(last['value'] - prior) / prior:+.0%} vs {prior_label}"
    outside = int(frame["outside"].sum())
    if outside == 0:
        text += "; no period outside control limits."
    else:
        text += f"; {outside} period{'s' if outside != 1 else ''} outside control limits."
    return text
