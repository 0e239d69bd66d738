"""Deterministic crash points for the kill-and-restart tests.

``CHOKEPOINT_FAILPOINT=after_commit`` makes the process SIGKILL itself the first time it reaches
``failpoint("after_commit")``; ``after_commit:3`` the third time. A test can then prove that a
restart loses nothing and duplicates nothing at exactly that step, with no timing race: the kill
is as abrupt as ``kill -9`` (no ``finally``, no ``atexit``, no flush) but happens at a known line.
Unset, a failpoint costs one dictionary lookup.

The ``during_*`` points raise ``FailpointError`` instead of killing: they stand for a bug in the
reading or checking of a file, which must still end with a verdict for the file.
"""

from __future__ import annotations

import os
import signal

ENV = "CHOKEPOINT_FAILPOINT"
RAISES = (
    "during_read",  # raises while the file is read
    "during_check",  # raises while its rows are checked
)
POINTS = (
    "after_read",  # file read and validated, nothing written
    "after_quarantine",  # quarantine parquet written
    "after_report",  # report JSON written
    "after_lake_write",  # lake files written, not yet listed
    "after_commit",  # rows visible, no ingest_log row yet
    "after_log",  # ingest_log row visible, ledger not marked
    "after_ledger",  # ledger marked, inbox file not yet moved
    "compact_after_write",  # compacted file written, not yet swapped in
    "compact_after_commit",  # compacted file swapped in
)
_hits: dict[str, int] = {}


class FailpointError(RuntimeError):
    """Raised by a ``during_*`` failpoint: an error in the code, not in the data."""


def failpoint(name: str) -> None:
    """SIGKILL this process here if ``CHOKEPOINT_FAILPOINT`` names this point (and hit count)."""
    wanted = os.environ.get(ENV)
    if not wanted:
        return
    point, _, nth = wanted.partition(":")
    if point != name:
        return
    _hits[name] = _hits.get(name, 0) + 1
    if _hits[name] == int(nth or 1):
        if name in RAISES:
            raise FailpointError(f"failpoint {name}")
        os.kill(os.getpid(), signal.SIGKILL)
