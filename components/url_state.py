"""The URL is the single source of truth for what a page shows.

A ``View`` is the filters plus how to look at them (measure, time grain, year-over-year overlay,
compare mode). It round-trips through the query string, so a link reproduces the whole view and
back/forward restore it. Defaults are left out of links to keep them short.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from urllib.parse import parse_qsl, urlencode

from queries.filters import SPEC_BY_KEY, FilterError, Filters

MEASURES = {"events": "Events", "lbs": "Pounds", "pills": "Pills"}
GRAINS = {"day": "Day", "week": "Week", "month": "Month", "fy": "Fiscal year"}
COMPARE_MODES = {"": "Off", "fytd": "FYTD vs prior FYTD", "custom": "Two date ranges"}
SIDES = {"": "the filters' dates", "a": "period A", "b": "period B"}  # records in compare mode
DEFAULTS = {"measure": "lbs", "grain": "month", "yoy": "", "cmp": "", "side": ""}
DEFAULT_MEASURE = DEFAULTS["measure"]
VIEW_KEYS = tuple(DEFAULTS)
# Read by one page for itself, not part of the view: the case the Referrals page opens.
PAGE_KEYS = ("referral",)


@dataclass(frozen=True)
class View:
    filters: Filters = field(default_factory=Filters)
    measure: str = "lbs"
    grain: str = "month"
    yoy: bool = False
    compare: str = ""  # "", "fytd" or "custom"
    periods: tuple[tuple[date, date], tuple[date, date]] | None = None  # custom: (a, b)
    side: str = ""  # compare mode: the records show period "a" or "b" ("" the filters' dates)

    def with_filters(self, filters: Filters) -> View:
        return replace(self, filters=filters)

    def measure_label(self) -> str:
        return MEASURES[self.measure]


def _parse_periods(text: str) -> tuple[tuple[date, date], tuple[date, date]]:
    """'2024-10-01..2024-12-31|2025-10-01..2025-12-31' -> ((a_start, a_end), (b_start, b_end))."""
    halves = text.split("|")
    if len(halves) != 2:
        raise ValueError
    out = []
    for half in halves:
        lo, hi = (date.fromisoformat(part) for part in half.split(".."))
        if lo > hi:
            raise ValueError
        out.append((lo, hi))
    return out[0], out[1]


def format_periods(periods: tuple[tuple[date, date], tuple[date, date]]) -> str:
    return "|".join(f"{lo.isoformat()}..{hi.isoformat()}" for lo, hi in periods)


def parse_view(search: str | None) -> tuple[View, str | None]:
    """The view a query string names, and an error message or None.

    A bad link is reported, never half-applied: on error the filters are empty and the caller
    shows the message instead of figures that would pretend to be filtered.
    """
    pairs: dict[str, str] = {}
    for key, value in parse_qsl((search or "").lstrip("?"), keep_blank_values=True):
        pairs[key] = f"{pairs[key]},{value}" if key in pairs else value  # ?a=x&a=y == ?a=x,y
    problems: list[str] = []
    measure = pairs.get("measure") or DEFAULTS["measure"]
    if measure not in MEASURES:
        problems.append(f"Measure: unknown value {measure[:40]!r}")
        measure = DEFAULTS["measure"]
    grain = pairs.get("grain") or DEFAULTS["grain"]
    if grain not in GRAINS:
        problems.append(f"Grain: unknown value {grain[:40]!r}")
        grain = DEFAULTS["grain"]
    yoy_text = pairs.get("yoy", "")
    if yoy_text not in ("", "1"):
        problems.append(f"Year-over-year: unknown value {yoy_text[:40]!r}")
    compare, periods = "", None
    cmp_text = pairs.get("cmp", "")
    if cmp_text == "fytd":
        compare = "fytd"
    elif cmp_text:
        try:
            periods = _parse_periods(cmp_text)
            compare = "custom"
        except ValueError:
            problems.append(
                f"Compare: {cmp_text[:60]!r} is neither 'fytd' nor two ranges like "
                "2024-10-01..2024-12-31|2025-10-01..2025-12-31"
            )
    side = pairs.get("side", "")
    if side not in SIDES:
        problems.append(f"Records side: unknown value {side[:40]!r} (a or b)")
        side = ""
    unknown = [k for k in pairs if k not in SPEC_BY_KEY and k not in (*VIEW_KEYS, *PAGE_KEYS)]
    if unknown:
        problems.append("unknown parameter " + ", ".join(repr(k[:40]) for k in unknown[:5]))
    filters = Filters()
    try:
        filters = Filters.from_query({k: v for k, v in pairs.items() if k in SPEC_BY_KEY})
    except FilterError as exc:
        problems.append(str(exc))
    view = View(
        filters=Filters() if problems else filters,
        measure=measure,
        grain=grain,
        yoy=yoy_text == "1",
        compare=compare,
        periods=periods,
        side=side if compare else "",
    )
    return view, ("; ".join(problems) or None)


def parse(search: str | None) -> tuple[Filters, str, str | None]:
    """(filters, measure, error) — the part of the view most cards need."""
    view, error = parse_view(search)
    return view.filters, view.measure, error


def build_view(view: View) -> str:
    """The query string for a view; defaults are left out to keep links short."""
    query = view.filters.to_query()
    if view.measure != DEFAULTS["measure"]:
        query["measure"] = view.measure
    if view.grain != DEFAULTS["grain"]:
        query["grain"] = view.grain
    if view.yoy:
        query["yoy"] = "1"
    if view.compare == "fytd":
        query["cmp"] = "fytd"
    elif view.compare == "custom" and view.periods:
        query["cmp"] = format_periods(view.periods)
    if view.compare and view.side:
        query["side"] = view.side
    return "?" + urlencode(query, safe=",|.") if query else ""


def build(filters: Filters, measure: str = DEFAULT_MEASURE) -> str:
    return build_view(View(filters=filters, measure=measure))
