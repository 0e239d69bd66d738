"""Filter views that cover every kind of filter, for tests that compare two engines."""

from __future__ import annotations

from datetime import date

from queries.filters import Filters

MANY_PORTS = ("2304", "2305", "2504", "2506", "0712", "2604")  # more than SMALL_SET values
VIEWS = (
    Filters(),
    Filters(fy=2025),
    Filters(fy=2024, area=("chicago-field-office",)),
    Filters(source=("CN",), mode=("express", "mail")),
    Filters(start=date(2023, 3, 5), end=date(2024, 2, 10), category=("drug", "precursor")),
    Filters(start=date(2022, 10, 1), end=date(2023, 9, 30)),  # dates that make one fiscal year
    Filters(fy=2025, port=MANY_PORTS),
    Filters(category=("equipment",)),  # no event has a weight: no medians
    Filters(fy=2031),  # a year with no events
    Filters(end=date(2019, 10, 15), transit=("PA", "CO")),
)
