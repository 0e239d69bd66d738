"""CBP's published figures in the (internal) lake: how far they reach, and their headline
figures. The public app never reads this: it reads the published extract."""

from __future__ import annotations

from datetime import date

import polars as pl

from queries.gateway import Gateway, default_gateway


def published_through(gateway: Gateway | None = None) -> date | None:
    """The last month CBP's newest nationwide vintage covers; later months are modelled."""
    gw = gateway or default_gateway()
    if not gw.has("cbp_public"):
        return None
    return gw.scalar("SELECT max(vintage_through) FROM cbp_public WHERE publication = 'nationwide'")


def headline_by_year(drug_type: str, gateway: Gateway | None = None) -> pl.DataFrame:
    """OFO + USBP pounds and events of one drug type per fiscal year (CBP's headline figure;
    Air and Marine Operations is a separate publication and is left out)."""
    gw = gateway or default_gateway()
    return gw.frame(
        """
        SELECT fiscal_year, bool_or(fy_partial) AS partial,
               sum(events)::BIGINT AS events, sum(lbs) AS lbs
        FROM cbp_public
        WHERE publication = 'nationwide' AND component IN ('OFO', 'USBP') AND drug_type = ?
        GROUP BY 1 ORDER BY 1
        """,
        [drug_type],
    )
