"""Which inbox files are complete: unchanged for ``file_settle_s``, and not named as temporary.

A writer may copy a file in slowly (its size and modification time keep changing) or write a
hidden or ``.tmp`` file and rename it when done. Both work: hidden and temporary names are never
picked up, and a visible file is taken only once its size and modification time have stayed the
same for the settle time, whether the watcher saw that happen (monotonic clock) or the file's
modification time is already that old (a file that was there before the watcher started).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ingest.live.paths import inbox_dir
from ingest.live.report import utc_now

TEMPORARY_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload", ".swp")


@dataclass(frozen=True)
class Arrival:
    path: Path
    first_seen: datetime  # UTC, when the watcher first saw the file


@dataclass
class _Seen:
    signature: tuple[int, int]
    since: float  # monotonic time the signature was first seen
    first_seen: datetime


def is_candidate(path: Path) -> bool:
    name = path.name
    return (
        not name.startswith(".")
        and not name.startswith("~")
        and not name.lower().endswith(TEMPORARY_SUFFIXES)
    )


class Inbox:
    """Tracks inbox files between scans to tell finished files from files still being written."""

    def __init__(self, data_dir: Path | None = None, settle_s: float = 1.0) -> None:
        self.dir = inbox_dir(data_dir)
        self.settle_s = settle_s
        self._seen: dict[str, _Seen] = {}

    def scan(self) -> tuple[list[Arrival], list[Path]]:
        """(settled files, oldest first; files still changing)."""
        now_mono, now_wall = time.monotonic(), time.time()
        ready: list[tuple[int, str, Arrival]] = []
        pending: list[Path] = []
        present = set()
        try:
            entries = list(self.dir.iterdir())
        except FileNotFoundError:
            return [], []
        for path in entries:
            if not is_candidate(path):
                continue
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            if not path.is_file():
                continue
            present.add(path.name)
            signature = (stat.st_size, stat.st_mtime_ns)
            seen = self._seen.get(path.name)
            if seen is None or seen.signature != signature:
                first = seen.first_seen if seen else utc_now()
                seen = self._seen[path.name] = _Seen(signature, now_mono, first)
            quiet = max(now_mono - seen.since, now_wall - stat.st_mtime)
            if quiet >= self.settle_s:
                ready.append((stat.st_mtime_ns, path.name, Arrival(path, seen.first_seen)))
            else:
                pending.append(path)
        for name in set(self._seen) - present:
            del self._seen[name]
        return [arrival for *_, arrival in sorted(ready)], pending

    def forget(self, path: Path) -> None:
        self._seen.pop(path.name, None)
