"""The URL is the single source of truth for what a page shows.

Pages read ``Filters`` and view options from the query string; the filter bar writes them back.
Non-filter keys (``measure``) live in the same query string so a link reproduces the whole view.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from queries.filters import SPEC_BY_KEY, FilterError, Filters

MEASURES = {"events": "Events", "lbs": "Pounds", "pills": "Pills"}
DEFAULT_MEASURE = "lbs"
VIEW_KEYS = ("measure",)


def parse(search: str | None) -> tuple[Filters, str, str | None]:
    """(filters, measure, error message or None) from a query string.

    A bad link is reported, never half-applied: on error the filters are empty and the caller
    shows the message instead of figures that would pretend to be filtered.
    """
    pairs: dict[str, str] = {}
    for key, value in parse_qsl((search or "").lstrip("?"), keep_blank_values=True):
        pairs[key] = f"{pairs[key]},{value}" if key in pairs else value  # ?a=x&a=y == ?a=x,y
    measure = pairs.get("measure") or DEFAULT_MEASURE
    problems = []
    if measure not in MEASURES:
        problems.append(f"Measure: unknown value {measure[:40]!r}")
        measure = DEFAULT_MEASURE
    unknown = [k for k in pairs if k not in SPEC_BY_KEY and k not in VIEW_KEYS]
    if unknown:
        problems.append("unknown parameter " + ", ".join(repr(k[:40]) for k in unknown[:5]))
    try:
        filters = Filters.from_query({k: v for k, v in pairs.items() if k in SPEC_BY_KEY})
    except FilterError as exc:
        problems.append(str(exc))
    if problems:
        return Filters(), measure, "; ".join(problems)
    return filters, measure, None


def build(filters: Filters, measure: str = DEFAULT_MEASURE) -> str:
    """The query string for a view; the default measure is left out to keep links short."""
    query = filters.to_query()
    if measure != DEFAULT_MEASURE:
        query["measure"] = measure
    return "?" + urlencode(query, safe=",") if query else ""
