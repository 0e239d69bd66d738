"""Import CBP's public drug-seizure files (nationwide OFO + USBP, and Air and Marine Operations).

CBP republishes rolling multi-year files in which the year in progress is revised. Every file is
kept as its own *vintage*; the ``cbp_public`` view shows, for each fiscal year, the vintage whose
content reaches the latest month. The vintage id is derived from the file's content, so importing
the same data twice (even recompressed) writes the same file again and changes nothing.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl

from ingest.quarantine import quarantine_rows
from ingest.textfile import read_text_csv
from lake.fiscal import MONTH_NUMBER, month_start
from lake.layout import table_dir
from lake.reference import COMPONENT_BY_NAME
from lake.writer import commit, write_parquet_atomic

COMMON_COLUMNS = [
    "FY",
    "Month (abbv)",
    "Component",
    "Region",
    "Land Filter",
    "Drug Type",
    "Count of Event",
    "Sum Qty (lbs)",
]
AREA_COLUMNS = {"Area of Responsibility": "nationwide", "Branch": "amo"}
_FY = re.compile(r"^\s*(\d{4})\s*(\(FYTD\))?\s*$")


class CbpFormatError(ValueError):
    """The file is not a CBP drug-seizure file (wrong or missing columns)."""


@dataclass(frozen=True)
class CbpImport:
    source_file: str
    vintage: str
    publication: str
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    fiscal_years: tuple[int, ...]
    through: date


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _publication(columns: list[str]) -> tuple[str, str]:
    missing = [c for c in COMMON_COLUMNS if c not in columns]
    area_cols = [c for c in AREA_COLUMNS if c in columns]
    if missing or len(area_cols) != 1:
        raise CbpFormatError(
            "not a CBP drug-seizure file: expected columns "
            f"{COMMON_COLUMNS} plus one of {list(AREA_COLUMNS)}, got {columns}"
        )
    return area_cols[0], AREA_COLUMNS[area_cols[0]]


def parse_cbp(raw: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, str]:
    """Split a raw all-text CBP frame into (typed rows, refused rows with a reason, publication)."""
    area_col, publication = _publication(raw.columns)
    typed = raw.with_row_index("source_row", offset=2).select(
        "source_row",
        pl.col("FY").str.extract(_FY.pattern, 1).cast(pl.Int16, strict=False).alias("fiscal_year"),
        pl.col("FY").str.contains("FYTD").fill_null(False).alias("fy_partial"),
        pl.col("Month (abbv)")
        .str.strip_chars()
        .str.to_uppercase()
        .replace_strict(MONTH_NUMBER, default=None, return_dtype=pl.Int8)
        .alias("month"),
        pl.col("Component")
        .str.strip_chars()
        .replace_strict(COMPONENT_BY_NAME, default=None)
        .alias("component"),
        pl.col("Region").str.strip_chars().alias("region"),
        pl.col("Land Filter").str.strip_chars().alias("land_filter"),
        pl.col(area_col).str.strip_chars().alias("area"),
        pl.col("Drug Type").str.strip_chars().alias("drug_type"),
        pl.col("Count of Event").cast(pl.Int64, strict=False).alias("events"),
        pl.col("Sum Qty (lbs)").cast(pl.Float64, strict=False).alias("lbs"),
    )
    reason = (
        pl.when(pl.col("fiscal_year").is_null())
        .then(pl.lit("FY is not a year like 2024 or '2026 (FYTD)'"))
        .when(pl.col("month").is_null())
        .then(pl.lit("Month (abbv) is not a month abbreviation"))
        .when(pl.col("component").is_null())
        .then(pl.lit("Component is not a known CBP component"))
        .when(pl.col("area").is_null() | (pl.col("area") == ""))
        .then(pl.lit(f"{area_col} is empty"))
        .when(pl.col("drug_type").is_null() | (pl.col("drug_type") == ""))
        .then(pl.lit("Drug Type is empty"))
        .when(pl.col("events").is_null() | (pl.col("events") < 0))
        .then(pl.lit("Count of Event is not a non-negative whole number"))
        .when(pl.col("lbs").is_null() | pl.col("lbs").is_nan() | (pl.col("lbs") < 0))
        .then(pl.lit("Sum Qty (lbs) is not a non-negative number"))
    )
    checked = typed.with_columns(reason.alias("reason"))
    good = checked.filter(pl.col("reason").is_null()).drop("reason", "source_row")
    bad_idx = checked.filter(pl.col("reason").is_not_null()).select("source_row", "reason")
    refused = (
        raw.with_row_index("source_row", offset=2)
        .join(bad_idx, on="source_row")
        .with_columns(pl.col("source_row").cast(pl.Utf8))
    )
    return good, refused, publication


def _content_digest(good: pl.DataFrame) -> str:
    canonical = good.sort(good.columns).write_csv().encode()
    return hashlib.sha256(canonical).hexdigest()[:10]


def build_vintage(good: pl.DataFrame, publication: str, source_file: str) -> pl.DataFrame:
    """Add the vintage columns: what the file covers is read from its content, not its name."""
    with_dates = good.with_columns(
        pl.struct("fiscal_year", "month")
        .map_elements(lambda r: month_start(r["fiscal_year"], r["month"]), return_dtype=pl.Date)
        .alias("month_start"),
    )
    through = with_dates["month_start"].max()
    first_fy = int(with_dates["fiscal_year"].min())
    vintage = f"{publication}-fy{first_fy}-to-{through:%Y-%m}-{_content_digest(good)}"
    return with_dates.with_columns(
        pl.col("area").map_elements(slug, return_dtype=pl.Utf8).alias("area_id"),
        pl.lit(publication).alias("publication"),
        pl.lit(vintage).alias("vintage"),
        pl.lit(through).alias("vintage_through"),
        pl.lit(source_file).alias("source_file"),
        pl.lit(datetime.now(UTC).replace(tzinfo=None)).alias("imported_at"),
    )


def import_cbp_file(path: Path, data_dir: Path | None = None) -> CbpImport:
    raw = read_text_csv(path)
    good, refused, publication = parse_cbp(raw)
    if good.is_empty():
        raise CbpFormatError(f"{path.name}: no usable rows ({refused.height} refused)")
    frame = build_vintage(good, publication, path.name)
    vintage = frame["vintage"][0]
    target = table_dir("cbp_public", data_dir) / f"vintage={vintage}" / "data.parquet"
    write_parquet_atomic(frame.drop("vintage").sort("month_start").to_arrow(), target)
    commit("cbp_public", add=[target], data_dir=data_dir)
    quarantine_rows("cbp_public", vintage, refused, data_dir)
    return CbpImport(
        source_file=path.name,
        vintage=vintage,
        publication=publication,
        rows_read=raw.height,
        rows_loaded=frame.height,
        rows_quarantined=refused.height,
        fiscal_years=tuple(sorted(frame["fiscal_year"].unique().to_list())),
        through=frame["vintage_through"][0],
    )
