"""What an incoming batch file may carry, and turning its values into the contract's types.

An incoming file holds the contract's columns of one table minus those the ingest fills itself
(``batch_id``, ``ingested_at``, seizures' ``provenance``; the partition column is derived from the
date). Values arrive as text (CSV, and JSON strings) or typed (parquet, JSON numbers); either way
each column is parsed with one vectorised expression, and a value that was present but does not
parse is remembered so the row can be refused with the column's name, never silently nulled.
"""

from __future__ import annotations

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from lake.contract import CONTRACT, SCHEMAS, Column

LIVE_TABLES = ("seizures", "shipments", "referral_events")
ID_COLUMN = {"seizures": "seizure_id", "shipments": "shipment_id", "referral_events": "event_id"}
EVENT_COLUMN = {
    "seizures": "event_date",
    "shipments": "arrived_at",
    "referral_events": "occurred_on",
}
FILLED_BY_INGEST = {"batch_id", "ingested_at", "provenance"}

_BOOLEAN = {
    **{v: True for w in ("true", "t", "yes", "y", "1") for v in (w, w.upper(), w.title())},
    **{v: False for w in ("false", "f", "no", "n", "0") for v in (w, w.upper(), w.title())},
}
# Two-digit months and days, as the contract says: "2025-1-2" is refused, not guessed at.
ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
ISO_MOMENT = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}"
_DATETIME_FORMATS = ("%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M")
WHAT = {  # the reason a value of each contract type that does not parse is refused with
    pl.Float64: "not a number",
    pl.Int64: "not a whole number",
    pl.Boolean: "not true/false",
    pl.Date: "not a date (YYYY-MM-DD)",
    pl.Datetime: "not a timestamp (ISO 8601)",
    pl.String: "not text",
}


def incoming_columns(table: str) -> tuple[Column, ...]:
    """The contract columns a file of ``table`` may carry."""
    return tuple(c for c in CONTRACT[table] if c.name not in FILLED_BY_INGEST)


def required_columns(table: str) -> tuple[str, ...]:
    """Columns a file must have (the contract's non-nullable ones it is responsible for)."""
    return tuple(c.name for c in incoming_columns(table) if not c.nullable)


def target_types(table: str) -> dict[str, pl.DataType]:
    schema = pl.from_arrow(SCHEMAS[table].empty_table()).schema
    return {c.name: schema[c.name] for c in incoming_columns(table)}


def _parse_text(text: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """Parse stripped, non-empty text (nulls elsewhere) into ``dtype``; unparsable -> null."""
    if dtype == pl.String:
        return text
    if dtype == pl.Float64:
        return text.cast(pl.Float64, strict=False)
    if dtype == pl.Int64:
        number = text.cast(pl.Float64, strict=False)
        whole = number.is_finite() & (number == number.floor()) & (number.abs() < 2**62)
        return pl.when(whole).then(number).cast(pl.Int64)
    if dtype == pl.Boolean:
        return text.replace_strict(_BOOLEAN, default=None, return_dtype=pl.Boolean)
    if dtype == pl.Date:
        return pl.when(text.str.contains(ISO_DATE)).then(text.str.to_date("%Y-%m-%d", strict=False))
    raise TypeError(f"no text parser for {dtype}")


def _parse_timestamps(text: pl.Series) -> pl.Series:
    """ISO 8601 with ``T`` or a space, optional fraction, optional ``Z``/offset (made UTC).

    Arrow's ISO parser takes a whole clean column in one go; if any value is not plain ISO
    (an offset, a typo), polars parses the column format by format, rows it missed only.
    """
    try:
        return pl.from_arrow(pc.cast(text.to_arrow(), pa.timestamp("us"))).alias(text.name)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    text = text.set(text.is_not_null() & ~text.str.contains(ISO_MOMENT), None)
    spaced = text.str.replace("T", " ", literal=True)
    out = spaced.str.to_datetime(_DATETIME_FORMATS[0], strict=False, time_unit="us", cache=False)
    missed = out.is_null() & spaced.is_not_null()
    if not missed.any():
        return out
    rest = spaced.filter(missed)
    zoned = (
        rest.str.to_datetime("%Y-%m-%d %H:%M:%S%.f%#z", strict=False, time_unit="us")
        .dt.convert_time_zone("UTC")
        .dt.replace_time_zone(None)
    )
    minutes = rest.str.to_datetime(_DATETIME_FORMATS[1], strict=False, time_unit="us")
    filled = pl.select(pl.coalesce(pl.lit(zoned), pl.lit(minutes))).to_series()
    return out.scatter(missed.arg_true(), filled)


def _nulls(like: pl.Series, dtype: pl.DataType) -> pl.Series:
    return pl.repeat(None, like.len(), dtype=dtype, eager=True).alias(like.name)


def _parse_typed(raw: pl.Series, dtype: pl.DataType) -> pl.Series:
    source = raw.dtype
    if isinstance(dtype, pl.Datetime):
        if isinstance(source, pl.Datetime):
            if source.time_zone:
                raw = raw.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
            return raw.cast(pl.Datetime("us"))
        if source == pl.Date:
            return raw.cast(pl.Datetime("us"))
        return _nulls(raw, pl.Datetime("us"))
    if dtype == pl.Date:
        if isinstance(source, pl.Datetime):
            return raw.dt.date()
        return raw if source == pl.Date else _nulls(raw, pl.Date)
    if (
        source.is_nested()
        or source in (pl.Null, pl.Object, pl.Binary)
        or (dtype == pl.String and isinstance(source, pl.Datetime | pl.Date))
        or (source == pl.Boolean) != (dtype == pl.Boolean)  # true is no number, 1 is no boolean
        or source.is_temporal()  # a date or time is no number, text or boolean
    ):
        return _nulls(raw, dtype)
    if dtype == pl.Int64 and source.is_float():
        whole = raw.is_finite() & (raw == raw.floor()) & (raw.abs() < 2**62)
        return raw.zip_with(whole.fill_null(False), pl.Series([None], dtype=raw.dtype)).cast(
            pl.Int64
        )
    return raw.cast(dtype, strict=False)


def parse_columns(frame: pl.DataFrame, table: str) -> pl.DataFrame:
    """The incoming columns in contract types, plus ``_parse_reason`` (first unparsable column).

    Columns the file lacks come back as nulls; whether that is allowed is the rules' business.
    Three passes, each one ``select`` that polars spreads over the columns: trim the text, parse
    it, then find which columns hold a value that did not parse. The per-row reason is only
    built for those columns, so a clean batch never pays for it. Timestamps and typed (parquet,
    JSON) columns are converted as whole Series, where faster paths exist.
    """
    targets = target_types(table)
    present = [c for c in targets if c in frame.columns]
    text_cols = [c for c in present if frame.schema[c] == pl.String]
    trimmed = frame.select(
        [pl.col(c).str.strip_chars() if c in text_cols else pl.col(c) for c in present]
    )  # stripped once, then blanks made null: an expression reusing the strip would run it twice
    clean = trimmed.with_columns(
        pl.when(pl.col(c).str.len_bytes() > 0).then(pl.col(c)).alias(c) for c in text_cols
    )
    series: dict[str, pl.Series] = {}
    for name in present:
        dtype = targets[name]
        if name not in text_cols:
            series[name] = _parse_typed(clean[name], dtype).cast(dtype).alias(name)
        elif isinstance(dtype, pl.Datetime):
            series[name] = _parse_timestamps(clean[name]).cast(dtype).alias(name)
    typed = clean.select(
        [
            pl.lit(series[name]).alias(name)
            if name in series
            else _parse_text(pl.col(name), dtype).cast(dtype).alias(name)
            if name in present
            else pl.repeat(None, frame.height, dtype=dtype).alias(name)
            for name, dtype in targets.items()
        ]
    )
    checked = [c for c in present if targets[c] != pl.String or c not in text_cols]
    both = pl.concat([clean.select(pl.col(checked).name.prefix("r:")), typed], how="horizontal")
    failed = [(pl.col("r:" + c).is_not_null() & pl.col(c).is_null(), c) for c in checked]
    flags = both.select([bad.any().alias(c) for bad, c in failed]).row(0) if failed else ()
    failing = [
        (bad, f"{c}: {WHAT[pl.Datetime if isinstance(targets[c], pl.Datetime) else targets[c]]}")
        for (bad, c), flag in zip(failed, flags, strict=True)
        if flag
    ]
    if not failing:
        return typed.with_columns(pl.lit(None, pl.String).alias("_parse_reason"))
    return typed.with_columns(both.select(first_reason(failing).alias("_parse_reason")).to_series())


def first_reason(checks: list[tuple[pl.Expr, str]]) -> pl.Expr:
    """The text of the first check that is true for the row, null when all pass."""
    if not checks:
        return pl.lit(None, pl.String)
    return pl.coalesce(
        [pl.when(bad.fill_null(False)).then(pl.lit(text)) for bad, text in checks]
        + [pl.lit(None, pl.String)]
    )
