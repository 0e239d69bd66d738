"""Chart titles state their period as a person reads it."""

from __future__ import annotations

from datetime import date

from components.context import describe
from queries.filters import Filters


def test_ctx001_a_date_window_reads_as_days_not_iso_codes():
    window = Filters(start=date(2026, 10, 1), end=date(2026, 12, 7))
    assert describe(window, "Pounds") == "Pounds · 01 Oct 2026 – 07 Dec 2026"
    assert describe(Filters(start=date(2026, 10, 1)), "Events") == "Events · 01 Oct 2026 – …"
    assert describe(Filters(fy=2025, mode=("mail",)), "Pills") == "Pills · FY2025 · 1 filter"
