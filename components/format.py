"""Numbers as people read them on a dashboard: thousands separators, short forms, signed changes."""

from __future__ import annotations

import math


def whole(value: float | int | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:,.0f}"


def count(value: int, noun: str, plural: str | None = None) -> str:
    """1 batch, 2 batches, 1,204 rows: a sentence built from a count reads right at one.
    ``plural`` defaults to the noun plus "es" after s, sh, ch or x, else plus "s"."""
    if value == 1:
        return f"1 {noun}"
    if plural is None:
        plural = noun + ("es" if noun.endswith(("s", "sh", "ch", "x")) else "s")
    return f"{value:,} {plural}"


def share(value: float | None) -> str:
    """0.423 -> 42%; no share (nothing to divide by) -> a dash, never an error."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.0%}"


# (shown from, unit, suffix): below 10,000 a number is short enough written out
SHORT_UNITS = ((1e9, 1e9, "B"), (1e6, 1e6, "M"), (1e4, 1e3, "k"))


def short(value: float | int | None) -> str:
    """9,293 stays whole, 57,012 -> 57.0k, 2,500,000 -> 2.5M."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    magnitude = abs(value)
    for shown_from, unit, suffix in SHORT_UNITS:
        if magnitude >= shown_from:
            return f"{value / unit:,.1f}{suffix}"
    return f"{value:,.0f}"


def change(now: float, before: float) -> float | None:
    """Relative change; None when there is nothing to compare with."""
    if not before:
        return None
    return (now - before) / before


def signed_percent(ratio: float | None) -> str:
    if ratio is None:
        return "new"
    return f"{ratio:+.0%}"
