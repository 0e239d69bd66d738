"""Emerging threats, computed in the background and served while a newer answer is computed.

The signals compare the last 90 days with the year before over every shipment and score in that
window: seconds of work at tens of millions of shipments. A batch that lands every few seconds
hardly moves a 90-day rate, so the card does not recompute per batch: it serves the last answer,
and recomputes in the background once the answer is older than ``emerging_refresh_s`` or the
lake's latest day has moved on.

The answer is shared through the data folder (``state/emerging.parquet``, written atomically):
the batch job that scores the lake writes the first one, so a worker that starts serves the card
at once instead of computing it. One process at a time recomputes (a file lock), in a child
process so that the web worker does not keep the pass's memory; the others pick its answer up
from disk. Only a lake that never had an answer computes one while the caller waits, and the
app's keep-warm thread asks for it at start-up (``prime``).
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

import settings
from lake.writer import file_lock, write_parquet_atomic
from queries import targeting as queue_queries
from queries.executor import QueryError
from queries.gateway import Gateway
from queries.shutdown import ShuttingDown, native_work, start_background
from targeting import emerging

ANSWER_FILE = "emerging.parquet"
LOCK_FILE = "emerging.lock"
META_KEY = b"chokepoint.emerging"


@dataclass(frozen=True, eq=False)
class Answer:
    """One computed answer; compared and hashed by identity (a frame has no value hash)."""

    frame: pl.DataFrame
    as_of: date
    computed_at: datetime  # wall clock (UTC), shown on the card
    monotonic: float  # when this process computed or loaded it


def _state(data_dir: Path) -> Path:
    return data_dir / "state"


def store(answer: Answer, data_dir: Path) -> Path:
    """Write ``answer`` for every process of ``data_dir`` (readers never see half a file)."""
    meta = {"as_of": answer.as_of.isoformat(), "computed_at": answer.computed_at.isoformat()}
    frame = answer.frame if answer.frame.width else pl.DataFrame({"_empty": []})
    table = frame.to_arrow()
    table = table.replace_schema_metadata(
        {**(table.schema.metadata or {}), META_KEY: json.dumps(meta).encode()}
    )
    return write_parquet_atomic(table, _state(data_dir) / ANSWER_FILE)


def load(data_dir: Path) -> Answer | None:
    """The answer stored for ``data_dir``, or None when there is none (or it is unreadable)."""
    path = _state(data_dir) / ANSWER_FILE
    try:
        with native_work():
            table = pq.read_table(path)
        meta = json.loads(table.schema.metadata[META_KEY])
    except (FileNotFoundError, KeyError, ValueError, OSError):
        return None
    frame = pl.from_arrow(table.replace_schema_metadata(None))
    frame = pl.DataFrame() if frame.columns == ["_empty"] else frame
    return Answer(
        frame,
        date.fromisoformat(meta["as_of"]),
        datetime.fromisoformat(meta["computed_at"]),
        time.monotonic(),
    )


def compute(gateway: Gateway, day: date) -> Answer:
    """Compute the signals as of ``day`` and store them for every process of the folder."""
    frame = emerging.signals(gateway, day)
    now = datetime.now(UTC).replace(tzinfo=None)
    answer = Answer(frame, day, now, time.monotonic())
    store(answer, gateway.data_dir)
    return answer


def compute_for(data_dir: Path, day: date | None = None) -> Answer:
    """``compute`` over ``data_dir`` as of ``day`` (default: the latest arrival)."""
    gateway = Gateway(data_dir)
    if day is None:
        if not gateway.has("shipments"):
            raise ValueError(f"no shipments in the lake under {data_dir.name!r}")
        day = queue_queries.as_of(gateway).date()
    return compute(gateway, day)


def compute_elsewhere(data_dir: Path, day: date | None = None) -> Answer:
    """``compute`` in a child process as of ``day`` (default: the latest arrival), then read its
    answer.

    At national scale the pass holds a gigabyte of join state; a web worker that did it itself
    would keep that memory for good (allocators rarely hand it back). A child gives it back
    when it exits."""
    env = {**os.environ, settings.env_name("data"): str(data_dir.resolve())}
    # --background: on CPU time the workers leave idle, so their requests come first
    cmd = [sys.executable, "-m", "targeting", "emerging", "--background"]
    if day is not None:
        cmd += ["--as-of", day.isoformat()]
    done = subprocess.run(cmd, env=env, cwd=settings.REPO_ROOT, capture_output=True, text=True)
    answer = load(data_dir)
    if done.returncode or answer is None or (day is not None and answer.as_of != day):
        raise QueryError(f"emerging threats failed: {done.stderr.strip()[-300:]}")
    return answer


class EmergingCache:
    """One answer per data folder, shared with the folder's other processes through disk."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._answers: dict[Path, Answer] = {}
        self._running: set[Path] = set()
        self._first = threading.Lock()  # the first answer is found once, not per caller

    def get(self, gateway: Gateway, as_of: datetime | date) -> Answer:
        day = as_of.date() if isinstance(as_of, datetime) else as_of
        folder = gateway.data_dir
        answer = self._answers.get(folder)
        if answer is None:
            with self._first:
                answer = self._answers.get(folder) or self._first_answer(gateway, day)
        if self._stale(answer, day):
            stored = load(folder)
            if stored is not None and stored.computed_at > answer.computed_at:
                answer = self._keep(folder, stored)  # another process refreshed it
            if self._stale(answer, day):
                self._refresh_in_background(gateway, day)
        return answer

    def prime(self, gateway: Gateway, as_of: datetime | date | None) -> None:
        if as_of is not None:
            self.get(gateway, as_of)

    @staticmethod
    def _stale(answer: Answer, day: date) -> bool:
        max_age = settings.get("emerging_refresh_s")
        age = (datetime.now(UTC).replace(tzinfo=None) - answer.computed_at).total_seconds()
        return answer.as_of != day or age > max_age

    def _keep(self, folder: Path, answer: Answer) -> Answer:
        with self._lock:
            self._answers[folder] = answer
        return answer

    def _first_answer(self, gateway: Gateway, day: date) -> Answer:
        """The stored answer (stale or not: it is refreshed behind it), else one computed now,
        by one process while the others wait for it and read it."""
        stored = load(gateway.data_dir)
        if stored is None:
            with file_lock(_state(gateway.data_dir) / LOCK_FILE):
                stored = load(gateway.data_dir) or compute_elsewhere(gateway.data_dir, day)
        return self._keep(gateway.data_dir, stored)

    def _refresh_in_background(self, gateway: Gateway, day: date) -> None:
        with self._lock:
            if gateway.data_dir in self._running:
                return
            self._running.add(gateway.data_dir)

        def work() -> None:
            try:
                with file_lock(_state(gateway.data_dir) / LOCK_FILE, wait=False) as mine:
                    if mine:
                        self._keep(gateway.data_dir, compute_elsewhere(gateway.data_dir, day))
            except (QueryError, ShuttingDown) as exc:
                logging.getLogger(__name__).warning("emerging threats not refreshed: %s", exc)
            finally:
                with self._lock:
                    self._running.discard(gateway.data_dir)

        start_background(work, "emerging-refresh")


cache = EmergingCache()
