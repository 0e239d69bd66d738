"""Named seizure queries behind the Overview (and, later, the explorer): small frames ready to plot.

Every function takes a ``Filters`` and returns a few rows to a few thousand, aggregated in DuckDB.
SQL text is assembled only from the fixed predicate fragments and whitelisted identifiers below;
user values are always bound parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from queries.filters import SEIZURE_TARGET, Filters, predicate, shift_year
from queries.gateway import Gateway, default_gateway

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


def current_period(filters: Filters, data_as_of: date) -> Period:
    """The period the KPI cards compare: the filtered window, or fiscal-year-to-date."""
    lo, hi = filters.period()
    hi = min(hi, data_as_of) if hi else data_as_of
    if lo is None:
        lo = date(hi.year if hi.month >= 10 else hi.year - 1, 10, 1)
    return Period(lo, max(lo, hi))


KPI_MEASURES = ("events", "lbs", "fentanyl_lbs", "pills")


def kpis(filters: Filters, period: Period, gateway: Gateway | None = None) -> pl.DataFrame:
    """Events, lbs, fentanyl lbs and pills in ``period`` and in the same days a year earlier:
    one row, the prior year's columns suffixed ``_prior``.

    The two periods are two groups of one pass (FILTER clauses per measure and period cost
    three times as much over a million events)."""
    gw = _gw(gateway)
    where = predicate(filters, SEIZURE_TARGET, use_dates=False)
    prior = period.prior_year()
    sql = f"""
        SELECT event_date BETWEEN ? AND ? AS now,
               count(*) AS events, coalesce(sum(lbs), 0) AS lbs,
               coalesce(sum(fentanyl_lbs), 0) AS fentanyl_lbs,
               coalesce(sum(pills), 0)::BIGINT AS pills
        FROM seizures_periods
        WHERE {where.sql}
          AND (event_date BETWEEN ? AND ? OR event_date BETWEEN ? AND ?)
        GROUP BY 1
    """  # noqa: S608 -- fragments are fixed; values are bound
    bounds = [period.start, period.end]
    groups = gw.frame(sql, bounds + where.params + bounds + [prior.start, prior.end])
    # two rows at most: read them as dicts (a polars filter per period cost 0.3 ms each)
    by_period = {found["now"]: found for found in groups.iter_rows(named=True)}
    row: dict[str, object] = {}
    for suffix, now in (("", True), ("_prior", False)):
        found = by_period.get(now)
        for name in KPI_MEASURES:
            row[name + suffix] = found[name] if found else 0
    schema = {f"{n}{s}": pl.Float64 if "lbs" in n else pl.Int64
              for s in ("", "_prior") for n in KPI_MEASURES}  # fmt: skip
    return pl.DataFrame([row], schema=schema)


def monthly_trend_sql(filters: Filters) -> tuple[str, list]:
    """Per month: events, lbs, fentanyl lbs, pills, and how many events are modelled (from the
    per-event measures precomputed in ``seizures_periods``, ``queries/hot.py``)."""
    where = predicate(filters, SEIZURE_TARGET)
    sql = f"""
        SELECT month_start AS month,
               count(*) AS events,
               coalesce(sum(lbs), 0) AS lbs,
               coalesce(sum(fentanyl_lbs), 0) AS fentanyl_lbs,
               coalesce(sum(pills), 0)::BIGINT AS pills,
               coalesce(sum(modelled_event), 0)::BIGINT AS modelled_events
        FROM seizures_periods
        WHERE {where.sql}
        GROUP BY 1 ORDER BY 1
    """  # noqa: S608 -- fragments are fixed; values are bound
    return sql, where.params


def monthly_trend(filters: Filters, gateway: Gateway | None = None) -> pl.DataFrame:
    return _gw(gateway).frame(*monthly_trend_sql(filters))


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
