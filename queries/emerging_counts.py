"""The counts behind the emerging-threat signals (``targeting/emerging.py`` tests them): events
per key and day, under the page's filters.

The windows are the signal's own, so the filters' dates are not applied (``use_dates=False``);
the rest of the filters are bound parameters. Answers go through the result cache: the page asks
for the same counts with each view, and they change only with the tables they read.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from queries.filters import SEIZURE_TARGET, SHIPMENT_TARGET, Filters, predicate
from queries.gateway import Gateway

ROUTE = "concat_ws(' > ', origin_country, coalesce(transit_country, 'direct'), port_code, mode)"
SEIZURE_ROUTE = (
    "concat_ws(' > ', commodity, coalesce(source_country, '?'), coalesce(transit_country, "
    "'direct'), coalesce(port_code, 'between ports'), mode)"
)
SEIZURE_KEYS = {"commodity": "commodity", "commodity_route": SEIZURE_ROUTE}
SHIPMENT_KEYS = {"route": ROUTE}


def _fiscal_years(start: date, end: date) -> list[int]:
    """Fiscal years that can hold [start, end): a partition filter that lets DuckDB skip files."""
    return list(range(start.year, end.year + 2))


def shipments_per_day(
    gateway: Gateway, kind: str, start: date, end: date, filters: Filters
) -> pl.DataFrame:
    """Shipments per (``key``, ``day``) arriving in [start, end), the key being ``kind``
    (``SHIPMENT_KEYS``)."""
    key = SHIPMENT_KEYS[kind]
    where = predicate(filters, SHIPMENT_TARGET, use_dates=False)
    sql = f"""
        SELECT {key} AS key, CAST(arrived_at AS DATE) AS day, count(*) AS n FROM shipments
        WHERE list_contains(?, fiscal_year) AND arrived_at >= ? AND arrived_at < ?
          AND {where.sql}
        GROUP BY ALL
    """  # noqa: S608 -- key from SHIPMENT_KEYS, filters bound
    # every (key, day): the counts feed the test, and routes times days outgrow the row cap
    return gateway.frame(sql, [_fiscal_years(start, end), start, end, *where.params], cap=None)


def seizures_per_day(
    gateway: Gateway, kind: str, start: date, end: date, filters: Filters
) -> pl.DataFrame:
    """Seizure events per (``key``, ``day``) in [start, end), the key being ``kind``
    (``SEIZURE_KEYS``)."""
    key = SEIZURE_KEYS[kind]
    where = predicate(filters, SEIZURE_TARGET, use_dates=False)
    sql = f"""
        SELECT {key} AS key, event_date AS day, count(*) AS n FROM seizures
        WHERE event_date >= ? AND event_date < ? AND {where.sql} GROUP BY ALL
    """  # noqa: S608 -- key from SEIZURE_KEYS, filters bound
    return gateway.frame(sql, [start, end, *where.params], cap=None)


def flagged_per_day(
    gateway: Gateway, start: date, end: date, flag_share: float, filters: Filters
) -> pl.DataFrame:
    """Flagged shipments per (``hts``, ``route``, ``day``) arriving in [start, end): both
    flagged signals from one pass over shipments and their current scores, the costliest read
    of the page. A shipment is flagged when its current score is in the top ``flag_share`` of
    all traffic of the window, whatever the filters: a filter narrows what is counted, not what
    counts as flagged."""
    years = _fiscal_years(start, end)
    where = predicate(filters, SHIPMENT_TARGET, use_dates=False)
    return gateway.frame(
        f"""
        WITH current AS (
            SELECT shipment_id, arg_max(score, scored_at) AS score FROM scores
            WHERE list_contains(?, fiscal_year) GROUP BY shipment_id
        ),
        windowed AS (
            SELECT hts_code AS hts, {ROUTE} AS route, CAST(arrived_at AS DATE) AS day, c.score,
                   {where.sql} AS chosen
            FROM shipments s JOIN current c USING (shipment_id)
            WHERE list_contains(?, s.fiscal_year) AND arrived_at >= ? AND arrived_at < ?
        ),
        cut AS (SELECT quantile_cont(score, ?) AS threshold FROM windowed)
        SELECT hts, route, day, count(*) AS n FROM windowed, cut
        WHERE score >= threshold AND chosen GROUP BY ALL
        """,  # noqa: S608 -- ROUTE is a fixed fragment, filters bound
        [years, *where.params, years, start, end, 1.0 - flag_share],
        cap=None,  # every (line, route, day), as above
    )
