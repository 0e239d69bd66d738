"""``python -m ops watch``: the loop that turns inbox files into lake rows, plus compaction.

Every ``watch_interval_s`` the inbox is scanned; settled files are processed oldest first, one
at a time (``ingest.live.batch``). A background thread compacts partitions that collected enough
small files. ``--once`` processes what is in the inbox, waiting for files still being written to
settle (giving up after ``ONCE_WAIT_FACTOR`` settle times), compacts, and exits.

Only one watcher may run per data folder (``state/watch.lock``): two would race for the same
files and both think they were first. SIGTERM and SIGINT stop the loop after the current file.
The exit code is 1 when a batch failed (an error left its file in the inbox, or its checks
crashed and it was quarantined whole).
"""

from __future__ import annotations

import fcntl
import signal
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path

import settings
from ingest.live.batch import ArrivalHook, Context, FileChanged, drain_scoring, process_file
from ingest.live.compact import compact_all
from ingest.live.inbox import Inbox
from ingest.live.paths import data_root, state_dir
from ingest.live.readers import CHECK_FAILED
from ingest.live.report import BatchReport
from lake.layout import ensure_dir

COMPACT_EVERY_S = 5.0
KEEP_REPORTS = 1000  # the latest reports, for callers in the same process (tests, bench)
ONCE_WAIT_FACTOR = 10  # --once gives up on a file that keeps changing for this many settle times


class AlreadyWatching(RuntimeError):
    """Another watcher holds this data folder's lock."""


class Watcher:
    """Scan, process, repeat; ``stop`` ends the loop from another thread or a signal."""

    def __init__(
        self,
        data_dir: Path | None = None,
        log: Callable[[str], None] = print,
        settle_s: float | None = None,
        interval_s: float | None = None,
        on_arrivals: ArrivalHook | None = None,
    ) -> None:
        self.data_dir = data_root(data_dir)
        self.settle_s = settings.get("file_settle_s") if settle_s is None else settle_s
        self.interval_s = settings.get("watch_interval_s") if interval_s is None else interval_s
        self.log = log
        self.stop = threading.Event()
        self.inbox = Inbox(self.data_dir, self.settle_s)
        self.ctx = Context.open(self.data_dir, on_arrivals)
        self.reports: list[BatchReport] = []
        self._failed: dict[str, tuple[int, int]] = {}
        self.failures = 0  # batches that failed: an error left the file, or the checks crashed

    def poll(self) -> list[Path]:
        """Process every settled file once; returns the files still being written."""
        ready, pending = self.inbox.scan()
        for arrival in ready:
            if self.stop.is_set():
                break
            path = arrival.path
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            if self._failed.get(path.name) == (stat.st_size, stat.st_mtime_ns):
                continue  # failed on this content before: wait for a change or a restart
            try:
                report = process_file(path, self.ctx, arrival.first_seen)
            except FileChanged:
                pending.append(path)
                continue
            except Exception:  # a full disk, say: keep the file, report, go on
                self._failed[path.name] = (stat.st_size, stat.st_mtime_ns)
                self.failures += 1
                self.log(
                    f"error processing {path.name} (left in the inbox):\n{traceback.format_exc()}"
                )
                continue
            self.inbox.forget(path)
            if report is None:
                self.log(f"{path.name}: already ingested, moved to done/")
            else:
                self.reports = [*self.reports[-KEEP_REPORTS + 1 :], report]
                self.log(report.summary())
                if CHECK_FAILED in report.reasons:
                    self.failures += 1
                    self.log(f"{path.name}: the checks failed ({report.detail}); quarantined whole")
        return pending

    def run(self, once: bool = False, compact: bool = True) -> int:
        with _single_watcher(self.data_dir):
            ensure_dir(self.inbox.dir)
            compactor = None
            if compact and not once:
                compactor = threading.Thread(target=self._compact_loop, daemon=True)
                compactor.start()
            give_up = time.monotonic() + max(self.settle_s * ONCE_WAIT_FACTOR, 5.0)
            while not self.stop.is_set():
                pending = self.poll()
                if once and not pending:
                    break
                if once and time.monotonic() > give_up:
                    names = ", ".join(p.name for p in pending)
                    self.log(f"still being written, left in the inbox: {names}")
                    break
                self.stop.wait(self.interval_s)
            if compactor is not None:
                self.stop.set()
                compactor.join()
            if once and compact:
                self._compact()
            drain_scoring()  # the batches' scores are written before the watcher says it is done
        return 1 if self.failures else 0

    def _compact(self) -> None:
        try:
            for done in compact_all(self.data_dir):
                self.log(
                    f"compacted {done.sources} files of {done.table}/{done.partition} "
                    f"({done.rows:,} rows) into {done.file}"
                )
        except Exception:
            self.log(f"compaction failed (will retry):\n{traceback.format_exc()}")

    def _compact_loop(self) -> None:
        while not self.stop.wait(COMPACT_EVERY_S):
            self._compact()


class _single_watcher:  # noqa: N801 -- used as a context manager, reads like one
    """Hold ``state/watch.lock`` for the watcher's lifetime; fail fast if another holds it."""

    def __init__(self, data_dir: Path) -> None:
        self.path = ensure_dir(state_dir(data_dir)) / "watch.lock"

    def __enter__(self) -> None:
        self.handle = open(self.path, "a+")  # noqa: SIM115 -- held until __exit__
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            self.handle.close()
            raise AlreadyWatching(f"another watcher is running on {self.path.parent}") from exc

    def __exit__(self, *exc) -> None:
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


def watch(
    data_dir: Path | None = None,
    once: bool = False,
    compact: bool = True,
    on_arrivals: ArrivalHook | None = None,
) -> int:
    """Run the watcher in this process until stopped (or, with ``once``, until the inbox is
    empty); SIGTERM and SIGINT stop it after the file in hand. ``on_arrivals`` runs on each
    batch of new shipments, off the feed's path (``python -m ops watch`` gives it scoring)."""
    watcher = Watcher(data_dir, log=lambda line: print(line, flush=True), on_arrivals=on_arrivals)

    def _stop(_signum, _frame) -> None:
        watcher.stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, _stop)
    print(f"watching {watcher.inbox.dir} (settle {watcher.settle_s:g} s)", flush=True)
    return watcher.run(once=once, compact=compact)
