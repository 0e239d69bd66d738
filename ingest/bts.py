"""Import BTS Border Crossing Entry Data: inbound crossings per land port, month and measure.

The published file repeats a few (port, month, measure) keys; those are summed, as BTS's own
dashboards do, so each key appears once in the lake.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ingest.quarantine import quarantine_rows
from ingest.textfile import read_text_csv
from lake.layout import table_files
from lake.writer import commit, write_partitioned

REQUIRED = ["Port Name", "State", "Port Code", "Border", "Date", "Measure", "Value"]


class BtsFormatError(ValueError):
    """The file is not a BTS Border Crossing Entry Data file."""


@dataclass(frozen=True)
class BtsImport:
    source_file: str
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    duplicate_keys_summed: int
    first_month: str
    last_month: str


def parse_bts(raw: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    missing = [c for c in REQUIRED if c not in raw.columns]
    if missing:
        raise BtsFormatError(f"not a BTS border-crossing file: missing columns {missing}")
    typed = raw.with_row_index("source_row", offset=2).select(
        "source_row",
        pl.col("Port Code").str.strip_chars().str.zfill(4).alias("port_code"),
        pl.col("Port Name").str.strip_chars().alias("port_name"),
        pl.col("State").str.strip_chars().alias("state"),
        pl.col("Border").str.strip_chars().str.replace(" Border$", "").alias("border"),
        pl.col("Date").str.strip_chars().str.to_date("%b %Y", strict=False).alias("month_start"),
        pl.col("Measure").str.strip_chars().alias("measure"),
        pl.col("Value").cast(pl.Int64, strict=False).alias("value"),
    )
    reason = (
        pl.when(~pl.col("port_code").str.contains(r"^\d{4}$").fill_null(False))
        .then(pl.lit("Port Code is not a 4-digit code"))
        .when(pl.col("month_start").is_null())
        .then(pl.lit("Date is not a month like 'Jan 2024'"))
        .when(pl.col("measure").is_null() | (pl.col("measure") == ""))
        .then(pl.lit("Measure is empty"))
        .when(pl.col("value").is_null() | (pl.col("value") < 0))
        .then(pl.lit("Value is not a non-negative whole number"))
    )
    checked = typed.with_columns(reason.alias("reason"))
    good = checked.filter(pl.col("reason").is_null()).drop("reason", "source_row")
    bad = checked.filter(pl.col("reason").is_not_null()).select("source_row", "reason")
    refused = (
        raw.with_row_index("source_row", offset=2)
        .join(bad, on="source_row")
        .with_columns(pl.col("source_row").cast(pl.Utf8))
    )
    return good, refused


def import_bts_file(path: Path, data_dir: Path | None = None) -> BtsImport:
    raw = read_text_csv(path)
    good, refused = parse_bts(raw)
    keys = ["port_code", "month_start", "measure"]
    summed = (
        good.group_by(keys)
        .agg(
            pl.col("port_name").first(),
            pl.col("state").first(),
            pl.col("border").first(),
            pl.col("value").sum(),
            pl.len().alias("n"),
        )
        .with_columns(pl.col("month_start").dt.year().cast(pl.Int16).alias("year"))
    )
    duplicates = int((summed["n"] > 1).sum())
    summed = summed.drop("n").select(
        "port_code", "port_name", "state", "border", "month_start", "measure", "value", "year"
    )
    previous = table_files("border_crossings", data_dir)
    written = write_partitioned("border_crossings", summed, "bts", data_dir)
    # A new file supersedes the old one whole: drop partitions it no longer covers.
    commit(
        "border_crossings",
        add=written,
        remove=[p for p in previous if p not in written],
        data_dir=data_dir,
    )
    quarantine_rows("border_crossings", f"bts-{path.stem}", refused, data_dir)
    return BtsImport(
        source_file=path.name,
        rows_read=raw.height,
        rows_loaded=summed.height,
        rows_quarantined=refused.height,
        duplicate_keys_summed=duplicates,
        first_month=f"{summed['month_start'].min():%Y-%m}",
        last_month=f"{summed['month_start'].max():%Y-%m}",
    )
