"""One inbox file, start to finish, in an order that survives ``kill -9`` at any line.

The batch id is a digest of the file's bytes, so the same file is the same batch however often it
is dropped, and every name derived from it is deterministic. The steps:

1. the ledger already lists the batch: nothing to do but move the file to ``inbox/done/``;
2. read and validate (nothing written yet);
3. write the refused rows to ``quarantine/<table>/<batch_id>.parquet``;
4. write the report ``quarantine/reports/<batch_id>.json``;
5. write the accepted rows as ``batch-<batch_id>.parquet`` in each partition (invisible);
6. commit them: one manifest swap for the table, the rows become visible;
7. write and commit the batch's ``ingest_log`` row;
8. append the batch to the ledger;
9. move the file to ``inbox/done/``.

Killed anywhere, a restart finds the file still in the inbox and no ledger entry, and redoes it:
steps 3-5 overwrite the same files with the same content; step 6 is skipped when the batch's rows
are already visible (its files are listed, or a compaction already merged them); step 7 likewise.
So nothing is lost (the file leaves the inbox only after the ledger says it is done) and nothing
is doubled (a commit happens at most once per batch and table). A file refused whole skips 5-6:
its bytes are copied to ``quarantine/<table|unknown>/<batch_id>.<ext>`` with a ``.reason.txt``.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import polars as pl

from ingest.live.failpoints import failpoint
from ingest.live.incoming import ID_COLUMN
from ingest.live.lakeids import (
    BATCH_PREFIX,
    LakeIds,
    batch_file_name,
    batch_is_visible,
    listed_batch_files,
)
from ingest.live.ledger import Ledger
from ingest.live.lifecycle import TABLE as LIFECYCLE_TABLE
from ingest.live.lifecycle import history, lifecycle_lock
from ingest.live.paths import data_root, done_dir
from ingest.live.readers import (
    CHECK_FAILED,
    FileRefused,
    RawBatch,
    estimated_rows,
    read_batch,
    table_from_name,
)
from ingest.live.report import BatchReport, load_report, utc_now
from ingest.live.validate import validate
from ingest.quarantine import quarantine_dir, quarantine_rows
from lake.layout import ensure_dir
from lake.writer import commit, write_bytes_atomic, write_partitioned


def batch_id_of(raw: bytes) -> str:
    """The batch id: the first 16 hex digits of the SHA-256 of the file's bytes."""
    return hashlib.sha256(raw).hexdigest()[:16]


# Called with (accepted shipments, the batch's file stem, data folder) once a batch's shipments
# are in the lake: how targeting scores arrivals, given to the watcher by whoever starts it
# (``python -m ops watch``), so ingest never imports targeting.
ArrivalHook = Callable[[pl.DataFrame, str, Path], None]


@dataclass
class Context:
    """What processing a file needs from the watcher: where, the ledger, the id cache, and
    what to run on newly arrived shipments."""

    data_dir: Path
    ledger: Ledger
    lake_ids: LakeIds
    on_arrivals: ArrivalHook | None = None

    @classmethod
    def open(cls, data_dir: Path | None = None, on_arrivals: ArrivalHook | None = None) -> Context:
        root = data_root(data_dir)
        return cls(root, Ledger(root), LakeIds(root), on_arrivals)


def process_file(
    path: Path, ctx: Context, received_at: datetime | None = None
) -> BatchReport | None:
    """Ingest one settled inbox file; returns its report, or None if it was already done.

    Raises ``FileChanged`` if the file changed while it was read (it is left for a later scan).
    """
    before = path.stat()
    raw = path.read_bytes()
    if _identity(path.stat()) != _identity(before) or len(raw) != before.st_size:
        raise FileChanged(path.name)
    batch_id = batch_id_of(raw)
    if batch_id in ctx.ledger:
        _move_done(path, batch_id, before, ctx.data_dir)
        return None
    received_at = received_at or utc_now()
    prior = load_report(batch_id, ctx.data_dir)
    try:
        failpoint("during_read")
        batch = read_batch(path.name, raw)
    except FileRefused as refused:
        report = _refuse_whole(path, raw, batch_id, refused, received_at, ctx)
    except Exception as exc:  # noqa: BLE001 -- a reader bug still gives the file a verdict
        refused = check_failed(exc, table_from_name(path.name), estimated_rows(path.name, raw))
        report = _refuse_whole(path, raw, batch_id, refused, received_at, ctx)
    else:
        report = _ingest_rows(batch, path, raw, batch_id, received_at, prior, ctx)
    _write_log(report, redo=prior is not None, ctx=ctx)
    failpoint("after_log")
    ctx.ledger.mark(
        {
            "batch_id": batch_id,
            "source_file": path.name,
            "table_name": report.table_name,
            "status": report.status,
            "rows_read": report.rows_read,
            "finished_at": utc_now().isoformat(),
        }
    )
    failpoint("after_ledger")
    _move_done(path, batch_id, before, ctx.data_dir)
    return report


class FileChanged(RuntimeError):
    """The file changed while it was being read: it is still being written."""


def _identity(stat: os.stat_result) -> tuple[int, int, int]:
    return stat.st_ino, stat.st_size, stat.st_mtime_ns


def check_failed(exc: Exception, table: str | None, rows: int) -> FileRefused:
    """The whole-file refusal for a file whose reading or checking raised: a bug in the checks
    must still end with a verdict (the file in quarantine, a report, a log row), never with a
    file left in the inbox to fail again on every run."""
    detail = f"{type(exc).__name__}: {exc}"[:500]
    return FileRefused(CHECK_FAILED, detail, table=table, rows=rows)


def _ingest_rows(
    batch: RawBatch,
    path: Path,
    raw: bytes,
    batch_id: str,
    received_at: datetime,
    prior: BatchReport | None,
    ctx: Context,
) -> BatchReport:
    table, data_dir = batch.table, ctx.data_dir
    listed = listed_batch_files(table, batch_id, data_dir)
    if prior is not None and (
        listed or prior.rows_accepted == 0 or batch_is_visible(table, batch_id, data_dir)
    ):
        return prior  # an earlier attempt got as far as the commit: keep what it decided
    with lifecycle_lock(table, data_dir):  # referral events: read the cases, then commit
        return _check_and_write(batch, path, raw, batch_id, received_at, listed, ctx)


def _check_and_write(
    batch: RawBatch,
    path: Path,
    raw: bytes,
    batch_id: str,
    received_at: datetime,
    listed: list[str],
    ctx: Context,
) -> BatchReport:
    table, data_dir, source_file = batch.table, ctx.data_dir, path.name
    now = utc_now()
    lake_ids = ctx.lake_ids.ids(
        table, exclude=batch_file_name(batch_id), within=id_range(batch, ID_COLUMN[table])
    )
    try:
        failpoint("during_check")
        known = None
        if table == LIFECYCLE_TABLE and "referral_id" in batch.frame.columns:
            ids = batch.frame["referral_id"].cast(pl.String, strict=False).str.strip_chars()
            known = history(ids, data_dir)
        checked = validate(
            batch, batch_id, ingested_at=now, now=now, lake_ids=lake_ids, known_events=known
        )
    except Exception as exc:  # noqa: BLE001 -- see check_failed
        refused = check_failed(exc, table, batch.height)
        return _refuse_whole(path, raw, batch_id, refused, received_at, ctx)
    failpoint("after_read")
    quarantined = quarantine_rows(table, batch_id, checked.quarantined, data_dir)
    if quarantined is None:  # a stale file from an earlier attempt must not count twice
        (quarantine_dir(data_dir) / table / f"{batch_id}.parquet").unlink(missing_ok=True)
    failpoint("after_quarantine")
    years = checked.accepted["fiscal_year"].unique().sort().to_list()
    planned = [f"fiscal_year={fy}/{batch_file_name(batch_id)}" for fy in years]
    report = BatchReport(
        batch_id=batch_id,
        source_file=source_file,
        table_name=table,
        received_at=received_at,
        rows_read=checked.rows_read,
        rows_accepted=checked.accepted.height,
        rows_quarantined=checked.quarantined.height,
        reasons=checked.reasons,
        status=checked.status,
        format=batch.format,
        ignored_columns=checked.ignored_columns,
        first_event_at=checked.first_event_at,
        last_event_at=checked.last_event_at,
        validated_at=now,
        lake_files=planned,
        quarantine_file=_relative(quarantined, data_dir),
    )
    report.save(data_dir)
    failpoint("after_report")
    if not listed and checked.accepted.height:
        written = write_partitioned(table, checked.accepted, f"{BATCH_PREFIX}{batch_id}", data_dir)
        failpoint("after_lake_write")
        commit(table, add=written, data_dir=data_dir)
    failpoint("after_commit")
    if table == "shipments" and not listed and checked.accepted.height and ctx.on_arrivals:
        stem = f"{BATCH_PREFIX}{batch_id}"  # a redo overwrites rather than duplicates
        run_off_path(ctx.on_arrivals, checked.accepted, stem, data_dir)
    return report


_scorer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="score-arrivals")
_scoring: list[Future] = []


def run_off_path(hook: ArrivalHook, rows: pl.DataFrame, stem: str, data_dir: Path) -> None:
    """Run the arrival hook (targeting's scoring) seconds after the rows land, off the feed's
    path.

    The rows are already safely in the lake: the hook runs on one background thread, in arrival
    order, so a 200,000-row batch is not held up for the seconds scoring takes (loading
    shipments with scoring in line ran at a tenth of the speed). Best effort by design: a
    failure (no model trained yet, say) must never hold the feed up; ``python -m targeting
    score`` fills any gap. ``drain_scoring`` waits for the queue.
    """
    _scoring.append(_scorer.submit(_run_hook, hook, rows, stem, data_dir))
    _scoring[:] = [f for f in _scoring if not f.done()]


def _run_hook(hook: ArrivalHook, rows: pl.DataFrame, stem: str, data_dir: Path) -> None:
    try:
        hook(rows, stem, data_dir)
    except Exception as exc:  # noqa: BLE001 -- see run_off_path: never block ingest
        print(f"{stem}: shipments loaded, scoring skipped ({exc})", file=sys.stderr)


def drain_scoring(timeout: float | None = None) -> None:
    """Wait until every batch handed to the background scorer has been scored (or skipped)."""
    wait(list(_scoring), timeout=timeout)
    _scoring[:] = [f for f in _scoring if not f.done()]


def id_range(batch: RawBatch, column: str) -> tuple[str, str] | None:
    """(lowest, highest) id the file holds, as text; None when it has no id column."""
    if column not in batch.frame.columns:
        return None
    ids = batch.frame[column].cast(pl.String, strict=False).str.strip_chars().drop_nulls()
    return (ids.min(), ids.max()) if ids.len() else None


def _refuse_whole(
    path: Path,
    raw: bytes,
    batch_id: str,
    refused: FileRefused,
    received_at: datetime,
    ctx: Context,
) -> BatchReport:
    """Keep the file's bytes in quarantine, with the reason next to them."""
    table = refused.table or "unknown"
    suffix = path.suffix or ".bin"
    folder = ensure_dir(quarantine_dir(ctx.data_dir) / table)
    copy = write_bytes_atomic(raw, folder / f"{batch_id}{suffix}")
    note = f"{refused.reason}\n{refused.detail}\nsource file: {path.name}\n".encode()
    write_bytes_atomic(note, folder / f"{batch_id}.reason.txt")
    report = BatchReport(
        batch_id=batch_id,
        source_file=path.name,
        table_name=table,
        received_at=received_at,
        rows_read=refused.rows,
        rows_accepted=0,
        rows_quarantined=refused.rows,
        reasons={refused.reason: refused.rows},
        status="refused",
        format=path.suffix.lstrip("."),
        validated_at=utc_now(),
        raw_copy=_relative(copy, ctx.data_dir),
        detail=refused.detail,
    )
    report.save(ctx.data_dir)
    failpoint("after_report")
    return report


def _write_log(report: BatchReport, redo: bool, ctx: Context) -> None:
    """Commit the batch's ingest_log row, unless a previous attempt already did."""
    if redo and batch_is_visible("ingest_log", report.batch_id, ctx.data_dir):
        return
    frame = report.log_frame(finished_at=utc_now())
    stem = f"{BATCH_PREFIX}{report.batch_id}"
    written = write_partitioned("ingest_log", frame, stem, ctx.data_dir)
    commit("ingest_log", add=written, data_dir=ctx.data_dir)


def _move_done(path: Path, batch_id: str, read_stat: os.stat_result, data_dir: Path) -> None:
    """Move the processed file out of the inbox, unless it was replaced since it was read."""
    try:
        if _identity(path.stat()) != _identity(read_stat):
            return  # new content under the same name: a new batch for the next scan
    except FileNotFoundError:
        return
    target = ensure_dir(done_dir(data_dir)) / path.name
    if target.exists() and batch_id_of(target.read_bytes()) != batch_id:
        target = target.with_name(f"{path.stem}.{batch_id}{path.suffix}")  # same name, new bytes
    if target.exists():
        path.unlink(missing_ok=True)  # these very bytes are kept already
        return
    os.replace(path, target)


def _relative(path: Path | None, data_dir: Path) -> str | None:
    return None if path is None else str(path.relative_to(data_dir))


__all__ = ["Context", "FileChanged", "batch_id_of", "process_file"]
