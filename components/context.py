"""Words that state what a chart shows: the filter context in its title."""

from __future__ import annotations

from queries.filters import Filters


def describe(filters: Filters, measure_label: str) -> str:
    """E.g. "Pounds · FY2025 · 2 filters": the measure, the period and how many other filters."""
    parts = [measure_label]
    lo, hi = filters.period()
    if filters.fy and not (filters.start or filters.end):
        parts.append(f"FY{filters.fy}")
    elif lo or hi:
        parts.append(f"{lo or '…'} to {hi or '…'}")
    n = sum(1 for k in filters.to_query() if k not in ("fy", "start", "end"))
    if n:
        parts.append(f"{n} filter{'s' if n > 1 else ''}")
    return " · ".join(parts)
