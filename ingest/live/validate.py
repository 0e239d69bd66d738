"""Split a read batch into rows for the lake and rows for quarantine, each refused with a reason.

Everything is vectorised: one pass parses the columns, one expression picks each row's first
failing check (``rules``), window expressions find duplicate ids in the batch, one ``is_in`` finds
ids already in the lake. A row's reason is, in order: what the reader found wrong with the row,
a missing required column, a value that does not parse, a failed check, a duplicate.

Duplicates: rows identical in every contract column are one row sent twice; the first is kept and
the repeats refused. Rows sharing an id but differing elsewhere cannot be told apart, so all of
them are refused. An id already in the lake is refused as a duplicate.

Referral events then go through their cases' state machine (``lifecycle``): a step the case may
not take is refused like any bad row.

Columns the contract does not know (and ingest-filled ones like ``batch_id``) are ignored and
listed in the report; they stay in quarantine with the refused rows' other values.

``validate`` checks its own arithmetic: accepted + quarantined must equal rows read, or it raises
``ConservationError`` before anything is written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

import polars as pl

from ingest.live.incoming import (
    EVENT_COLUMN,
    ID_COLUMN,
    first_reason,
    parse_columns,
    required_columns,
    target_types,
)
from ingest.live.lifecycle import TABLE as LIFECYCLE_TABLE
from ingest.live.lifecycle import history, lifecycle_reasons
from ingest.live.readers import RawBatch
from ingest.live.rules import checks, normalise
from lake.contract import conform

RESERVED = ("source_row", "reason", "batch_id", "quarantined_at")  # quarantine's own columns


class ConservationError(RuntimeError):
    """Accepted plus quarantined rows do not add up to the rows read: a bug, never data."""


@dataclass
class Validated:
    table: str
    accepted: pl.DataFrame  # contract columns plus the partition column
    quarantined: pl.DataFrame  # original columns as text, source_row, reason
    rows_read: int
    reasons: dict[str, int] = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)
    first_event_at: datetime | None = None
    last_event_at: datetime | None = None

    @property
    def status(self) -> str:
        if self.accepted.is_empty():
            return "refused"
        return "partial" if self.quarantined.height else "accepted"


def fiscal_year(day: pl.Expr) -> pl.Expr:
    return (day.dt.year() + (day.dt.month() >= 10).cast(pl.Int32)).cast(pl.Int16)


def event_time(table: str) -> pl.Expr:
    """When a row's event happened, for lag and the log's first/last event."""
    if table == "seizures":
        return pl.coalesce(pl.col("event_time"), pl.col("event_date").cast(pl.Datetime("us")))
    return pl.col(EVENT_COLUMN[table]).cast(pl.Datetime("us"))


def as_text(frame: pl.DataFrame) -> pl.DataFrame:
    """Every column as text; nested values (lists, structs from JSON or parquet) as JSON."""
    exprs = []
    for name, dtype in frame.schema.items():
        if dtype == pl.String:
            exprs.append(pl.col(name))
        elif dtype.is_nested() or dtype in (pl.Object, pl.Binary):
            exprs.append(
                pl.col(name).map_elements(
                    lambda v: json.dumps(v, default=str), return_dtype=pl.String
                )
            )
        else:
            exprs.append(pl.col(name).cast(pl.String))
    return frame.select(exprs)


def failing(typed: pl.DataFrame, table: str, now: datetime) -> list[tuple[pl.Expr, str]]:
    """The table's checks that at least one row fails, in order.

    One ``select`` evaluates every check over the batch (polars spreads them over the cores) and
    keeps one flag per check, so the per-row "first reason" is built only from checks that some
    row fails: none, for a clean batch.
    """
    every = checks(table, now)
    flags = typed.select(
        [bad.fill_null(False).any().alias(str(i)) for i, (bad, _) in enumerate(every)]
    ).row(0)
    return [check for check, flag in zip(every, flags, strict=True) if flag]


def duplicate_reasons(
    table: str, typed: pl.DataFrame, ok: pl.Series, lake_ids: pl.Series | None
) -> pl.Series | None:
    """Reasons for rows that are fine on their own but duplicate another row or the lake.

    Cheap when there are none: one uniqueness test over the batch's ids, one ``is_in`` against
    the lake's; the row-content comparison only runs over the ids that do repeat.
    """
    idc = ID_COLUMN[table]
    ids = typed[idc]
    out = pl.repeat(None, typed.height, dtype=pl.String, eager=True).alias("dup")
    candidates = ids.filter(ok)
    if candidates.n_unique() < candidates.len():
        repeated = ok & ids.is_in(candidates.filter(candidates.is_duplicated()).unique().implode())
        rows = typed.with_row_index("_i").filter(repeated)
        content = rows.select(pl.struct(list(target_types(table))).hash().alias("h"), idc, "_i")
        content = content.with_columns(
            pl.col("h").n_unique().over(idc).alias("versions"),
            pl.col("h").is_first_distinct().alias("first"),
        )
        differ = content.filter(pl.col("versions") > 1)["_i"]
        repeat = content.filter((pl.col("versions") == 1) & ~pl.col("first"))["_i"]
        out = out.scatter(differ, f"{idc}: shared by rows that differ, in this batch")
        out = out.scatter(repeat, f"{idc}: repeats an earlier row of this batch")
    if lake_ids is not None and lake_ids.len():
        known = candidates.to_frame(idc).join(lake_ids.to_frame(idc), on=idc, how="semi")[idc]
        if known.len():
            in_lake = ok & out.is_null() & ids.is_in(known.unique().implode())
            out = out.set(in_lake, f"{idc}: already in the lake")
    return out if out.is_not_null().any() else None


def validate(
    raw: RawBatch,
    batch_id: str,
    ingested_at: datetime,
    now: datetime,
    lake_ids: pl.Series | None = None,
    known_events: pl.DataFrame | None = None,
) -> Validated:
    """Check every row of ``raw`` against the contract; ``now`` is UTC, naive. For referral
    events, ``known_events`` are their cases' events already in the lake (``lifecycle``)."""
    table = raw.table
    targets = target_types(table)
    missing = [c for c in required_columns(table) if c not in raw.frame.columns]
    ignored = [c for c in raw.frame.columns if c not in targets]
    typed = parse_columns(raw.frame, table).with_columns(normalise(table))
    leading = []
    if raw.row_reason is not None:
        typed = typed.with_columns(raw.row_reason.alias("_row_reason"))
        leading.append(pl.col("_row_reason"))
    if missing:
        leading.append(pl.lit(f"missing required column(s): {', '.join(missing)}"))
    reason = pl.coalesce(
        [*leading, pl.col("_parse_reason"), first_reason(failing(typed, table, now))]
    )
    typed = typed.with_columns(reason.alias("_reason"))
    duplicates = duplicate_reasons(table, typed, typed["_reason"].is_null(), lake_ids)
    if duplicates is not None:
        typed = typed.with_columns(pl.coalesce(pl.col("_reason"), pl.lit(duplicates)))
    if table == LIFECYCLE_TABLE:
        known = known_events if known_events is not None else history(pl.Series([], dtype=str))
        steps = lifecycle_reasons(typed, typed["_reason"].is_null(), known)
        if steps is not None:
            typed = typed.with_columns(pl.coalesce(pl.col("_reason"), pl.lit(steps)))
    bad_mask = typed["_reason"].is_not_null()
    good = typed.filter(~bad_mask) if bad_mask.any() else typed
    date = pl.col(EVENT_COLUMN[table])
    good = good.with_columns(
        pl.lit(batch_id).alias("batch_id"),
        pl.lit(ingested_at).cast(pl.Datetime("us")).alias("ingested_at"),
        fiscal_year(date.dt.date() if table == "shipments" else date).alias("fiscal_year"),
        *([pl.lit("reported").alias("provenance")] if table == "seizures" else []),
        *([_recorded_by(batch_id)] if table == LIFECYCLE_TABLE else []),
    )
    accepted = conform(table, good)
    quarantined = _quarantine_frame(raw, bad_mask, typed["_reason"].filter(bad_mask))
    if accepted.height + quarantined.height != raw.height:
        raise ConservationError(
            f"{table} batch {batch_id}: {accepted.height} accepted + {quarantined.height} "
            f"quarantined != {raw.height} read"
        )
    times = good.select(event_time(table).min().alias("a"), event_time(table).max().alias("b"))
    counts = quarantined["reason"].value_counts(sort=True) if quarantined.height else None
    return Validated(
        table=table,
        accepted=accepted,
        quarantined=quarantined,
        rows_read=raw.height,
        reasons={} if counts is None else dict(counts.iter_rows()),
        ignored_columns=ignored,
        first_event_at=times["a"][0],
        last_event_at=times["b"][0],
    )


def _recorded_by(batch_id: str) -> pl.Expr:
    """Who recorded a partner's event: the file's own ``recorded_by``, else its agency's batch."""
    sender = pl.concat_str([pl.col("agency"), pl.lit(f" batch {batch_id}")])
    return pl.coalesce(pl.col("recorded_by"), sender).alias("recorded_by")


def _quarantine_frame(raw: RawBatch, bad: pl.Series, reasons: pl.Series) -> pl.DataFrame:
    original = raw.frame.filter(bad)
    original = original.rename({c: f"src_{c}" for c in original.columns if c in RESERVED})
    return as_text(original).with_columns(
        raw.source_row.filter(bad).cast(pl.String).alias("source_row"),
        reasons.alias("reason"),
    )
