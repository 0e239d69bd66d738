"""The SQL of every question the seizure engine answers: each statement is the specification of
an answer from the arrays (``queries/engine/__init__.py`` pairs them), and itself the answer
whenever the arrays of the current seizures version are not built.

SQL text is assembled only from the fixed fragments here and the filters' predicate
(``queries.filters.predicate``); user values are always bound parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from queries.filters import SEIZURE_MONTHS_TARGET, SEIZURE_TARGET, Filters, predicate, whole_months
from queries.record_columns import COLUMNS as RECORD_COLUMNS

OTHERS = "__others__"  # the key of a ranking's pooled row
MEASURES = {"events": "count(*)", "lbs": "sum(lbs)", "pills": "sum(pills)"}  # a ranking's value
RECORD_SELECT_SQL = ", ".join(f"{c.sql} AS {c.key}" for c in RECORD_COLUMNS)
Window = tuple[date, date]  # first and last day, both included


def window_totals_sql(filters: Filters, now: Window, prior: Window) -> tuple[str, list]:
    """Events, lbs, fentanyl lbs and pills of the filtered events, grouped by whether they fall
    in ``now`` and in ``prior`` (the filters' own dates are not applied: the windows replace
    them). An event in both windows (a window longer than a year overlaps its own prior year)
    is in a group of both.

    One grouped pass: over a million events, FILTER clauses per measure and window cost three
    times as much; a scan per window cost about a millisecond more."""
    where = predicate(filters, SEIZURE_TARGET, use_dates=False)
    sql = f"""
        SELECT event_date BETWEEN ? AND ? AS now, event_date BETWEEN ? AND ? AS before,
               count(*) AS events, coalesce(sum(lbs), 0) AS lbs,
               coalesce(sum(fentanyl_lbs), 0) AS fentanyl_lbs,
               coalesce(sum(pills), 0)::BIGINT AS pills
        FROM seizures_periods
        WHERE {where.sql}
          AND (event_date BETWEEN ? AND ? OR event_date BETWEEN ? AND ?)
        GROUP BY 1, 2
    """  # noqa: S608 -- fragments are fixed; values are bound
    bounds = [*now, *prior]
    return sql, bounds + where.params + bounds


def monthly_trend_sql(filters: Filters) -> tuple[str, list]:
    """Per month: events, lbs, fentanyl lbs, pills, and how many events are modelled.

    A window of whole months (no dates, fiscal years, month-aligned start and end) is summed
    from the monthly rollup ``seizures_monthly`` (``queries/hot.py``), about a sixth of the
    rows; any other window from the events' precomputed measures in ``seizures_periods``."""
    if whole_months(*filters.period()):
        where = predicate(filters, SEIZURE_MONTHS_TARGET)
        source, events, modelled = "seizures_monthly", "sum(events)", "sum(modelled_events)"
    else:
        where = predicate(filters, SEIZURE_TARGET)
        source, events, modelled = "seizures_periods", "count(*)", "sum(modelled_event)"
    sql = f"""
        SELECT month_start AS month,
               CAST(coalesce({events}, 0) AS BIGINT) AS events,
               coalesce(sum(lbs), 0) AS lbs,
               coalesce(sum(fentanyl_lbs), 0) AS fentanyl_lbs,
               coalesce(sum(pills), 0)::BIGINT AS pills,
               coalesce({modelled}, 0)::BIGINT AS modelled_events
        FROM {source}
        WHERE {where.sql}
        GROUP BY 1 ORDER BY 1
    """  # noqa: S608 -- fragments are fixed; values are bound
    return sql, where.params


@dataclass(frozen=True)
class RankKey:
    """One key of a ranking: the column it groups on, and the label a missing value shows as
    (None: the caller's ``present`` condition leaves rows without it out)."""

    column: str
    missing: str | None = None

    def label(self, name: str) -> str:
        """The key's text in the output and in the ranking's tie-break."""
        text = f"CAST({name} AS VARCHAR)"
        return f"coalesce({text}, '{self.missing}')" if self.missing else text


def ranked_sql(keys: Mapping[str, RankKey], present: str, where_sql: str, value: str) -> str:
    """Top-n-plus-others SQL over one or more keys; bind ``ranked_params``.

    Members are ranked by the measure (ties by their labels); the members below rank n are
    pooled into one row whose keys are all ``OTHERS``. Each output row carries events, lbs,
    pills, value, members (how many members it pools), median_lbs, max_lbs and dominated (its
    largest event weighs more than half its lbs). ``keys``, ``present`` and ``value`` must be
    fixed text, and ``value`` additive (a count or a sum), since the pooled row sums its
    members' values.

    Why it is shaped so, each measured over a million events:
    - one aggregation gives every member's totals, from which the pooled row is summed; only
      the medians need the events again, bucketed by a join to the n top members (joining
      every event to every member's bucket took twice as long);
    - events group and join on the raw columns (the hot tables' ENUMs, missing values matched
      with IS NOT DISTINCT FROM), and labels are made for the few output rows only: labelling
      every event first made a route ranking 2.5 times slower;
    - the medians group by the member's rank, an integer, not by its label (10-15 % less).
    """
    names = list(keys)
    columns = ", ".join(f"{key.column} AS {name}" for name, key in keys.items())
    joined = ", ".join(names)
    labels = ", ".join(key.label(name) for name, key in keys.items())
    out_keys = ", ".join(
        f"CASE WHEN bucket = 0 THEN '{OTHERS}' ELSE any_value({key.label(name)}) END AS {name}"
        for name, key in keys.items()
    )
    same_member = " AND ".join(f"e.{name} IS NOT DISTINCT FROM t.{name}" for name in names)
    return f"""
        WITH grouped AS (
            SELECT {columns}, count(*) AS events, coalesce(sum(lbs), 0) AS lbs,
                   coalesce(sum(pills), 0) AS pills,
                   CAST(coalesce({value}, 0) AS DOUBLE) AS value, max(lbs) AS max_lbs
            FROM seizures WHERE {where_sql} AND {present} GROUP BY ALL
        ), ranked AS (
            SELECT *, row_number() OVER (ORDER BY value DESC, {labels}) AS rank FROM grouped
        ), pooled AS (
            SELECT CASE WHEN rank <= ? THEN rank ELSE 0 END AS bucket, {out_keys},
                   CAST(sum(events) AS BIGINT) AS events, sum(lbs) AS lbs,
                   CAST(sum(pills) AS BIGINT) AS pills, sum(value) AS value,
                   count(*) AS members, max(max_lbs) AS max_lbs
            FROM ranked GROUP BY 1
        ), medians AS (
            SELECT coalesce(t.rank, 0) AS bucket, median(e.lbs) AS median_lbs
            FROM (SELECT {columns}, lbs FROM seizures WHERE {where_sql} AND {present}) e
            LEFT JOIN (SELECT {joined}, rank FROM ranked WHERE rank <= ?) t ON {same_member}
            GROUP BY 1
        )
        SELECT {joined}, events, lbs, pills, value, members, median_lbs, max_lbs,
               coalesce(max_lbs > lbs / 2, false) AS dominated
        FROM pooled JOIN medians USING (bucket)
        ORDER BY bucket = 0, bucket
    """  # noqa: S608 -- keys, present and value are fixed fragments from this package


def ranked_params(where_params: list, n: int) -> list:
    """The parameters of ``ranked_sql`` in order: the filters, n for the pooled buckets, the
    filters again for the medians' pass, then n for the top members it joins to."""
    return [*where_params, n, *where_params, n]


def ranking_sql(filters: Filters, column: str, measure: str, n: int) -> tuple[str, list]:
    """``ranked_sql`` for one dimension column, the events without a value left out."""
    where = predicate(filters, SEIZURE_TARGET)
    keys = {"key": RankKey(column)}
    sql = ranked_sql(keys, f"{column} IS NOT NULL", where.sql, MEASURES[measure])
    return sql, ranked_params(where.params, n)


def record_page_sql(
    filters: Filters, order: str, start: int, end: int, grid: tuple[str, list]
) -> tuple[str, list]:
    """Rows ``start`` to ``end`` of the records the filters and the grid's condition ``grid``
    (SQL and parameters) keep, in ``order`` (ORDER BY text from ``queries.records.grid_order``)."""
    where = predicate(filters, SEIZURE_TARGET)
    sql = f"""
        SELECT {RECORD_SELECT_SQL} FROM seizures WHERE ({where.sql}) AND ({grid[0]})
        ORDER BY {order} LIMIT ? OFFSET ?
    """  # noqa: S608 -- identifiers from the record columns, fragments fixed; values are bound
    return sql, [*where.params, *grid[1], end - start, start]


def record_count_sql(filters: Filters, grid: tuple[str, list]) -> tuple[str, list]:
    """How many records the filters and the grid's condition keep, as ``total``."""
    where = predicate(filters, SEIZURE_TARGET)
    sql = f"SELECT count(*) AS total FROM seizures WHERE ({where.sql}) AND ({grid[0]})"  # noqa: S608 -- as above
    return sql, [*where.params, *grid[1]]
