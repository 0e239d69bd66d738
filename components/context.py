"""Words that state what a chart shows: the filter context in its title."""

from __future__ import annotations

from datetime import date

from queries.filters import Filters


def _day(day: date | None) -> str:
    return f"{day:%d %b %Y}" if day else "…"


def describe(filters: Filters, measure_label: str) -> str:
    """E.g. "Pounds · FY2025 · 2 filters" or "Pounds · 01 Oct 2026 – 07 Dec 2026": the measure,
    the period as a person reads it and how many other filters."""
    parts = [measure_label]
    lo, hi = filters.period()
    if filters.fy and not (filters.start or filters.end):
        parts.append(f"FY{filters.fy}")
    elif lo or hi:
        parts.append(f"{_day(lo)} – {_day(hi)}")
    n = sum(1 for k in filters.to_query() if k not in ("fy", "start", "end"))
    if n:
        parts.append(f"{n} filter{'s' if n > 1 else ''}")
    return " · ".join(parts)
