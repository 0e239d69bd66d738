"""Named seizure queries behind the Overview (and, later, the explorer): small frames ready to plot.

Every function takes a ``Filters`` and returns a few rows to a few thousand, aggregated in DuckDB.
SQL text is assembled only from the fixed predicate fragments and whitelisted identifiers below;
user values are always bound parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from queries.filters import (
    SEIZURE_MONTHS_TARGET,
    SEIZURE_TARGET,
    Filters,
    predicate,
    shift_year,
    whole_months,
)
from queries.gateway import Gateway, default_gateway
from queries.seizure_arrays import SeizureArrays

OTHERS = "__others__"
MEASURES = {"events": "count(*)", "lbs": "sum(lbs)", "pills": "sum(pills)"}
GROUPS = {
    "area": "area_id",
    "port": "port_code",
    "mode": "mode",
    "commodity": "commodity",
    "category": "category",
    "source": "source_country",
    "transit": "transit_country",
    "component": "component",
}


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    def prior_year(self) -> Period:
        return Period(shift_year(self.start, -1), shift_year(self.end, -1))

    def label(self) -> str:
        return f"{self.start:%d %b %Y} – {self.end:%d %b %Y}"


def _gw(gateway: Gateway | None) -> Gateway:
    return gateway or default_gateway()


def as_of(gateway: Gateway | None = None) -> date | None:
    """The latest day with a seizure in the lake: the data's as-of date."""
    gw = _gw(gateway)
    if not gw.has("seizures"):
        return None
    return gw.memo("as_of", lambda: gw.scalar("SELECT max(event_date) FROM seizures"))


def matching_events(filters: Filters, gateway: Gateway | None = None) -> int:
    """How many seizure events the filters keep (a card with nothing to rank says why)."""
    where = predicate(filters, SEIZURE_TARGET)
    sql = f"SELECT count(*) FROM seizures WHERE {where.sql}"  # noqa: S608 -- values bound
    return int(_gw(gateway).scalar(sql, where.params) or 0)


def current_period(filters: Filters, data_as_of: date) -> Period:
    """The period the KPI cards compare: the filtered window, or fiscal-year-to-date."""
    lo, hi = filters.period()
    hi = min(hi, data_as_of) if hi else data_as_of
    if lo is None:
        lo = date(hi.year if hi.month >= 10 else hi.year - 1, 10, 1)
    return Period(lo, max(lo, hi))


KPI_MEASURES = ("events", "lbs", "fentanyl_lbs", "pills")
KPI_GROUP_SCHEMA = {
    "now": pl.Boolean,
    "before": pl.Boolean,
    "events": pl.Int64,
    "lbs": pl.Float64,
    "fentanyl_lbs": pl.Float64,
    "pills": pl.Int64,
}


def kpis(filters: Filters, period: Period, gateway: Gateway | None = None) -> pl.DataFrame:
    """Events, lbs, fentanyl lbs and pills in ``period`` and in the same days a year earlier:
    one row, the prior year's columns suffixed ``_prior``.

    One pass groups the events by which of the two periods they fall in; an event can be in
    both, when a window longer than a year overlaps its own prior year, and then counts in
    both (FILTER clauses per measure and period cost three times as much over a million
    events; a scan per period cost more too)."""
    gw = _gw(gateway)
    where = predicate(filters, SEIZURE_TARGET, use_dates=False)
    prior = period.prior_year()
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
    bounds = [period.start, period.end, prior.start, prior.end]

    def from_arrays(arrays: SeizureArrays) -> pl.DataFrame:
        # the same one-row-per-period-flag shape the SQL returns, so both read alike below
        rows = [
            {"now": True, "before": False, **arrays.window_sums(filters, period.start, period.end)},
            {"now": False, "before": True, **arrays.window_sums(filters, prior.start, prior.end)},
        ]
        return pl.DataFrame(rows, schema=KPI_GROUP_SCHEMA)

    groups = gw.frame(sql, bounds + where.params + bounds, arrays=from_arrays)
    # three rows at most, read as dicts (a polars filter per period cost more than the loop)
    row: dict[str, float] = {f"{n}{s}": 0 for s in ("", "_prior") for n in KPI_MEASURES}
    for found in groups.iter_rows(named=True):
        for suffix, flag in (("", "now"), ("_prior", "before")):
            if found[flag]:
                for name in KPI_MEASURES:
                    row[name + suffix] += found[name]
    schema = {f"{n}{s}": pl.Float64 if "lbs" in n else pl.Int64
              for s in ("", "_prior") for n in KPI_MEASURES}  # fmt: skip
    return pl.DataFrame([row], schema=schema)


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


def monthly_trend(filters: Filters, gateway: Gateway | None = None) -> pl.DataFrame:
    """``monthly_trend_sql``'s answer, from the seizure arrays when they can give it."""
    return _gw(gateway).frame(*monthly_trend_sql(filters), arrays=lambda a: a.monthly(filters))


def commodity_mix(filters: Filters, gateway: Gateway | None = None) -> pl.DataFrame:
    """Events and quantities by category and commodity (pieces counted for equipment)."""
    gw = _gw(gateway)
    where = predicate(filters, SEIZURE_TARGET)
    sql = f"""
        SELECT category, commodity, count(*) AS events,
               coalesce(sum(lbs), 0) AS lbs, coalesce(sum(pills), 0)::BIGINT AS pills,
               coalesce(sum(quantity) FILTER (WHERE unit = 'pieces'), 0)::BIGINT AS pieces
        FROM seizures WHERE {where.sql}
        GROUP BY ALL ORDER BY category, events DESC
    """  # noqa: S608 -- fragments are fixed; values are bound
    return gw.frame(sql, where.params)


def provenance_summary(filters: Filters, gateway: Gateway | None = None) -> pl.DataFrame:
    """How many of the filtered events are rebuilt from CBP cells, continued, or modelled."""
    gw = _gw(gateway)
    where = predicate(filters, SEIZURE_TARGET)
    sql = f"""
        SELECT provenance, count(*) AS events FROM seizures WHERE {where.sql}
        GROUP BY 1 ORDER BY 1
    """  # noqa: S608 -- fragments are fixed; values are bound
    return gw.frame(sql, where.params)
