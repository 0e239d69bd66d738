"""Named seizure queries behind the Overview (and, later, the explorer): small frames ready to plot.

Every function takes a ``Filters`` and returns a few rows to a few thousand, aggregated in DuckDB;
the KPIs and the monthly trend are questions of the seizure engine (``queries/engine/``), which
answers them from its arrays once built. SQL text is assembled only from the fixed predicate
fragments and whitelisted identifiers below; user values are always bound parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from queries import engine
from queries.engine.sql import OTHERS as OTHERS  # the pooled row's key, as the pages know it
from queries.filters import SEIZURE_TARGET, Filters, predicate, shift_year
from queries.gateway import Gateway, default_gateway

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


def kpis(filters: Filters, period: Period, gateway: Gateway | None = None) -> pl.DataFrame:
    """Events, lbs, fentanyl lbs and pills in ``period`` and in the same days a year earlier:
    one row, the prior year's columns suffixed ``_prior`` (``queries.engine.window_totals``)."""
    prior = period.prior_year()
    windows = (period.start, period.end), (prior.start, prior.end)
    return engine.answer(engine.window_totals(filters, *windows), _gw(gateway))


def monthly_trend(filters: Filters, gateway: Gateway | None = None) -> pl.DataFrame:
    """Per month: events, lbs, fentanyl lbs, pills, and how many events are modelled
    (``queries.engine.monthly_trend``)."""
    return engine.answer(engine.monthly_trend(filters), _gw(gateway))


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
