"""What the public extract is built from (``ingest/publish.py``): CBP's nationwide cells and
vintages, and the lake's seizure events per fiscal year, commodity and mode.

These rows are the internal lake's: ``ingest/publish.py`` sums, checks and protects them before
anything reaches ``<data>/public/``. The nationwide publication and its two components (OFO, USBP)
are CBP's headline figure; Air and Marine Operations is a separate publication.
"""

from __future__ import annotations

import polars as pl

from queries.gateway import Gateway

PUBLICATION = "nationwide"


def cbp_leaf_cells(gateway: Gateway) -> pl.DataFrame:
    """Events and pounds per fiscal year, month, field office or sector and drug type (CBP's
    Land Only / Other split is summed away), with whether the fiscal year is partial."""
    return gateway.frame(
        """
        SELECT fiscal_year::INTEGER AS fiscal_year, month_start, area_id, drug_type,
               bool_or(fy_partial) AS fy_partial,
               sum(events)::BIGINT AS events, sum(lbs::DECIMAL(18, 4))::DOUBLE AS lbs
        FROM cbp_public
        WHERE publication = ? AND component IN ('OFO', 'USBP')
        GROUP BY ALL
        """,
        [PUBLICATION],
    )


def cbp_vintages(gateway: Gateway) -> pl.DataFrame:
    """The vintage (file and last month covered) each fiscal year of the publication comes
    from, by fiscal year."""
    return gateway.frame(
        """
        SELECT DISTINCT fiscal_year::INTEGER AS fiscal_year, vintage, source_file,
               vintage_through
        FROM cbp_public WHERE publication = ? ORDER BY fiscal_year
        """,
        [PUBLICATION],
    )


def modes_leaves(gateway: Gateway) -> pl.DataFrame:
    """Seizure events, pounds, the largest event's pounds and the latest event date per fiscal
    year x commodity x mode, the commodity being ``Fentanyl``, ``Other drugs`` or the
    category of a seizure that is not a drug (``precursor``, ``equipment``, ``other``). Pounds
    are summed as decimals: the sum does not depend on the order DuckDB's threads add rows in,
    so the same lake gives the same extract (its version is a digest of the content)."""
    return gateway.frame(
        """
        SELECT fiscal_year::INTEGER AS fiscal_year,
               CASE WHEN category <> 'drug' THEN category
                    WHEN cbp_drug_type = 'Fentanyl' THEN 'Fentanyl'
                    ELSE 'Other drugs' END AS commodity,
               mode, count(*)::BIGINT AS events,
               coalesce(sum(round(lbs, 4)::DECIMAL(18, 4)), 0)::DOUBLE AS lbs,
               max(lbs) AS largest_lbs, max(event_date) AS through
        FROM seizures GROUP BY ALL
        """
    )
