"""One ``Filters`` value for every page, its URL query-string codec, and its SQL predicate.

A shared link must reproduce a view, so every filter round-trips through the query string. Values
are checked against the reference vocabularies *before* any SQL exists; an unknown value is
refused with a message that names it. Values then reach DuckDB only as bound parameters, and
column names come from the fixed ``FilterTarget`` tables below, never from the URL.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date
from functools import cache
from urllib.parse import parse_qsl, urlencode

from lake import reference

MAX_VALUES = 50  # per multi-value filter: a URL is not a bulk-query interface


class FilterError(ValueError):
    """A query-string value that is not allowed; the message is safe to show to a user."""


@dataclass(frozen=True)
class FilterSpec:
    key: str  # URL key and Filters attribute
    label: str
    kind: str  # "date", "year" or "multi"


SPECS: tuple[FilterSpec, ...] = (
    FilterSpec("start", "From", "date"),
    FilterSpec("end", "To", "date"),
    FilterSpec("fy", "Fiscal year", "year"),
    FilterSpec("component", "Component", "multi"),
    FilterSpec("area", "Field office / sector", "multi"),
    FilterSpec("port", "Port", "multi"),
    FilterSpec("mode", "Mode", "multi"),
    FilterSpec("category", "Category", "multi"),
    FilterSpec("commodity", "Commodity", "multi"),
    FilterSpec("source", "Source country", "multi"),
    FilterSpec("transit", "Transit country", "multi"),
)
SPEC_BY_KEY = {s.key: s for s in SPECS}
MULTI_KEYS = tuple(s.key for s in SPECS if s.kind == "multi")
FIRST_YEAR, LAST_YEAR = 1990, 2100


@cache
def vocabulary(key: str) -> frozenset[str]:
    """The allowed values of a multi-value filter."""
    if key == "component":
        return frozenset(reference.COMPONENTS)
    if key == "area":
        return frozenset(reference.areas()["area_id"])
    if key == "port":
        return frozenset(reference.ports()["port_code"])
    if key == "mode":
        return frozenset(reference.modes()["mode"])
    if key == "category":
        return frozenset(reference.CATEGORIES)
    if key == "commodity":
        return frozenset(reference.commodities()["commodity_id"])
    if key in ("source", "transit"):
        return frozenset(reference.countries()["country"])
    raise KeyError(key)


@dataclass(frozen=True)
class Filters:
    """What the user is looking at. Empty tuples and None mean "no restriction"."""

    start: date | None = None
    end: date | None = None
    fy: int | None = None
    component: tuple[str, ...] = field(default=())
    area: tuple[str, ...] = field(default=())
    port: tuple[str, ...] = field(default=())
    mode: tuple[str, ...] = field(default=())
    category: tuple[str, ...] = field(default=())
    commodity: tuple[str, ...] = field(default=())
    source: tuple[str, ...] = field(default=())
    transit: tuple[str, ...] = field(default=())

    # -- construction -------------------------------------------------------------------
    @classmethod
    def from_query(cls, params: Mapping[str, object] | None, strict: bool = False) -> Filters:
        """Parse URL parameters. Keys that are not filters are ignored unless ``strict``.

        Every problem is collected and reported at once, so a bad link says all that is wrong.
        """
        params = params or {}
        problems: list[str] = []
        values: dict[str, object] = {}
        for key, raw in params.items():
            spec = SPEC_BY_KEY.get(key)
            if spec is None:
                if strict:
                    problems.append(f"unknown parameter {key!r}")
                continue
            text = _as_text(raw)
            if text == "":
                continue
            try:
                values[key] = _parse_value(spec, text)
            except FilterError as exc:
                problems.append(str(exc))
        if problems:
            raise FilterError("; ".join(problems))
        filters = cls(**values)
        if filters.start and filters.end and filters.start > filters.end:
            raise FilterError(f"start {filters.start} is after end {filters.end}")
        return filters

    @classmethod
    def from_query_string(cls, query: str, strict: bool = False) -> Filters:
        pairs = parse_qsl(query.lstrip("?"), keep_blank_values=True)
        merged: dict[str, list[str]] = {}
        for key, value in pairs:
            merged.setdefault(key, []).append(value)
        return cls.from_query({k: ",".join(v) for k, v in merged.items()}, strict=strict)

    # -- output ---------------------------------------------------------------------------
    def to_query(self) -> dict[str, str]:
        """Only the set filters, in a fixed order, values sorted: equal filters, equal URLs."""
        out: dict[str, str] = {}
        for spec in SPECS:
            value = getattr(self, spec.key)
            if value is None or value == ():
                continue
            if spec.kind == "multi":
                out[spec.key] = ",".join(value)
            else:
                out[spec.key] = str(value)
        return out

    def to_query_string(self) -> str:
        query = self.to_query()
        return "?" + urlencode(query, safe=",") if query else ""

    def is_empty(self) -> bool:
        return not self.to_query()

    def without(self, key: str, value: str | None = None) -> Filters:
        """These filters with one key cleared, or one value of a multi-value key removed."""
        current = getattr(self, key)
        if value is None or SPEC_BY_KEY[key].kind != "multi":
            return replace(self, **{key: () if SPEC_BY_KEY[key].kind == "multi" else None})
        return replace(self, **{key: tuple(v for v in current if v != value)})

    def with_value(self, key: str, value: str) -> Filters:
        """These filters with one more value of a multi-value key (validated)."""
        if value not in vocabulary(key):
            raise FilterError(f"{SPEC_BY_KEY[key].label}: unknown value {value!r}")
        return replace(self, **{key: _normalise((*getattr(self, key), value))})

    def dated(self) -> bool:
        return bool(self.start or self.end or self.fy)

    def period(self) -> tuple[date | None, date | None]:
        """The date window the filters ask for: fiscal year and start/end intersected."""
        lo, hi = self.start, self.end
        if self.fy:
            fy_lo, fy_hi = date(self.fy - 1, 10, 1), date(self.fy, 9, 30)
            lo = max(lo, fy_lo) if lo else fy_lo
            hi = min(hi, fy_hi) if hi else fy_hi
        return lo, hi


def _as_text(raw: object) -> str:
    if raw is None:
        return ""
    if isinstance(raw, (list, tuple)):
        return ",".join(str(r) for r in raw)
    return str(raw).strip()


def _normalise(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(values)))


def _parse_value(spec: FilterSpec, text: str) -> object:
    if spec.kind == "date":
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise FilterError(f"{spec.label}: {text!r} is not a date like 2024-10-01") from None
    if spec.kind == "year":
        if not text.isdigit() or not FIRST_YEAR <= int(text) <= LAST_YEAR:
            raise FilterError(f"{spec.label}: {text!r} is not a fiscal year like 2024")
        return int(text)
    items = [v.strip() for v in text.split(",") if v.strip()]
    if len(items) > MAX_VALUES:
        raise FilterError(f"{spec.label}: at most {MAX_VALUES} values")
    allowed = vocabulary(spec.key)
    unknown = [v for v in items if v not in allowed]
    if unknown:
        shown = ", ".join(repr(v[:40]) for v in unknown[:5])
        raise FilterError(f"{spec.label}: unknown value {shown}")
    return _normalise(items)


# -- SQL -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class FilterTarget:
    """How each filter maps onto one table's columns. Filters with no column here do not apply
    to that table, and the caller is told so (a page must never pretend it filtered)."""

    date_column: str | None
    columns: Mapping[str, str]


SEIZURE_TARGET = FilterTarget(
    date_column="event_date",
    columns={
        "component": "component",
        "area": "area_id",
        "port": "port_code",
        "mode": "mode",
        "category": "category",
        "commodity": "commodity",
        "source": "source_country",
        "transit": "transit_country",
    },
)
# The per-month cells of ``seizures_monthly`` (queries/hot.py): the same dimensions, dated by
# their month. Only a window of whole months (``whole_months``) may be asked of it.
SEIZURE_MONTHS_TARGET = FilterTarget(date_column="month_start", columns=SEIZURE_TARGET.columns)
SHIPMENT_TARGET = FilterTarget(
    date_column="CAST(arrived_at AS DATE)",
    columns={
        "area": "area_id",
        "port": "port_code",
        "mode": "mode",
        "source": "origin_country",
        "transit": "transit_country",
    },
)


@dataclass(frozen=True)
class Predicate:
    sql: str  # "TRUE" or conditions joined by AND, with ? placeholders
    params: list
    not_applied: tuple[str, ...]  # filter keys set by the user that this table cannot honour


def predicate(
    filters: Filters,
    target: FilterTarget,
    use_dates: bool = True,
) -> Predicate:
    conditions: list[str] = []
    params: list = []
    not_applied: list[str] = []
    lo, hi = filters.period()
    if use_dates and target.date_column and (lo or hi):
        if lo:
            conditions.append(f"{target.date_column} >= ?")
            params.append(lo)
        if hi:
            conditions.append(f"{target.date_column} <= ?")
            params.append(hi)
    for key in MULTI_KEYS:
        values = getattr(filters, key)
        if not values:
            continue
        column = target.columns.get(key)
        if column is None:
            not_applied.append(key)
            continue
        conditions.append(f"list_contains(?, {column})")
        params.append(list(values))
    return Predicate(" AND ".join(conditions) or "TRUE", params, tuple(not_applied))


def whole_months(lo: date | None, hi: date | None) -> bool:
    """Whether the window ``lo``..``hi`` (either end open) starts on the first day of a month
    and ends on the last day of one, so per-month cells answer it exactly: a month's cell is
    in the window exactly when its first day is."""
    starts = lo is None or lo.day == 1
    ends = hi is None or hi.day == monthrange(hi.year, hi.month)[1]
    return starts and ends


def shift_year(day: date, years: int) -> date:
    """The same calendar day ``years`` earlier or later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def all_field_names() -> tuple[str, ...]:
    return tuple(f.name for f in fields(Filters))
