"""Seizures per traffic at land ports: events and pounds per 100,000 inbound BTS crossings.

A raw count favours the busiest crossings; dividing by traffic shows where a vehicle, truck or
pedestrian is most likely to be caught carrying something. Land modes map to BTS measures through
``modes.bts_measure``. BTS data stops months before the seizures do (the vendored file ends in
February 2025), so a month without a BTS row is flagged ``traffic_missing`` and gets no rate; it
is never counted as zero traffic. Rates use only months that have traffic on both sides of the
division. Traffic is whole months, so a window that starts or ends mid-month slightly understates
the edge months' rates.
"""

from __future__ import annotations

import polars as pl

from queries.filters import SEIZURE_TARGET, Filters, FilterTarget, predicate
from queries.gateway import Gateway, default_gateway
from queries.trends import GRAIN_SQL

RATE_GRAINS = ("month", "fy")
PER = 100_000
MODE_TARGET = FilterTarget(date_column=None, columns={"mode": "mode"})

_HEAD = """
    WITH args AS (SELECT CAST(? AS DATE) AS lo, CAST(? AS DATE) AS hi),
    bounds AS (
        SELECT CAST(date_trunc('month', coalesce(any_value(lo), min(event_date))) AS DATE)
                   AS first_month,
               coalesce(any_value(hi), max(event_date)) AS last_day
        FROM seizures, args
    ),
    land AS (
        SELECT mode, bts_measure AS measure FROM modes
        WHERE coalesce(bts_measure, '') <> '' AND {mode_sql}
    ),
    seized AS (
        SELECT month_start, port_code,
               land.measure, count(*) AS events, coalesce(sum(lbs), 0) AS lbs
        FROM seizures_periods JOIN land USING (mode)
        WHERE {where_sql} AND port_code IS NOT NULL
        GROUP BY ALL
    ),
"""
_CROSSINGS = """
        SELECT month_start, port_code, measure, CAST(sum(value) AS BIGINT) AS crossings
        FROM border_crossings JOIN {keys} USING ({using}), bounds
        WHERE month_start BETWEEN first_month AND last_day {extra}
        GROUP BY ALL
"""
_NO_CROSSINGS = """
        SELECT CAST(NULL AS DATE) AS month_start, CAST(NULL AS VARCHAR) AS port_code,
               CAST(NULL AS VARCHAR) AS measure, CAST(NULL AS BIGINT) AS crossings
        WHERE false
"""


def _params(filters: Filters, mode_params: list, where_params: list) -> list:
    lo, hi = filters.period()
    return [lo, hi, *mode_params, *where_params]


def rates(
    filters: Filters,
    grain: str = "month",
    gateway: Gateway | None = None,
) -> pl.DataFrame:
    """Per (period, port_code, measure) of the land (port, measure) pairs with a filtered
    seizure: events, lbs, crossings, events_per_100k, lbs_per_100k, traffic_missing,
    months_missing (months with seizures but no BTS row) and traffic_through (last month with a
    BTS row). Months with traffic and no seizure are included: their rate is a real zero.

    At ``fy`` grain a year is ``traffic_missing`` when any of its seizure months lacks traffic;
    its rate then covers only the months that have it.
    """
    if grain not in RATE_GRAINS:
        raise ValueError(f"unknown grain {grain!r}")
    gw = gateway or default_gateway()
    where = predicate(filters, SEIZURE_TARGET)
    spec = GRAIN_SQL[grain]
    crossings = (
        _CROSSINGS.format(keys="combos", using="port_code, measure", extra="")
        if gw.has("border_crossings")
        else _NO_CROSSINGS
    )
    head = _HEAD.format(mode_sql="TRUE", where_sql=where.sql)
    sql = f"""{head}
        combos AS (SELECT DISTINCT port_code, measure FROM seized),
        traffic AS ({crossings}),
        monthly AS (
            SELECT month_start, port_code, measure, coalesce(s.events, 0) AS events,
                   coalesce(s.lbs, 0) AS lbs, t.crossings
            FROM seized s FULL JOIN traffic t USING (month_start, port_code, measure)
        ), periods AS (
            SELECT {spec.trunc.format(d="month_start")} AS period, port_code, measure,
                   CAST(sum(events) AS BIGINT) AS events, sum(lbs) AS lbs,
                   CAST(sum(crossings) AS BIGINT) AS crossings,
                   sum(events) FILTER (WHERE crossings IS NOT NULL) AS events_covered,
                   sum(lbs) FILTER (WHERE crossings IS NOT NULL) AS lbs_covered,
                   count(*) FILTER (WHERE crossings IS NULL) AS months_missing,
                   max(month_start) FILTER (WHERE crossings IS NOT NULL) AS traffic_through
            FROM monthly GROUP BY ALL
        )
        SELECT period, {spec.label.format(p="period")} AS label, port_code, measure,
               events, lbs, crossings,
               events_covered * {PER} / nullif(crossings, 0) AS events_per_100k,
               lbs_covered * {PER} / nullif(crossings, 0) AS lbs_per_100k,
               months_missing > 0 AS traffic_missing,
               CAST(months_missing AS BIGINT) AS months_missing, traffic_through
        FROM periods ORDER BY period, port_code, measure
    """  # noqa: S608 -- fragments are fixed text from this module; values are bound
    return gw.frame(sql, _params(filters, [], where.params))


def port_totals(filters: Filters, gateway: Gateway | None = None) -> pl.DataFrame:
    """Land ports with a filtered seizure, ranked by events per 100,000 crossings.

    The denominator is all inbound traffic of the port in the window for the measures the mode
    filter allows (every land measure when it is unset), not only the measures that saw a
    seizure. The numerator counts seizures in months whose measure has a BTS row. Columns:
    port_code, events, lbs, events_with_traffic, lbs_with_traffic, crossings, events_per_100k,
    lbs_per_100k, months_with_traffic, months_missing_traffic, rank.
    """
    gw = gateway or default_gateway()
    where = predicate(filters, SEIZURE_TARGET)
    modes = predicate(filters, MODE_TARGET)
    crossings = (
        _CROSSINGS.format(
            keys="ports_seen",
            using="port_code",
            extra="AND list_contains((SELECT list(measure) FROM land), measure)",
        )
        if gw.has("border_crossings")
        else _NO_CROSSINGS
    )
    head = _HEAD.format(mode_sql=modes.sql, where_sql=where.sql)
    sql = f"""{head}
        ports_seen AS (SELECT DISTINCT port_code FROM seized),
        traffic AS ({crossings}),
        by_events AS (
            SELECT port_code, CAST(sum(events) AS BIGINT) AS events, sum(lbs) AS lbs,
                   CAST(coalesce(sum(events) FILTER (WHERE t.crossings IS NOT NULL), 0)
                        AS BIGINT) AS events_with_traffic,
                   coalesce(sum(lbs) FILTER (WHERE t.crossings IS NOT NULL), 0)
                       AS lbs_with_traffic,
                   count(DISTINCT month_start) FILTER (WHERE t.crossings IS NULL)
                       AS months_missing_traffic
            FROM seized s LEFT JOIN traffic t USING (month_start, port_code, measure)
            GROUP BY 1
        ), by_traffic AS (
            SELECT port_code, CAST(sum(crossings) AS BIGINT) AS crossings,
                   count(DISTINCT month_start) AS months_with_traffic
            FROM traffic GROUP BY 1
        ), joined AS (
            SELECT port_code, events, lbs, events_with_traffic, lbs_with_traffic, crossings,
                   events_with_traffic * {PER} / nullif(crossings, 0) AS events_per_100k,
                   lbs_with_traffic * {PER} / nullif(crossings, 0) AS lbs_per_100k,
                   CAST(coalesce(months_with_traffic, 0) AS BIGINT) AS months_with_traffic,
                   CAST(months_missing_traffic AS BIGINT) AS months_missing_traffic
            FROM by_events LEFT JOIN by_traffic USING (port_code)
        )
        SELECT *, row_number() OVER (
                   ORDER BY events_per_100k DESC NULLS LAST, events DESC, port_code) AS rank
        FROM joined ORDER BY rank
    """  # noqa: S608 -- fragments are fixed text from this module; values are bound
    return gw.frame(sql, _params(filters, modes.params, where.params))


def missing_traffic_note(frame: pl.DataFrame) -> str | None:
    """Say what the rate chart cannot show, e.g. "No BTS traffic data after Feb 2025: 21 months
    shown without a rate." None when every row has traffic."""
    if frame.is_empty() or not frame["traffic_missing"].any():
        return None
    fiscal = str(frame["label"][0]).startswith("FY")
    unit = "fiscal year" if fiscal else "month"
    through = frame["traffic_through"].max()
    missing = frame.filter(pl.col("traffic_missing"))
    no_rate = missing.filter(pl.col("crossings").is_null())
    if through is None:
        periods = no_rate["period"].n_unique()
        return f"No BTS traffic data for these {unit}s: {periods} {unit}s shown without a rate."

    def plural(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"

    # The period in which BTS data ends is only partly covered (fiscal years; a month either
    # has a BTS row or not). Gaps before it are ports that BTS does not report for that mode.
    ending = frame.filter(pl.col("period") <= through)["period"].max()
    after = no_rate.filter(pl.col("period") > through)
    partly = missing.filter((pl.col("period") == ending) & pl.col("crossings").is_not_null())
    earlier = missing.filter(pl.col("period") <= through).filter(
        (pl.col("period") < ending) | pl.col("crossings").is_null()
    )
    text = f"No BTS traffic data after {through:%b %Y}"
    if after.is_empty():
        text += "."
    else:
        text += f": {plural(after['period'].n_unique(), unit)} shown without a rate."
    if not partly.is_empty():
        text += f" {partly['label'][0]} rates cover only its months with traffic."
    if not earlier.is_empty():
        verb = "lacks" if earlier.height == 1 else "lack"
        text += f" {plural(earlier.height, 'earlier port-' + unit)} {verb} a BTS row for the mode."
    return text
