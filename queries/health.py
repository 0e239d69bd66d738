"""Data health of the live feed: batches per hour, why rows were refused, how late rows arrive.

Everything but ``latest_quarantined`` reads the ``ingest_log`` table, one row per batch written by
``python -m ops watch`` after the batch's rows became visible. Without a live feed the table
does not exist; every function then answers with empty frames or zeros, never an error, so the
Data health page can render on a lake built only by ``generate``.

All timestamps are UTC, naive (no time zone), like the lake's. "Now" is the clock, not the pinned
``today`` setting: freshness is about real time.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl

import settings
from queries.gateway import Gateway, default_gateway

HOURLY = {
    "hour": pl.Datetime("us"),
    "batches": pl.Int64,
    "rows_read": pl.Int64,
    "rows_accepted": pl.Int64,
    "rows_quarantined": pl.Int64,
}
REASONS = {"table_name": pl.String, "reason": pl.String, "rows": pl.Int64, "batches": pl.Int64}
LAG = {
    "hour": pl.Datetime("us"),
    "p50_lag_s": pl.Float64,
    "p95_lag_s": pl.Float64,
    "max_lag_s": pl.Float64,
}
QUARANTINED = {
    "quarantined_at": pl.Datetime("us"),
    "table_name": pl.String,
    "batch_id": pl.String,
    "source_file": pl.String,
    "source_row": pl.String,
    "reason": pl.String,
    "row": pl.String,
}
BOOKKEEPING = ("source_row", "reason", "batch_id", "quarantined_at")
SHIPMENT_LAGS = """
    SELECT ingested_at, date_diff('microsecond', arrived_at, ingested_at) / 1e6 AS lag
    FROM shipments WHERE ingested_at >= ? AND batch_id IN (SELECT batch_id FROM live)
"""
SEIZURE_LAGS = """
    SELECT ingested_at, date_diff('microsecond', event_time, ingested_at) / 1e6 AS lag
    FROM seizures WHERE ingested_at >= ? AND event_time IS NOT NULL
      AND batch_id IN (SELECT batch_id FROM live)
"""


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _gateway(gateway: Gateway | None) -> Gateway:
    return gateway or default_gateway()


def current_hour() -> datetime:
    """The hour the hourly windows end in: what they show changes with it and with new batches."""
    return utc_now().replace(minute=0, second=0, microsecond=0)


def hour_window(hours: int) -> tuple[datetime, datetime]:
    """(first hour, current hour) of a window of ``hours`` whole hours ending now."""
    now = current_hour()
    return now - timedelta(hours=hours - 1), now


def batches_per_hour(hours: int = 48, gateway: Gateway | None = None) -> pl.DataFrame:
    """One row per hour of the window (hours without batches as zeros), oldest first."""
    gw = _gateway(gateway)
    first, last = hour_window(hours)
    calendar = pl.DataFrame(
        {"hour": pl.datetime_range(first, last, "1h", time_unit="us", eager=True)}
    )
    if not gw.has("ingest_log"):
        found = pl.DataFrame(schema=HOURLY)
    else:
        found = gw.frame(
            """
            SELECT date_trunc('hour', received_at) AS hour, count(*)::BIGINT AS batches,
                   sum(rows_read)::BIGINT AS rows_read,
                   sum(rows_accepted)::BIGINT AS rows_accepted,
                   sum(rows_quarantined)::BIGINT AS rows_quarantined
            FROM ingest_log WHERE received_at >= ?
            GROUP BY 1
            """,
            [first],
        ).cast(HOURLY)
    return (
        calendar.join(found, on="hour", how="left")
        .with_columns(pl.col(c).fill_null(0) for c in list(HOURLY)[1:])
        .sort("hour")
    )


def quarantine_reasons(hours: int | None = None, gateway: Gateway | None = None) -> pl.DataFrame:
    """Rows refused per table and reason (and in how many batches), most rows first."""
    gw = _gateway(gateway)
    if not gw.has("ingest_log"):
        return pl.DataFrame(schema=REASONS)
    since = utc_now() - timedelta(hours=hours) if hours else datetime(1970, 1, 1)
    return gw.frame(
        """
        SELECT l.table_name, e.key AS reason, sum(e.value::BIGINT)::BIGINT AS rows,
               count(*)::BIGINT AS batches
        FROM ingest_log l, json_each(l.reasons) e
        WHERE l.received_at >= ?
        GROUP BY ALL
        ORDER BY rows DESC, batches DESC, table_name, reason
        """,
        [since],
    ).cast(REASONS)


def _has_column(gw: Gateway, table: str, column: str) -> bool:
    def compute() -> bool:
        names = gw.frame(f"DESCRIBE SELECT * FROM {table}")["column_name"]  # noqa: S608
        return column in names.to_list()

    return gw.has(table) and gw.memo(f"has:{table}.{column}", compute)


def ingest_lag(hours: int = 48, gateway: Gateway | None = None) -> pl.DataFrame:
    """Seconds from event to ``ingested_at`` per hour, for rows of live batches: shipments by
    ``arrived_at``, seizures by ``event_time`` (generated seizures have none and are left out)."""
    gw = _gateway(gateway)
    if not gw.has("ingest_log"):
        return pl.DataFrame(schema=LAG)
    first, _ = hour_window(hours)
    parts, params = [], []
    if gw.has("shipments"):
        parts.append(SHIPMENT_LAGS)
        params.append(first)
    if _has_column(gw, "seizures", "event_time"):
        parts.append(SEIZURE_LAGS)
        params.append(first)
    if not parts:
        return pl.DataFrame(schema=LAG)
    union = " UNION ALL ".join(parts)
    sql = f"""
        WITH live AS (SELECT batch_id FROM ingest_log WHERE received_at >= ?),
        lags AS ({union})
        SELECT date_trunc('hour', ingested_at) AS hour,
               quantile_cont(lag, 0.5) AS p50_lag_s, quantile_cont(lag, 0.95) AS p95_lag_s,
               max(lag) AS max_lag_s
        FROM lags GROUP BY 1 ORDER BY 1
    """  # noqa: S608 -- the parts are fixed text above; values are bound
    return gw.frame(sql, [first - timedelta(hours=1), *params]).cast(LAG)


def feed_status(gateway: Gateway | None = None) -> dict:
    """Freshness for the badge: last batch, last accepted rows, and the last hour's counts."""
    gw = _gateway(gateway)
    empty = {
        "last_batch_at": None,
        "last_row_at": None,
        "batches_last_hour": 0,
        "rows_last_hour": 0,
        "quarantined_last_hour": 0,
    }
    if not gw.has("ingest_log"):
        return empty
    row = gw.frame(
        """
        SELECT max(finished_at) AS last_batch_at,
               max(finished_at) FILTER (WHERE rows_accepted > 0) AS last_row_at,
               count(*) FILTER (WHERE finished_at >= ?)::BIGINT AS batches_last_hour,
               coalesce(sum(rows_accepted) FILTER (WHERE finished_at >= ?), 0)::BIGINT
                   AS rows_last_hour,
               coalesce(sum(rows_quarantined) FILTER (WHERE finished_at >= ?), 0)::BIGINT
                   AS quarantined_last_hour
        FROM ingest_log
        """,
        [utc_now() - timedelta(hours=1)] * 3,
    )
    return row.to_dicts()[0] if row.height else empty


def latest_quarantined(limit: int = 50, data_dir: Path | None = None) -> pl.DataFrame:
    """The most recently refused rows, newest first, with their original values as one text.

    Reads ``quarantine/<table>/<batch>.parquet`` files newest first until ``limit`` rows are
    found; a file refused whole shows as one row (its ``.reason.txt``), ``source_row`` empty.
    """
    root = (data_dir or settings.data_dir()) / "quarantine"
    entries = []
    for folder in sorted(p for p in root.glob("*") if p.is_dir() and p.name != "reports"):
        for path in folder.iterdir():
            raw_copy = path.with_name(f"{path.stem}.reason.txt").exists()
            if (path.suffix == ".parquet" and not raw_copy) or path.name.endswith(".reason.txt"):
                try:
                    entries.append((path.stat().st_mtime, path))
                except FileNotFoundError:
                    continue
    frames, found = [], 0
    for _mtime, path in sorted(entries, reverse=True):
        if found >= limit:
            break
        frame = _whole_file(path, root) if path.suffix == ".txt" else _rows(path, root)
        if frame is not None:
            frames.append(frame)
            found += frame.height
    if not frames:
        return pl.DataFrame(schema=QUARANTINED)
    out = pl.concat(frames, how="vertical_relaxed")
    order = pl.col("source_row").cast(pl.Int64, strict=False)
    return out.sort(["quarantined_at", "batch_id", order], descending=[True, False, False]).head(
        limit
    )


def _source_file(root: Path, batch_id: str) -> str | None:
    try:
        return json.loads((root / "reports" / f"{batch_id}.json").read_text())["source_file"]
    except (FileNotFoundError, ValueError, KeyError):
        return None


def _rows(path: Path, root: Path) -> pl.DataFrame | None:
    try:
        frame = pl.read_parquet(path)
    except Exception:  # being replaced or unreadable: the page shows the others
        return None
    if "reason" not in frame.columns:
        return None
    batch_id = path.stem
    values = [c for c in frame.columns if c not in BOOKKEEPING]
    row = (
        pl.concat_str(
            [
                pl.when(pl.col(c).is_not_null()).then(pl.lit(f"{c}=") + pl.col(c).cast(pl.String))
                for c in values
            ],
            separator="; ",
            ignore_nulls=True,
        )
        if values
        else pl.lit("")
    )
    stamp = (
        pl.col("quarantined_at").cast(pl.Datetime("us"))
        if "quarantined_at" in frame.columns
        else pl.lit(datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(tzinfo=None))
    )
    return frame.select(
        stamp.alias("quarantined_at"),
        pl.lit(path.parent.name).alias("table_name"),
        pl.lit(batch_id).alias("batch_id"),
        pl.lit(_source_file(root, batch_id), pl.String).alias("source_file"),
        pl.col("source_row").cast(pl.String)
        if "source_row" in frame.columns
        else pl.lit(None, pl.String).alias("source_row"),
        pl.col("reason").cast(pl.String),
        row.alias("row"),
    )


def _whole_file(path: Path, root: Path) -> pl.DataFrame:
    batch_id = path.name.removesuffix(".reason.txt")
    lines = path.read_text(errors="replace").splitlines() or [""]
    stamp = datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(tzinfo=None)
    detail = lines[1] if len(lines) > 1 else ""
    return pl.DataFrame(
        {
            "quarantined_at": [stamp],
            "table_name": [path.parent.name],
            "batch_id": [batch_id],
            "source_file": [_source_file(root, batch_id)],
            "source_row": [None],
            "reason": [lines[0]],
            "row": [f"whole file refused; {detail}".rstrip("; ")],
        },
        schema=QUARANTINED,
    )
