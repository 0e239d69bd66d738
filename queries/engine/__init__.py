"""The seizure engine: the questions the seizure cards ask most, each answered by its SQL or,
once they are built, by numpy arrays of the hot seizures, with the same numbers.

Why it exists: at national scale (a million events) DuckDB's exact medians took about half of
a breakdown's time, a records page sorted every filtered event however few rows it showed, and
a KPI window or a trend scanned the events; the benchmark's targets for a view nobody asked for
since the data changed (``make bench``: at most a quarter of raw DuckDB's time, at least 20
times faster than pandas) are met from arrays sorted once per data version
(``queries/engine/arrays.py``, ``queries/engine/record_pages.py``), not from the SQL.

One interface. Each function below returns a ``Question``: its SQL with bound parameters
(``queries/engine/sql.py``), which is the answer's specification, and the same answer from the
arrays. ``answer`` asks the gateway (``Gateway.frame``): the arrays answer when those of the
current seizures version are built, the SQL otherwise (until the low-priority builder thread
has built them, and where the arrays decline: a trend whose window cuts a month while the
filters keep most of its events, a records page with the grid's own column filters or in an
order not kept in memory). Either answer is cached under the SQL's key, so they must agree:
``tests/test_engine_agreement.py`` compares them on random filters.

- ``window_totals``: SQL ``sql.window_totals_sql``; arrays ``SeizureArrays.window_sums``, per
  window.
- ``monthly_trend``: SQL ``sql.monthly_trend_sql``; arrays ``SeizureArrays.monthly``.
- ``ranking``: SQL ``sql.ranking_sql``; arrays ``SeizureArrays.ranked`` (medians included).
- ``record_page``: SQL ``sql.record_page_sql``; arrays ``RecordPages.page``.
- ``record_count``: SQL ``sql.record_count_sql``; arrays ``RecordPages.count``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

import polars as pl

from queries.engine import sql
from queries.engine.arrays import SeizureArrays
from queries.engine.record_pages import ORDERS
from queries.engine.sql import MEASURES, Window
from queries.filters import SEIZURE_TARGET, Filters

if TYPE_CHECKING:  # the gateway imports the arrays' module: a runtime import would be a cycle
    from queries.gateway import Gateway

T = TypeVar("T")
NO_GRID_FILTER: tuple[str, list] = ("TRUE", [])  # the records grid's column filters, when empty
KPI_MEASURES = ("events", "lbs", "fentanyl_lbs", "pills")
KPI_GROUP_SCHEMA = {
    "now": pl.Boolean,
    "before": pl.Boolean,
    **{m: pl.Float64 if "lbs" in m else pl.Int64 for m in KPI_MEASURES},
}
KPI_SCHEMA = {f"{m}{s}": KPI_GROUP_SCHEMA[m] for s in ("", "_prior") for m in KPI_MEASURES}


def _as_is(frame: pl.DataFrame) -> pl.DataFrame:
    return frame


@dataclass(frozen=True)
class Question(Generic[T]):
    """One question: its SQL and parameters (the specification, and the answer while no arrays
    are built), the same frame from the arrays (None: the SQL answers; a function returning
    None: the SQL answers this time), and what the caller gets from either frame."""

    sql: str
    params: list
    from_arrays: Callable[[SeizureArrays], pl.DataFrame | None] | None
    finish: Callable[[pl.DataFrame], T] = _as_is


def answer(question: Question[T], gateway: Gateway) -> T:
    """The question's answer: from the arrays when they are built and answer it, else from the
    SQL; cached under the SQL's key by the gateway either way."""
    frame = gateway.frame(question.sql, question.params, arrays=question.from_arrays)
    return question.finish(frame)


def window_totals(filters: Filters, now: Window, prior: Window) -> Question[pl.DataFrame]:
    """Events, lbs, fentanyl lbs and pills of the filtered events in ``now`` and in ``prior``:
    one row, the prior window's columns suffixed ``_prior`` (an event in both counts in both)."""

    def from_arrays(arrays: SeizureArrays) -> pl.DataFrame:
        # the SQL's shape (a row per combination of window flags), so both fold alike
        rows = [
            {"now": True, "before": False, **arrays.window_sums(filters, *now)},
            {"now": False, "before": True, **arrays.window_sums(filters, *prior)},
        ]
        return pl.DataFrame(rows, schema=KPI_GROUP_SCHEMA)

    return Question(*sql.window_totals_sql(filters, now, prior), from_arrays, _fold_windows)


def _fold_windows(groups: pl.DataFrame) -> pl.DataFrame:
    """The grouped rows as one row per window, side by side. Three rows at most, read as dicts
    (a polars filter per window cost more than the loop)."""
    row: dict[str, float] = dict.fromkeys(KPI_SCHEMA, 0)
    for found in groups.iter_rows(named=True):
        for suffix, flag in (("", "now"), ("_prior", "before")):
            if found[flag]:
                for name in KPI_MEASURES:
                    row[name + suffix] += found[name]
    return pl.DataFrame([row], schema=KPI_SCHEMA)


def monthly_trend(filters: Filters) -> Question[pl.DataFrame]:
    """Per month with an event: events, lbs, fentanyl lbs, pills and modelled events."""
    return Question(*sql.monthly_trend_sql(filters), lambda arrays: arrays.monthly(filters))


def ranking(filters: Filters, column: str, measure: str, n: int) -> Question[pl.DataFrame]:
    """The top ``n`` members of a dimension column by ``measure`` (a ``MEASURES`` key) and one
    pooled ``OTHERS`` row, with medians and largest events; events without a value left out."""
    if column not in SEIZURE_TARGET.columns.values():
        raise ValueError(f"unknown dimension column {column!r}")
    if measure not in MEASURES:
        raise ValueError(f"unknown measure {measure!r}")
    return Question(
        *sql.ranking_sql(filters, column, measure, n),
        lambda arrays: arrays.ranked(filters, column, measure, n),
    )


def record_page(
    filters: Filters, order: str, start: int, end: int, grid: tuple[str, list] = NO_GRID_FILTER
) -> Question[pl.DataFrame]:
    """Records ``start`` to ``end`` in ``order`` (``queries.records.grid_order`` text), under
    the filters and the grid's own column filters ``grid`` (SQL and parameters). From memory
    only for the orders kept there and no column filter: the first pages people see."""
    from_arrays = None
    if grid == NO_GRID_FILTER and order in ORDERS:

        def from_arrays(arrays: SeizureArrays) -> pl.DataFrame:
            return arrays.records.page(filters, order, start, end)

    return Question(*sql.record_page_sql(filters, order, start, end, grid), from_arrays)


def record_count(filters: Filters, grid: tuple[str, list] = NO_GRID_FILTER) -> Question[int]:
    """How many records the filters and the grid's column filters ``grid`` keep."""
    from_arrays = None
    if grid == NO_GRID_FILTER:

        def from_arrays(arrays: SeizureArrays) -> pl.DataFrame:
            return pl.DataFrame({"total": [arrays.records.count(filters)]})

    return Question(*sql.record_count_sql(filters, grid), from_arrays, _total)


def _total(frame: pl.DataFrame) -> int:
    return int(frame.item() if frame.height else 0)
