"""The records grid's pages in its everyday orders, answered from memory.

The grid opens on the newest seizures, and analysts re-sort it by weight to find the biggest:
for a page of fifty rows DuckDB sorts every filtered event and counts them again for the
total, a cost that grows with the events however few rows are shown. Sorted once per data
version instead, a page is a scan along the order for the first rows the filter keeps, and a take of
those fifty rows; the total is a slice of the events in date order and one mask.

Each order of ``ORDERS`` (date or pounds, either direction; a missing value last and the
seizure id breaking ties, exactly as ``queries.records.grid_order`` writes it) keeps the
events' positions in that order and, laid out in the same order, their days and dimension
codes, so the filter is evaluated along the order without gathering (``queries/engine/masks.py``).

Built with the seizure arrays (``queries/engine/arrays.py``) from the same rows, and asked by the
engine's interface (``queries.engine.record_page``, ``record_count``) only while the grid's own
column filters are empty: their SQL (``queries/engine/sql.py``) answers every other page, and
every page until the arrays of the data version are built.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from queries.engine.masks import date_mask, day_position, member_mask
from queries.filters import SEIZURE_TARGET, Filters
from queries.record_columns import COLUMNS, DEFAULT_ORDER

ORDER_KEYS = ("event_date", "lbs")  # a sort by seizure id is rare: its SQL serves it
FIRST_SCAN = 1 << 14  # rows of an order the first look for a page scans; four times more next
DIMENSIONS = tuple(SEIZURE_TARGET.columns.values())


def order_sql(key: str, descending: bool) -> str:
    """The ORDER BY text ``queries.records.grid_order`` writes for a sort on one column."""
    return f"{key} {'DESC' if descending else 'ASC'} NULLS LAST, seizure_id"


# DuckDB puts missing values last in either direction, so the default order is date descending
ORDERS: dict[str, tuple[str, bool]] = {
    DEFAULT_ORDER: ("event_date", True),
    **{order_sql(key, desc): (key, desc) for key in ORDER_KEYS for desc in (True, False)},
}


@dataclass(frozen=True)
class Ordered:
    """The events in one order: ``rows[i]`` is the table row of the i-th, and ``day`` and
    ``codes`` are its day number and dimension codes, in the same order."""

    rows: np.ndarray
    day: np.ndarray
    codes: dict[str, np.ndarray]

    def mask(
        self, filters: Filters, lookup: dict[str, dict[str, int]], begin: int, stop: int
    ) -> np.ndarray | None:
        """Which of the events ``begin`` to ``stop`` in this order the filters keep (None:
        all)."""
        mask = member_mask(filters, lookup, lambda column: self.codes[column][begin:stop])
        return date_mask(filters, self.day[begin:stop], mask)


class RecordPages:
    """The record rows of one data version and the orders of ``ORDERS`` over them. Read-only
    once built, so request threads share it."""

    def __init__(
        self, table: pa.Table, lookup: dict[str, dict[str, int]], codes: dict[str, np.ndarray]
    ) -> None:
        """``table``: the record columns (``queries.engine.sql.RECORD_SELECT_SQL``; others are
        ignored); ``codes``: its dimensions as ``dictionary_codes`` gives them and ``lookup``
        each value's code, made once by the caller, who needs them too."""
        # a polars frame in one chunk per column: gathering a page from it and making dicts
        # of it took less than half the time it took from the Arrow table (a take per column,
        # then decoding the ENUMs and converting); it holds about 100 MB at a million events,
        # the Arrow table 80
        self.frame = pl.from_arrow(table.select([c.key for c in COLUMNS])).rechunk()
        self.size = table.num_rows
        self.lookup = lookup
        dates = table.column("event_date")
        self.dated = self.size - dates.null_count
        day = dates.cast(pa.int32()).to_numpy()  # float with NaN when any is missing
        # the events in seizure id order, missing ids last, as DuckDB orders text (byte by
        # byte); sorted here, not by a window in the SQL, which held 200 MB more at a million
        by_id = pc.sort_indices(table.column("seizure_id")).to_numpy()  # nulls at the end
        values = {
            "event_date": day.astype(np.float64),
            "lbs": table.column("lbs").to_numpy().astype(np.float64),  # nulls as NaN
        }
        self.orders: dict[tuple[str, bool], Ordered] = {}
        for key in ORDER_KEYS:
            for descending in (True, False):
                rows = _by_value(values[key], by_id, descending)
                self.orders[key, descending] = Ordered(
                    rows=rows.astype(np.int32),
                    day=day[rows],
                    codes={c: codes[c][rows] for c in DIMENSIONS},
                )

    def page(self, filters: Filters, order: str, start: int, end: int) -> pl.DataFrame:
        """Rows ``start`` to ``end`` of the filtered records in ``order`` (a key of
        ``ORDERS``), as the records query selects them."""
        key = ORDERS[order]
        ordered = self.orders[key]
        positions = []  # of the filtered events start..end, in order
        seen, begin, step = 0, self._window_start(key, filters), FIRST_SCAN
        while begin < self.size and seen < end:  # longer steps along the order, to the page
            stop = min(self.size, begin + step)
            mask = ordered.mask(filters, self.lookup, begin, stop)
            kept = stop - begin if mask is None else int(np.count_nonzero(mask))
            if seen + kept > start:  # the page begins or goes on in this step
                hits = np.arange(kept) if mask is None else np.flatnonzero(mask)
                positions.append(begin + hits[max(start - seen, 0) : end - seen])
            seen += kept
            begin, step = stop, step * 4
        rows = ordered.rows[np.concatenate(positions)] if positions else ordered.rows[:0]
        # the hot table's ENUMs arrive as categoricals; the SQL's rows carry text (the gateway's
        # frames always do), and the page is cached as the SQL's answer
        return self.frame[rows].with_columns(pl.col(pl.Categorical).cast(pl.String))

    def _window_start(self, key: tuple[str, bool], filters: Filters) -> int:
        """Where the filters' window begins in an order by date (the events before it are
        later, or earlier, days); 0 in an order by weight."""
        lo, hi = filters.period()
        days = self.orders["event_date", False].day  # ascending, the undated last
        if key == ("event_date", True) and hi is not None:
            return self.dated - day_position(days, hi, "right")
        if key == ("event_date", False) and lo is not None:
            return day_position(days, lo)
        return 0

    def count(self, filters: Filters) -> int:
        """How many records the filters keep: the window is one slice of the date order."""
        ordered = self.orders["event_date", False]  # ascending days, the undated last
        lo, hi = filters.period()
        first, last = 0, self.size
        if lo is not None or hi is not None:  # a window leaves the undated out
            first = 0 if lo is None else day_position(ordered.day, lo)
            last = self.dated
            if hi is not None:
                last = day_position(ordered.day, hi, "right")
        if last <= first:
            return 0
        mask = member_mask(filters, self.lookup, lambda column: ordered.codes[column][first:last])
        return last - first if mask is None else int(np.count_nonzero(mask))


def _by_value(values: np.ndarray, by_id: np.ndarray, descending: bool) -> np.ndarray:
    """Positions by ``values`` (missing last), ties in seizure id order: a stable sort of the
    events already in id order keeps that order among equals."""
    keys = values[by_id]
    return by_id[np.argsort(-keys if descending else keys, kind="stable")]  # NaN sorts last
