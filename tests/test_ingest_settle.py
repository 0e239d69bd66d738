"""Files still being written are never processed: temporary names and recent changes wait.

No test here sleeps to pass: readiness is decided by file modification times the test sets
itself (``os.utime``) and by scans it triggers itself, so the outcome does not depend on timing.
"""

from __future__ import annotations

import os

from ingest.live.inbox import Inbox
from ingest.live.watcher import Watcher
from tests.ingest_helpers import csv_bytes, drop, parquet_bytes, run_once, valid_rows


def age(path, seconds: float) -> None:
    stamp = path.stat().st_mtime - seconds
    os.utime(path, (stamp, stamp))


def test_set001_hidden_and_temporary_names_are_never_picked_up(tmp_path):
    content = csv_bytes(valid_rows("seizures", 3))
    for name in (".seizures-1.csv", "seizures-2.csv.tmp", "seizures-3.csv.part", "~seizures.csv"):
        drop(tmp_path, name, content, age_s=3600)
    inbox = Inbox(tmp_path, settle_s=1.0)
    assert inbox.scan() == ([], [])
    assert run_once(tmp_path) == []
    hidden = tmp_path / "inbox" / ".seizures-1.csv"
    os.replace(hidden, hidden.with_name("seizures-1.csv"))  # the writer's final rename
    (report,) = run_once(tmp_path)
    assert report.source_file == "seizures-1.csv" and report.rows_accepted == 3


def test_set002_a_recently_changed_file_waits_until_it_settles(tmp_path):
    path = drop(tmp_path, "seizures-live.csv", csv_bytes(valid_rows("seizures", 3)), age_s=0)
    inbox = Inbox(tmp_path, settle_s=30.0)  # far longer than this test: only utime can settle it
    ready, pending = inbox.scan()
    assert ready == [] and pending == [path]
    age(path, 60)
    ready, pending = inbox.scan()  # signature changed (mtime): but the file is 60 s old now
    assert [a.path for a in ready] == [path] and pending == []


def test_set003_a_file_written_in_pieces_is_read_whole(tmp_path):
    """The watcher polls between the writer's appends and must not take the partial file."""
    frame = valid_rows("shipments", 60)
    lines = csv_bytes(frame).splitlines(keepends=True)
    watcher = Watcher(tmp_path, log=lambda _line: None, settle_s=30.0, interval_s=0.01)
    path = tmp_path / "inbox" / "shipments-slow.csv"
    path.parent.mkdir(parents=True)
    chunks = [lines[:1], lines[1:20], lines[20:45], lines[45:]]
    for chunk in chunks:
        with open(path, "ab") as sink:
            sink.write(b"".join(chunk))
        assert watcher.poll() == [path]  # still changing: pending, untouched
        assert watcher.reports == [] and path.exists()
    age(path, 60)  # the writer is done and the settle time has passed
    assert watcher.poll() == []
    (report,) = watcher.reports
    assert report.rows_read == 60 and report.rows_accepted == 60


def test_set004_a_parquet_file_cut_short_is_quarantined_not_fatal(tmp_path):
    content = parquet_bytes(valid_rows("shipments", 30))
    drop(tmp_path, "shipments-cut.parquet", content[: len(content) - 100])
    drop(tmp_path, "shipments-ok.parquet", content)
    reports = {r.source_file: r for r in run_once(tmp_path)}
    assert reports["shipments-cut.parquet"].status == "refused"
    assert reports["shipments-ok.parquet"].rows_accepted == 30  # the watcher went on


def test_set005_a_future_mtime_settles_by_the_watchers_own_clock(tmp_path):
    path = drop(tmp_path, "seizures-forever.csv", csv_bytes(valid_rows("seizures", 2)), age_s=0)
    os.utime(path, (path.stat().st_mtime + 3600, path.stat().st_mtime + 3600))  # future mtime
    lines: list[str] = []
    watcher = Watcher(tmp_path, log=lines.append, settle_s=0.05, interval_s=0.01)
    # the signature never changes again, so the monotonic clock settles it after 0.05 s
    watcher.run(once=True, compact=False)
    assert [r.source_file for r in watcher.reports] == ["seizures-forever.csv"]
