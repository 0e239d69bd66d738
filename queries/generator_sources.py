"""What the demo generator (``ingest/generate/``) is built from: CBP's published monthly cells,
which the seizure events are rebuilt to, and the real traffic of the land ports, which weights
the port an event is placed at."""

from __future__ import annotations

from datetime import date

import polars as pl

from queries.gateway import Gateway


def cbp_monthly_cells(gateway: Gateway) -> pl.DataFrame:
    """CBP's nationwide cells with at least one event (the newest vintage of each fiscal year,
    as the ``cbp_public`` view keeps it), in a fixed order so the same seed gives the same
    lake."""
    return gateway.frame(
        """
        SELECT fiscal_year, month_start, component, region, land_filter, area_id, drug_type,
               sum(events)::BIGINT AS events, sum(lbs) AS lbs
        FROM cbp_public
        WHERE publication = 'nationwide' AND events > 0
        GROUP BY ALL
        ORDER BY month_start, component, region, land_filter, area_id, drug_type
        """
    )


def port_crossings(
    gateway: Gateway, measures: tuple[str, ...], start: date, end: date
) -> pl.DataFrame:
    """Inbound BTS crossings per (``port_code``, ``measure``) over the months [start, end), for
    the ``measures`` asked for, ordered by port and measure."""
    return gateway.frame(
        """
        SELECT port_code, measure, sum(value)::DOUBLE AS crossings
        FROM border_crossings
        WHERE month_start >= ? AND month_start < ? AND list_contains(?, measure)
        GROUP BY ALL ORDER BY port_code, measure
        """,
        [start, end, list(measures)],
    )
