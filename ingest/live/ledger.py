"""The ledger of finished batches: the last thing written for a batch, before its file is moved.

One JSON line per batch in ``state/ledger.jsonl``, appended and fsync'ed. A line cut short by a
crash does not parse and is ignored, so that batch counts as unfinished and is redone, which is
harmless: every step before the ledger is idempotent (see ``ingest.live.batch``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ingest.live.paths import state_dir
from lake.layout import ensure_dir

LEDGER = "ledger.jsonl"


class Ledger:
    """Batch ids already finished, loaded once and appended to as batches finish."""

    def __init__(self, data_dir: Path | None = None) -> None:
        self.path = state_dir(data_dir) / LEDGER
        self._done: set[str] = set()
        try:
            lines = self.path.read_bytes().splitlines()
        except FileNotFoundError:
            lines = []
        for line in lines:
            try:
                self._done.add(json.loads(line)["batch_id"])
            except (ValueError, KeyError, TypeError):
                continue  # a line torn by a crash: that batch is simply redone

    def __contains__(self, batch_id: str) -> bool:
        return batch_id in self._done

    def __len__(self) -> int:
        return len(self._done)

    def mark(self, entry: dict) -> None:
        """Record a finished batch durably (``entry`` must hold ``batch_id``)."""
        ensure_dir(self.path.parent)
        line = json.dumps(entry, default=str, sort_keys=True).encode() + b"\n"
        with open(self.path, "ab") as sink:
            if sink.tell() and not self._ends_with_newline():
                line = b"\n" + line  # start clean after a torn last line
            sink.write(line)
            sink.flush()
            os.fsync(sink.fileno())
        self._done.add(entry["batch_id"])

    def _ends_with_newline(self) -> bool:
        with open(self.path, "rb") as source:
            source.seek(-1, os.SEEK_END)
            return source.read(1) == b"\n"
