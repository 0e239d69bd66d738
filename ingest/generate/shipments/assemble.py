"""Integer-coded columns to the contract's shipments frame: sort by arrival, then gather strings.

Sorting integers before any string exists, and turning codes into labels with one gather per
column, is what keeps five million rows within seconds and a few GB.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import polars as pl

from ingest.generate.shipments.arrivals import DAY_US, EPOCH
from ingest.generate.shipments.columns import Columns
from ingest.generate.shipments.context import Context
from ingest.generate.shipments.draws import bijection
from ingest.generate.shipments.hts import declared_texts
from ingest.generate.shipments.parties import name_index, name_table
from ingest.generate.shipments.vocabulary import MODES
from lake.contract import ENTRY_TYPES, OUTCOMES, conform


def _lookup(values: list[str | None], index: np.ndarray) -> pl.Series:
    """Gather labels by integer index; -1 gives null."""
    table = pl.Series(values + [None], dtype=pl.Utf8)
    return table.gather(np.where(index < 0, len(values), index))


def _padded(prefix: str, column: str, width: int) -> pl.Expr:
    return pl.concat_str([pl.lit(prefix), pl.col(column).cast(pl.Utf8).str.zfill(width)])


def assemble(
    cols: Columns, ctx: Context, seizure_ids: list[str], batch_id: str, ingested_at: datetime
) -> pl.DataFrame:
    """Sort by arrival (integers only), then turn codes into strings with gathers."""
    texts, hts = declared_texts()
    order = np.lexsort((np.arange(len(cols["t"])), cols["t"]))
    for key in list(cols):  # in place, so each unsorted array is freed as soon as it is copied
        cols[key] = cols[key][order]
    day = cols["t"] // DAY_US + EPOCH.astype(np.int64)
    month = day.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    fiscal = (1970 + month // 12 + (month % 12 >= 9)).astype(np.int16)
    first = np.searchsorted(fiscal, fiscal, side="left")
    sequence = np.arange(len(fiscal)) - first + 1
    upper_texts = list(texts) + [t.upper() for t in texts]
    text = cols["text"] + np.where(cols["upper"], len(texts), 0)
    frame = pl.DataFrame(
        {
            "arrived_at": pl.Series(cols["t"], dtype=pl.Int64).cast(pl.Datetime("us")),
            "port_code": _lookup(ctx.codes, cols["port"]),
            "area_id": _lookup(ctx.areas, cols["port"]),
            "mode": _lookup(list(MODES), cols["mode"]),
            "hts_code": _lookup(list(hts.code), cols["hts"]),
            "description": _lookup(upper_texts, text),
            "declared_value_usd": np.round(cols["value"], 2),
            "declared_weight_kg": np.round(cols["weight"], 3),
            "origin_country": _lookup(ctx.countries, cols["origin"]),
            "transit_country": _lookup(ctx.countries, cols["transit"]),
            "_shipper": cols["shipper"],
            "_consignee": (
                bijection(cols["consignee"], ctx.parcel_consignees + ctx.cargo_consignees, 2) + 1
            ),
            "consignee_name": _lookup(list(name_table()), name_index(cols, ctx)),
            "_address": cols["address"],
            "carrier": _lookup(ctx.carriers, cols["carrier"]),
            "entry_type": _lookup(list(ENTRY_TYPES), cols["entry"]),
            "master_carton": cols["master"],
            "preprinted_domestic_label": cols["preprinted"],
            "_dea": cols["dea"],
            "examined": cols["examined"],
            "outcome": _lookup(list(OUTCOMES), cols["outcome"]),
            "seizure_id": _lookup(seizure_ids, cols["seizure"]),
            "fiscal_year": fiscal,
            "_seq": sequence,
        }
    )
    frame = frame.with_columns(
        pl.concat_str(
            [
                pl.lit("MF"),
                pl.col("fiscal_year").cast(pl.Utf8),
                pl.col("_seq").cast(pl.Utf8).str.zfill(8),
            ]
        ).alias("shipment_id"),
        _padded("SH", "_shipper", 7).alias("shipper_id"),
        _padded("CE", "_consignee", 8).alias("consignee_id"),
        _padded("AD", "_address", 8).alias("consignee_address_id"),
        pl.when(pl.col("_dea") >= 0)
        .then(pl.concat_str([pl.lit("DEA452-"), pl.col("_dea").cast(pl.Utf8)]))
        .alias("dea_transaction_id"),
        pl.lit(batch_id).alias("batch_id"),
        pl.lit(ingested_at).cast(pl.Datetime("us")).alias("ingested_at"),
    )
    return conform("shipments", frame)
