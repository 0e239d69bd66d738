"""The hot seizure events as numpy arrays, laid out for the two questions SQL answers slowest.

A breakdown needs every member's median weight, and an exact median needs the events sorted:
over a million events DuckDB's ``median(lbs)`` alone took about half of a ranking's time,
whatever the SQL's shape. Sorted once per data version, the medians become lookups. For each
dimension the events are kept sorted by (member, weight), so a member's events are one run of
rows, lightest first: the filtered events of a run are found with one mask and one binary
search per member, and its median is the middle one. The whole lake in weight order answers the
"all others" row's median the same way, and a copy in date order makes a KPI window one slice.

Codes, not strings: each dimension is the hot table's ENUM code (``queries/hot.py``), with the
ENUM's values as its dictionary, so a filter value becomes an integer before any array is read.
A missing value is the code one past the last value.

Built from the hot table's ``LOAD_SQL`` rows (``Gateway._build_arrays``) and held by the
gateway per data version (``Gateway.seizure_arrays``), with the records grid's pages from the
same rows (``queries/engine/record_pages.py``, ``SeizureArrays.records``). Nothing outside
``queries/engine/`` asks them a question: the engine's interface (``queries/engine/__init__.py``)
pairs each answer here with its SQL (``queries/engine/sql.py``), which is its specification
and serves whenever the arrays of the current version are not built yet.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl
import pyarrow as pa

from queries.engine.masks import date_mask, day_position, dictionary_codes, member_mask
from queries.engine.record_pages import RecordPages
from queries.engine.sql import OTHERS, RECORD_SELECT_SQL
from queries.filters import SEIZURE_TARGET, Filters, whole_months
from queries.hot import HotTable

COLUMNS = tuple(SEIZURE_TARGET.columns.values())  # the dimensions: filtered and grouped on
FENTANYL = "Fentanyl"  # cbp_drug_type of the fentanyl-pounds measure (hot.PERIOD_COLUMNS)
PUBLISHED = "cbp_cell"  # the provenance of CBP's own events; any other is modelled (ditto)
MONTHLY_SCHEMA = {
    "month": pl.Date,
    "events": pl.Int64,
    "lbs": pl.Float64,
    "fentanyl_lbs": pl.Float64,
    "pills": pl.Int64,
    "modelled_events": pl.Int64,
}
RANKED_SCHEMA = {  # the columns of ``queries.engine.sql.ranked_sql`` for one key
    "key": pl.String,
    "events": pl.Int64,
    "lbs": pl.Float64,
    "pills": pl.Int64,
    "value": pl.Float64,
    "members": pl.Int64,
    "median_lbs": pl.Float64,
    "max_lbs": pl.Float64,
    "dominated": pl.Boolean,
}
PROBES = 64  # weights counted per round of the pooled median's search
# up to this many pooled weights, gathering them and selecting the middle beats the search,
# which needs the filter's mask over every event (a third of a ranking at a million)
GATHER_LIMIT = 50_000

LOAD_SQL = f"""
    SELECT {RECORD_SELECT_SQL}, coalesce(cbp_drug_type = '{FENTANYL}', false) AS fentanyl,
           coalesce(provenance <> '{PUBLISHED}', false) AS modelled
    FROM {HotTable("seizures").store}
"""  # noqa: S608 -- fixed column names and a fixed literal


@dataclass(frozen=True)
class Events:
    """Events in one order: their day, every dimension's codes, weights and pills. A filter is
    evaluated on the arrays of the order it is needed in (a gather of a million flags from
    another order cost several times more than the comparisons themselves)."""

    day: np.ndarray  # int32 days since 1970-01-01
    codes: dict[str, np.ndarray]  # column -> uint8 (or uint16) codes
    lbs: np.ndarray  # float64, NaN for no weight
    pills: np.ndarray  # int32 (int64 if a count needs it), null as 0

    def take(self, order: np.ndarray) -> Events:
        return Events(
            day=self.day[order],
            codes={c: a[order] for c, a in self.codes.items()},
            lbs=self.lbs[order],
            pills=self.pills[order],
        )


@dataclass(frozen=True)
class Runs:
    """One dimension's events sorted by (member code, weight), missing weights last in a run:
    ``starts[c]:ends[c]`` is the run of code ``c``, ``weighed[c]`` the end of its events with a
    weight. ``by_year`` lists the same rows by (fiscal year, code, weight), so one fiscal
    year's events are one block whose member runs are sorted too; ``year_bounds[y, c]`` is
    where code ``c``'s run of year ``y`` begins in it (``[y, width]``: where the year ends) and
    ``year_weighed[y, c]`` where its events with a weight end."""

    events: Events
    starts: np.ndarray
    ends: np.ndarray
    weighed: np.ndarray
    lbs_sum: np.ndarray  # per code, every event: the all-time view needs no pass
    pills_sum: np.ndarray
    by_year: np.ndarray  # int32 positions in ``events``
    year_bounds: np.ndarray  # (years, width + 1)
    year_weighed: np.ndarray  # (years, width)


@dataclass(frozen=True)
class Blocks:
    """Every event by (fiscal year, weight): ``bounds[y]:bounds[y+1]`` is year ``y``'s block,
    lightest first, and ``weighed[y]`` the end of its events with a weight."""

    events: Events
    bounds: np.ndarray
    weighed: np.ndarray


@dataclass(frozen=True)
class MemberStats:
    """``SeizureArrays.member_stats``: per member code (the missing-value code last)."""

    column: str
    events: np.ndarray
    lbs: np.ndarray
    pills: np.ndarray
    weighed: np.ndarray  # filtered events with a weight
    first: np.ndarray  # where each member's filtered events begin in ``values``
    values: np.ndarray  # the filtered events' weights, member by member, lightest first

    def weights(self, code: int) -> np.ndarray:
        """The member's filtered weights, ascending."""
        at = int(self.first[code])
        return self.values[at : at + int(self.weighed[code])]

    def median(self, code: int) -> float | None:
        weights = self.weights(code)
        n = len(weights)
        return _middle(weights[(n - 1) // 2], weights[n // 2]) if n else None

    def pooled_weights(self, apart: list[int]) -> np.ndarray:
        """The filtered weights of every member but those ``apart``, unordered."""
        keep = self.weighed > 0
        keep[apart] = False
        return np.concatenate([self.weights(int(c)) for c in np.flatnonzero(keep)] or [[]])

    def largest_each(self) -> np.ndarray:
        """Each member's heaviest filtered event (NaN for a member with no weight)."""
        out = np.full(len(self.events), np.nan)
        has = self.weighed > 0
        out[has] = self.values[(self.first + self.weighed - 1)[has]]
        return out


@dataclass(frozen=True)
class MonthCells:
    """The events summed per month and combination of dimension codes, by month: the
    monthly rollup of ``queries/hot.py``, as arrays. A trend over whole months with dimension
    filters sums the cells the filters keep, a fifth as many as the events."""

    month: np.ndarray  # int32 months since January 1970, ascending
    codes: dict[str, np.ndarray]
    sums: dict[str, np.ndarray]  # the trend's measures (MONTHLY_SCHEMA but the month)

    @classmethod
    def build(
        cls, month: np.ndarray, codes: dict[str, np.ndarray], widths: dict[str, int], sums: dict
    ) -> MonthCells | None:
        """The cells of events with these months, codes (``widths[c]`` possible each) and
        measures; None if a cell's number (month and codes, mixed-radix) overflows 62 bits."""
        first = int(month.min()) if len(month) else 0
        span = int(month.max()) - first + 1 if len(month) else 1
        if span * math.prod(widths.values()) >= 1 << 62:
            return None
        key = (month - first).astype(np.int64)
        for column, width in widths.items():
            key = key * width + codes[column]
        cells, cell_of = np.unique(key, return_inverse=True)  # ascending: by month first
        totals = {k: np.bincount(cell_of, weights=v, minlength=len(cells)) for k, v in sums.items()}
        cell_codes = {}
        for column, width in reversed(widths.items()):
            cells, code = np.divmod(cells, width)
            cell_codes[column] = code.astype(codes[column].dtype)
        return cls(month=(cells + first).astype(np.int32), codes=cell_codes, sums=totals)

    def monthly(
        self, filters: Filters, lookup: dict[str, dict[str, int]], low: int, high: int
    ) -> dict[str, np.ndarray]:
        """Per month ``low`` to ``high - 1``, the measures of the cells the filters' dimension
        values keep."""
        # the months in the array's own type: another type converts the whole array
        wanted = np.arange(low, high + 1, dtype=self.month.dtype)
        first, last = self.month.searchsorted(wanted[[0, -1]])
        mask = member_mask(filters, lookup, lambda column: self.codes[column][first:last])
        selected = np.arange(first, last) if mask is None else np.flatnonzero(mask) + first
        bounds = self.month[selected].searchsorted(wanted)
        start, end = bounds[:-1], bounds[1:]
        return _typed({k: _run_sums(v[selected], start, end) for k, v in self.sums.items()})


class SeizureArrays:
    """The events of one data version (see the module docstring). Read-only once built, so any
    number of request threads may use one at once."""

    LOAD_SQL = LOAD_SQL  # what the arrays are built from: the hot seizures table

    def __init__(self, table: pa.Table, version: str) -> None:
        self.version = version
        self.size = table.num_rows
        names: dict[str, list[str]] = {}
        codes: dict[str, np.ndarray] = {}
        for column in COLUMNS:
            names[column], codes[column] = dictionary_codes(table.column(column))
        self.names = names
        self.lookup = {c: {v: i for i, v in enumerate(n)} for c, n in names.items()}
        # each code's place among its column's values in text order (rankings break ties by
        # name; the ENUM's own order should be the same, this does not rely on it)
        self.name_rank = {c: _ranks(n) for c, n in names.items()}
        loaded = Events(
            day=_days(table.column("event_date")),
            codes=codes,
            lbs=_floats(table.column("lbs")),
            pills=_ints(table.column("pills")),
        )
        fentanyl = table.column("fentanyl").to_numpy()
        modelled = table.column("modelled").to_numpy()
        self.records = RecordPages(table, self.lookup, codes)  # the grid's pages, same rows
        del table
        year = _fiscal_years(loaded.day)
        self.first_year = int(year.min()) if self.size else 0
        year_code = (year - self.first_year).astype(np.int16)
        self.years = int(year_code.max()) + 1 if self.size else 0
        has_weight = ~np.isnan(loaded.lbs)
        # numpy sorts NaN last: lightest first, events without a weight at the end
        by_weight = np.argsort(loaded.lbs, kind="stable")
        self.by_weight = loaded.take(by_weight)
        self.sorted_weights = self.by_weight.lbs[: int(np.count_nonzero(has_weight))]
        by_year = by_weight[np.argsort(year_code[by_weight], kind="stable")]
        self.blocks = Blocks(
            events=loaded.take(by_year),
            bounds=np.searchsorted(year_code[by_year], np.arange(self.years + 1)),
            weighed=_segment_ends(year_code[by_year], has_weight[by_year], self.years),
        )
        self.runs = {
            c: _runs(loaded, by_weight, codes[c], year_code, len(names[c]) + 1) for c in COLUMNS
        }
        # date order, weights without NaN: a KPI window is one slice, summed
        by_day = np.argsort(loaded.day, kind="stable")
        lbs0 = np.nan_to_num(loaded.lbs, nan=0.0)
        self.days = loaded.day[by_day]
        self.day_codes = {c: a[by_day] for c, a in codes.items()}
        self.day_lbs = lbs0[by_day]
        self.day_fentanyl_lbs = np.where(fentanyl, lbs0, 0.0)[by_day]
        self.day_pills = loaded.pills[by_day]
        self.day_modelled = modelled[by_day]
        # each event's month (months since January 1970) and where each month begins: whole
        # months of a trend are summed once here, only the window's edges per request
        self.undated = _undated(self.days)
        dated = self.size and not self.undated
        self.day_month = _months(self.days) if dated else np.zeros(0, dtype=np.int32)
        self.first_month = int(self.day_month[0]) if dated else 0
        months = int(self.day_month[-1]) - self.first_month + 1 if dated else 0
        wanted = np.arange(self.first_month, self.first_month + months + 1, dtype=np.int32)
        self.month_bounds = np.searchsorted(self.day_month, wanted)
        self.month_sums = self._segment_sums(slice(None), self.month_bounds)
        widths = {c: len(names[c]) + 1 for c in COLUMNS}
        self.cells = None
        if dated:
            measures = {"events": np.ones(self.size), **self._day_measures()}
            self.cells = MonthCells.build(self.day_month, self.day_codes, widths, measures)

    # -- filters ----------------------------------------------------------------------------
    def member_mask(
        self, filters: Filters, codes: Callable[[str], np.ndarray]
    ) -> np.ndarray | None:
        """The multi-value filters as one boolean mask over the events ``codes(column)``
        returns; None when no such filter is set."""
        return member_mask(filters, self.lookup, codes)

    def mask(self, filters: Filters, events: Events, dates: bool = True) -> np.ndarray | None:
        """The ``events`` the filters keep (their dates too, unless not ``dates``); None for
        every event."""
        mask = self.member_mask(filters, events.codes.__getitem__)
        return date_mask(filters, events.day, mask) if dates else mask

    def single_year(self, filters: Filters) -> int | None:
        """The year code when the filters' window is exactly one fiscal year (the fiscal
        year filter alone, or dates that say the same): its events are one block."""
        lo, hi = filters.period()
        if lo is None or hi is None or (lo.month, lo.day, hi.month, hi.day) != (10, 1, 9, 30):
            return None
        if hi.year != lo.year + 1:
            return None
        return hi.year - self.first_year

    # -- answers ----------------------------------------------------------------------------
    def window_sums(self, filters: Filters, start: date, end: date) -> dict[str, float]:
        """Events, lbs, fentanyl lbs and pills of the filtered events dated ``start``..``end``
        (the filters' own dates are not applied: the caller's window replaces them)."""
        lo = day_position(self.days, start)
        hi = day_position(self.days, end, "right")
        mask = self.member_mask(filters, lambda column: self.day_codes[column][lo:hi])
        lbs, pills = self.day_lbs[lo:hi], self.day_pills[lo:hi]
        fentanyl = self.day_fentanyl_lbs[lo:hi]
        if mask is not None:
            lbs, fentanyl, pills = lbs[mask], fentanyl[mask], pills[mask]
        return {
            "events": len(lbs),
            "lbs": float(lbs.sum()),
            "fentanyl_lbs": float(fentanyl.sum()),
            "pills": int(pills.sum()),
        }

    def monthly(self, filters: Filters) -> pl.DataFrame | None:
        """The monthly trend of ``queries.engine.sql.monthly_trend_sql``, or None for its SQL to
        answer: when an event has no date, or when a window that cuts a month and dimension
        filters keep more than half of its events (gathering them would cost more than SQL).

        Without dimension filters, months the window holds whole were summed at build time
        and a month it cuts is summed from its slice. With them, whole months are summed from
        the month cells (``MonthCells``) the filters keep, and a window that cuts a month from
        the events the filters keep, gathered."""
        if self.undated:
            return None
        lo, hi = filters.period()
        first = 0 if lo is None else day_position(self.days, lo)
        last = self.size if hi is None else day_position(self.days, hi, "right")
        if last <= first:
            return pl.DataFrame(schema=MONTHLY_SCHEMA)
        low = int(self.day_month[first]) - self.first_month
        high = int(self.day_month[last - 1]) - self.first_month + 1
        bounds = np.clip(self.month_bounds[low : high + 1], first, last)  # the window's months
        if not any(getattr(filters, key) for key in SEIZURE_TARGET.columns):
            sums = {k: v[low:high].copy() for k, v in self.month_sums.items()}
            for i in {0, high - low - 1}:  # the window's first and last months
                start, end = int(bounds[i]), int(bounds[i + 1])
                whole = int(self.month_bounds[low + i]), int(self.month_bounds[low + i + 1])
                if (start, end) != whole:  # the window cuts this month: sum what it holds
                    edge = self._segment_sums(slice(start, end), np.array([0, end - start]))
                    for k, v in edge.items():
                        sums[k][i] = v[0]
        elif self.cells is not None and whole_months(lo, hi):
            months = low + self.first_month, high + self.first_month
            sums = self.cells.monthly(filters, self.lookup, *months)
        else:
            mask = self.member_mask(filters, lambda column: self.day_codes[column][first:last])
            assert mask is not None  # a dimension filter is set
            if 2 * int(np.count_nonzero(mask)) > last - first:
                return None
            selected = np.flatnonzero(mask) + first
            sums = self._segment_sums(selected, np.searchsorted(selected, bounds))
        has = sums["events"] > 0
        starts = [_month_start(int(m)) for m in np.arange(low, high)[has] + self.first_month]
        columns = {k: v[has] for k, v in sums.items()}
        return pl.DataFrame({"month": starts, **columns}, schema=MONTHLY_SCHEMA)

    def _day_measures(self) -> dict[str, np.ndarray]:
        """The trend's summed measures per event, in date order."""
        return {
            "lbs": self.day_lbs,
            "fentanyl_lbs": self.day_fentanyl_lbs,
            "pills": self.day_pills,
            "modelled_events": self.day_modelled,
        }

    def _segment_sums(self, take: slice | np.ndarray, bounds: np.ndarray) -> dict[str, np.ndarray]:
        """The trend's measures of the date-ordered events ``take`` selects, per segment
        ``bounds[i]:bounds[i+1]`` of them (adjacent segments covering all of them)."""
        first, last = bounds[:-1], bounds[1:]
        sums = {k: _run_sums(v[take], first, last) for k, v in self._day_measures().items()}
        return {"events": (last - first).astype(np.int64), **_typed(sums)}

    def member_stats(self, filters: Filters, column: str) -> MemberStats:
        """Per member of ``column``: events, lbs, pills, and its filtered weights in order.

        One fiscal year reads that year's block of the runs (an eighth of the events); any
        other window, the whole runs with the dates in the mask."""
        runs = self.runs[column]
        events = runs.events
        year = self.single_year(filters)
        if year is None:
            rows = None
            starts, ends, weighed = runs.starts, runs.ends, runs.weighed
            mask = self.mask(filters, events)
        elif not 0 <= year < self.years:
            empty = np.zeros(len(runs.starts), dtype=np.int64)
            return MemberStats(column, empty, empty.astype(float), empty, empty, empty, empty)
        else:
            bounds = runs.year_bounds[year]
            rows = runs.by_year[bounds[0] : bounds[-1]]
            starts, ends = bounds[:-1] - bounds[0], bounds[1:] - bounds[0]
            weighed = runs.year_weighed[year] - bounds[0]
            mask = self.member_mask(filters, lambda c: events.codes[c][rows])
        if mask is None and rows is None:
            return MemberStats(
                column=column,
                events=ends - starts,
                lbs=runs.lbs_sum,
                pills=runs.pills_sum,
                weighed=weighed - starts,
                first=starts,
                values=events.lbs,
            )
        if mask is None:
            kept = rows
            first, last, weighed_end = starts, ends, weighed
        else:
            selected = np.flatnonzero(mask)  # ascending: run by run, lightest first
            kept = selected if rows is None else rows[selected]
            first, last = selected.searchsorted(starts), selected.searchsorted(ends)
            weighed_end = selected.searchsorted(weighed)
        values = events.lbs if kept is None else events.lbs[kept]
        pills = events.pills if kept is None else events.pills[kept]
        return MemberStats(
            column=column,
            events=last - first,
            lbs=_run_sums(np.nan_to_num(values), first, last),
            pills=np.rint(_run_sums(pills, first, last)).astype(np.int64),
            weighed=weighed_end - first,
            first=first,
            values=values,
        )

    def ranked(self, filters: Filters, column: str, measure: str, n: int) -> pl.DataFrame:
        """``queries.engine.sql.ranking_sql``'s rows: the same members, ranks and tie-breaks,
        without a pass over the events for the medians."""
        stats = self.member_stats(filters, column)
        names = self.names[column]
        width = len(names)  # the missing-value code, last, is left out as SQL's IS NOT NULL does
        totals = {"events": stats.events, "lbs": stats.lbs, "pills": stats.pills}
        values = totals[measure][:width].astype(np.float64)
        present = np.flatnonzero(stats.events[:width])
        # by value, descending, then by name, as the SQL's row_number() orders them
        ranked = present[np.lexsort((self.name_rank[column][present], -values[present]))]
        top, rest = ranked[:n], ranked[n:]
        largest = stats.largest_each()
        out = {
            "key": [names[c] for c in top],
            "events": stats.events[top].tolist(),
            "lbs": stats.lbs[top].tolist(),
            "pills": stats.pills[top].tolist(),
            "value": values[top].tolist(),
            "members": [1] * len(top),
            "median_lbs": [stats.median(int(c)) for c in top],
            "max_lbs": [_or_none(largest[c]) for c in top],
        }
        if len(rest):
            weighed = stats.weighed[rest].any()
            pooled = {
                "key": OTHERS,
                "events": int(stats.events[rest].sum()),
                "lbs": float(stats.lbs[rest].sum()),
                "pills": int(stats.pills[rest].sum()),
                "value": float(values[rest].sum()),
                "members": len(rest),
                "median_lbs": self.pooled_median(filters, stats, top.tolist()),
                "max_lbs": _or_none(np.nanmax(largest[rest])) if weighed else None,
            }
            for name, value in pooled.items():
                out[name].append(value)
        out["dominated"] = [
            heaviest is not None and heaviest > lbs / 2
            for heaviest, lbs in zip(out["max_lbs"], out["lbs"], strict=True)
        ]
        return pl.DataFrame(out, schema=RANKED_SCHEMA)

    def pooled_median(self, filters: Filters, stats: MemberStats, apart: list[int]) -> float | None:
        """The median weight of the filtered events of every member but those ``apart``
        (codes; the missing-value code is always apart), found without gathering them.

        The k-th lightest of them is the lightest weight ``w`` that k of them weigh at most,
        and that count is every filtered event up to ``w`` (a binary search in the events by
        weight, or in the fiscal year's block, which is sorted by weight too) less those of the
        members apart (a binary search in each member's sorted weights): a few rounds of a
        dozen searches, however many events the pooled members hold."""
        missing = len(stats.events) - 1
        apart = [*apart, missing]
        total = int(stats.weighed.sum()) - sum(int(stats.weighed[c]) for c in apart)
        if total <= 0:
            return None
        if total <= GATHER_LIMIT:
            pooled = stats.pooled_weights(apart)
            middle = np.partition(pooled, [(total - 1) // 2, total // 2])
            return _middle(middle[(total - 1) // 2], middle[total // 2])
        year = self.single_year(filters)
        if year is None:  # every event by weight, the dates in the mask
            events = self.by_weight
            mask = self.mask(filters, events)
            kept = None if mask is None else np.flatnonzero(mask)
            start, end = 0, len(self.sorted_weights)
        else:  # the year's block, sorted by weight
            events = self.blocks.events
            lo, hi = int(self.blocks.bounds[year]), int(self.blocks.bounds[year + 1])
            mask = self.member_mask(filters, lambda c: events.codes[c][lo:hi])
            kept = None if mask is None else np.flatnonzero(mask) + lo
            start, end = lo, int(self.blocks.weighed[year])
        apart_weights = [stats.weights(c) for c in apart]
        candidates = events.lbs[start:end]  # sorted: the k-th pooled weight is one of them
        before = 0 if kept is None else int(kept.searchsorted(start))

        def counts(at: np.ndarray) -> np.ndarray:
            """How many pooled events weigh at most each weight of ``at``."""
            ends = start + candidates.searchsorted(at, side="right")
            within = ends - start if kept is None else kept.searchsorted(ends) - before
            for member in apart_weights:
                within -= member.searchsorted(at, side="right")
            return within

        lower = _kth(candidates, counts, (total - 1) // 2 + 1)
        upper = lower if total % 2 else _kth(candidates, counts, total // 2 + 1)
        return _middle(lower, upper)


def _kth(candidates: np.ndarray, counts: Callable[[np.ndarray], np.ndarray], k: int) -> float:
    """The least of the sorted ``candidates`` whose count reaches ``k`` (counts grow with the
    weight), narrowed by counting at PROBES of them at a time: four rounds cover a million."""
    lo, hi = 0, len(candidates) - 1  # the count at the heaviest is every pooled event: >= k
    while True:
        probes = np.unique(np.linspace(lo, hi, PROBES + 1).astype(np.int64))
        found = int(counts(candidates[probes]).searchsorted(k, side="left"))
        if len(probes) == hi - lo + 1:  # every position between counted
            return float(candidates[probes[found]])
        lo, hi = (int(probes[found - 1]) + 1 if found else lo), int(probes[found])


def _runs(
    loaded: Events, by_weight: np.ndarray, codes: np.ndarray, year_code: np.ndarray, width: int
) -> Runs:
    """One dimension's ``Runs`` (``width`` codes, the last "missing")."""
    # a stable sort by code keeps the weight order within each run
    order = by_weight[np.argsort(codes[by_weight], kind="stable")]
    events = loaded.take(order)
    sorted_codes = codes[order]
    has_weight = ~np.isnan(events.lbs)
    bounds = np.searchsorted(sorted_codes, np.arange(width + 1))
    years_here = year_code[order]
    by_year = np.argsort(years_here, kind="stable").astype(np.int32)
    years = int(year_code.max()) + 1 if len(year_code) else 0
    # (year, code) cells in by_year order: a cell's runs are adjacent and ascending
    cell = years_here[by_year].astype(np.int64) * width + sorted_codes[by_year]
    cells = np.searchsorted(cell, np.arange(years * width + 1))
    year_bounds = np.empty((years, width + 1), dtype=np.int64)
    year_bounds[:, :width] = cells[:-1].reshape(years, width)
    year_bounds[:, width] = cells[width::width] if years else []
    year_weighed = _segment_ends(cell, has_weight[by_year], years * width).reshape(years, width)
    return Runs(
        events=events,
        starts=bounds[:-1],
        ends=bounds[1:],
        weighed=_segment_ends(sorted_codes, has_weight, width),
        lbs_sum=np.bincount(sorted_codes, weights=np.nan_to_num(events.lbs), minlength=width),
        pills_sum=np.rint(np.bincount(sorted_codes, weights=events.pills, minlength=width)).astype(
            np.int64
        ),
        by_year=by_year,
        year_bounds=year_bounds,
        year_weighed=year_weighed,
    )


def _segment_ends(keys: np.ndarray, has_weight: np.ndarray, count: int) -> np.ndarray:
    """For ``keys`` sorted ascending (0..count-1) and, within a key, rows with a weight first:
    where each key's rows with a weight end."""
    starts = np.searchsorted(keys, np.arange(count))
    weighed = np.bincount(keys, weights=has_weight.astype(np.float64), minlength=count)
    return starts + np.rint(weighed[:count]).astype(np.int64)


def _typed(sums: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Sums (added as floats) in the trend's column types: counts as exact integers."""
    return {
        k: np.rint(v).astype(np.int64) if MONTHLY_SCHEMA[k] == pl.Int64 else v
        for k, v in sums.items()
    }


def _undated(day: np.ndarray) -> int:
    """How many days are missing (NaN: a day array has them only as floats)."""
    return int(np.count_nonzero(np.isnan(day))) if day.dtype.kind == "f" else 0


def _months(day: np.ndarray) -> np.ndarray:
    """The month (months since January 1970) of each day number."""
    return day.astype("datetime64[D]").astype("datetime64[M]").astype(np.int32)


def _month_start(month: int) -> date:
    return date(1970 + month // 12, month % 12 + 1, 1)


def _fiscal_years(day: np.ndarray) -> np.ndarray:
    """The fiscal year (October to September, named by its end) of each day number."""
    as_date = day.astype("datetime64[D]")
    year = as_date.astype("datetime64[Y]").astype(np.int64) + 1970
    month = (as_date.astype("datetime64[M]").astype(np.int64) % 12) + 1
    return (year + (month >= 10)).astype(np.int32)


def _or_none(value: float) -> float | None:
    return None if np.isnan(value) else float(value)


def _middle(lower: float, upper: float) -> float:
    """The median of two middle values as DuckDB's ``median`` interpolates it."""
    lo, hi = float(lower), float(upper)
    return lo + (hi - lo) * 0.5


def _ranks(names: list[str]) -> np.ndarray:
    ranks = np.empty(len(names) + 1, dtype=np.int64)
    ranks[sorted(range(len(names)), key=names.__getitem__)] = np.arange(len(names))
    ranks[-1] = len(names)  # the missing value, never ranked
    return ranks


def _run_sums(values: np.ndarray, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Per run, the sum of ``values[first:last]`` (runs adjacent and in order), added in order
    as bincount adds, without a code per value."""
    out = np.zeros(len(first), dtype=np.float64)
    filled = last > first
    if filled.any():
        out[filled] = np.add.reduceat(values.astype(np.float64, copy=False), first[filled])
    return out


def _floats(column: pa.ChunkedArray) -> np.ndarray:
    return column.to_numpy().astype(np.float64)  # nulls become NaN


def _ints(column: pa.ChunkedArray) -> np.ndarray:
    """Counts with null as 0, in four bytes while they fit (every pill count so far): eleven
    copies of them are kept. Sums add them in 64 bits all the same."""
    values = column.fill_null(0).to_numpy()
    fits = (
        len(values) == 0
        or np.iinfo(np.int32).min <= values.min() <= values.max() <= np.iinfo(np.int32).max
    )
    return values.astype(np.int32 if fits else np.int64)


def _days(column: pa.ChunkedArray) -> np.ndarray:
    return column.cast(pa.int32()).to_numpy()
