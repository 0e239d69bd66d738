"""Two periods side by side, per member of a dimension: what changed, and who drove it.

Period ``a`` is the baseline and ``b`` the period of interest: deltas are ``b - a`` and the
percentages are relative to ``a``. Both periods replace the filters' own date window, which a
comparison must not inherit (filtering FY2025 and comparing FY2024 with FY2025 would otherwise
empty one side). Both sides come from one scan with ``FILTER`` clauses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from typing import NamedTuple

import polars as pl

from queries.filters import SEIZURE_TARGET, Filters, predicate
from queries.gateway import Gateway, default_gateway
from queries.seizure_stats import GROUPS, Period, current_period

DELTA_MEASURES = ("events", "lbs")
# dimensions compared together: "port_mode" keys read "2504|land_truck" (ports of entry only)
PAIRS = {"port_mode": "CAST(port_code AS VARCHAR) || '|' || CAST(mode AS VARCHAR)"}


class FytdPair(NamedTuple):
    """The same days one year earlier, then fiscal year to date: in time order, so that
    ``a, b = fytd_pair(day)`` makes the prior year the baseline ``a``."""

    prior: Period
    current: Period


def fytd_pair(as_of: date) -> FytdPair:
    """(the same days a year earlier, FYTD through ``as_of``)."""
    current = current_period(Filters(), as_of)
    return FytdPair(current.prior_year(), current)


def periods(
    mode: str, custom: tuple[tuple[date, date], tuple[date, date]] | None, as_of: date | None
) -> tuple[Period, Period] | None:
    """(period A, period B) of a compare mode ("fytd" or "custom"), None when it compares
    nothing."""
    if mode == "fytd":
        return tuple(fytd_pair(as_of)) if as_of else None
    if mode == "custom" and custom:
        (a_lo, a_hi), (b_lo, b_hi) = custom
        return Period(a_lo, a_hi), Period(b_lo, b_hi)
    return None


def side_filters(filters: Filters, side: str, pair: tuple[Period, Period] | None) -> Filters:
    """The filters with their dates replaced by period A or B (``side`` "a" or "b")."""
    if pair is None or side not in ("a", "b"):
        return filters
    period = pair[0] if side == "a" else pair[1]
    return replace(filters, fy=None, start=period.start, end=period.end)


def _sql(key: str | None, where_sql: str) -> str:
    in_a, in_b = "event_date BETWEEN ? AND ?", "event_date BETWEEN ? AND ?"
    select_key = f"{key} AS key, " if key else ""
    present = f" AND {key} IS NOT NULL" if key else ""
    group = "GROUP BY 1" if key else ""
    order = "ORDER BY abs(lbs_delta) DESC, abs(events_delta) DESC, key" if key else ""
    return f"""
        WITH sides AS (
            SELECT {select_key}
                   count(*) FILTER (WHERE {in_a}) AS events_a,
                   count(*) FILTER (WHERE {in_b}) AS events_b,
                   coalesce(sum(lbs) FILTER (WHERE {in_a}), 0) AS lbs_a,
                   coalesce(sum(lbs) FILTER (WHERE {in_b}), 0) AS lbs_b
            FROM seizures
            WHERE {where_sql}{present}
              AND (event_date BETWEEN ? AND ? OR event_date BETWEEN ? AND ?)
            {group}
        )
        SELECT *,
               events_b - events_a AS events_delta,
               lbs_b - lbs_a AS lbs_delta,
               (events_b - events_a) / nullif(events_a, 0) AS events_pct,
               (lbs_b - lbs_a) / nullif(lbs_a, 0) AS lbs_pct
        FROM sides {order}
    """  # noqa: S608 -- key comes from the GROUPS whitelist; values are bound


def _run(filters: Filters, a: Period, b: Period, key: str | None, gateway: Gateway | None):
    where = predicate(filters, SEIZURE_TARGET, use_dates=False)
    bounds = [a.start, a.end, b.start, b.end]
    params = bounds * 2 + where.params + bounds
    return (gateway or default_gateway()).frame(_sql(key, where.sql), params)


def compare(
    filters: Filters,
    a: Period,
    b: Period,
    by: str,
    gateway: Gateway | None = None,
) -> pl.DataFrame:
    """Per member of ``by`` (a dimension of ``GROUPS``, or a pair of ``PAIRS``; members missing
    the dimension left out, as in ``top``): key,
    events_a, events_b, lbs_a, lbs_b, events_delta, lbs_delta, events_pct, lbs_pct (fractions,
    null when the baseline ``a`` is 0). Ranked by absolute lbs change, then absolute events
    change."""
    key = PAIRS.get(by) or GROUPS.get(by)
    if key is None:
        raise ValueError(f"unknown dimension {by!r}")
    return _run(filters, a, b, key, gateway)


def totals(filters: Filters, a: Period, b: Period, gateway: Gateway | None = None) -> pl.DataFrame:
    """One row with the same columns as ``compare`` (no key) for everything filtered."""
    return _run(filters, a, b, None, gateway)


def _amount(value: float, measure: str) -> str:
    return f"{value:+,.0f} {measure}"


def drivers_sentence(
    frame: pl.DataFrame,
    by_label: str,
    measure: str,
    *,
    names: Mapping[str, str] | None = None,
    subject: str = "",
    versus: str = "the earlier period",
    total: Mapping[str, float] | None = None,
) -> str:
    """The comparison in one sentence: the overall change and the member that moved most in the
    same direction, e.g. "Fentanyl lbs up 34% vs prior FYTD, led by Tucson Field Office
    (+1,200 lbs)."

    The overall change is ``total`` (a row of ``totals``) when given, else the sum of the rows,
    which leaves out seizures missing the dimension (and members cut by ``head``). A member is
    named by ``names``, else by the frame's ``label`` column if it has one, else by ``by_label``
    and its key.
    """
    if measure not in DELTA_MEASURES:
        raise ValueError(f"unknown measure {measure!r}")
    a_col, b_col, delta_col = f"{measure}_a", f"{measure}_b", f"{measure}_delta"
    if total is not None:
        before, after = float(total[a_col]), float(total[b_col])
    elif frame.is_empty():
        before = after = 0.0
    else:
        before, after = float(frame[a_col].sum()), float(frame[b_col].sum())
    head = f"{subject} {measure}".strip()
    head = head[0].upper() + head[1:]
    if before == after:
        return f"{head} unchanged vs {versus}."
    if before == 0:
        text = f"{head} {after:,.0f} vs none in {versus}"
    else:
        change = (after - before) / before
        text = f"{head} {'up' if change > 0 else 'down'} {abs(change):.0%} vs {versus}"
    rising = after > before
    movers = frame.filter(pl.col(delta_col) > 0 if rising else pl.col(delta_col) < 0)
    if movers.is_empty():
        return text + "."
    lead = movers.sort([delta_col, "key"], descending=[rising, False]).row(0, named=True)
    name = (names or {}).get(lead["key"]) or lead.get("label") or f"{by_label} {lead['key']}"
    return f"{text}, led by {name} ({_amount(lead[delta_col], measure)})."
