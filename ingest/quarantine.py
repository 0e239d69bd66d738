"""Rows that cannot enter the lake go to quarantine, each with the reason it was refused.

Nothing read is ever dropped silently: a batch ends as accepted rows in the lake plus quarantined
rows here, and the two counts add up to the rows read.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import polars as pl

import settings
from lake.writer import write_parquet_atomic


def quarantine_dir(data_dir: Path | None = None) -> Path:
    return (data_dir or settings.data_dir()) / "quarantine"


def quarantine_rows(
    source: str,
    batch_id: str,
    rows: pl.DataFrame,
    data_dir: Path | None = None,
) -> Path | None:
    """Store refused rows (all columns as text, plus ``reason``) under ``quarantine/<source>/``."""
    if rows.is_empty():
        return None
    if "reason" not in rows.columns:
        raise ValueError("quarantined rows must carry a reason")
    stamped = rows.with_columns(
        pl.all().exclude("reason").cast(pl.Utf8),
        pl.lit(batch_id).alias("batch_id"),
        pl.lit(datetime.now(UTC).replace(tzinfo=None)).alias("quarantined_at"),
    )
    path = quarantine_dir(data_dir) / source / f"{batch_id}.parquet"
    return write_parquet_atomic(stamped.to_arrow(), path)
